// Terraform override files (`*_override.tf.json`) that point a copy of a synthesized stack at a
// local AWS emulator (moto): endpoints and fake credentials live only here, never in cdktf.out.
// Pure functions; the e2e harness writes their results into temporary copies of the stacks.
import { isObject, type JsonObject, type StackJson } from "./stack-json";

/** Where the emulator listens, and the fake keys every client uses. */
export interface Emulator {
  /** e.g. http://127.0.0.1:41234 (loopback only) */
  readonly url: string;
  readonly accessKey: string;
  readonly secretKey: string;
}

/**
 * The provider's `endpoints` key for each resource or data source type, by longest matching
 * prefix. `null`: the type calls no API (it is computed inside the provider). A type that matches
 * nothing is an error, so a new service can never silently reach real AWS.
 */
const SERVICE_BY_PREFIX: ReadonlyArray<
  readonly [prefix: string, services: string | string[] | null]
> = [
  ["aws_acm_", "acm"],
  ["aws_appautoscaling_", "appautoscaling"],
  ["aws_caller_identity", "sts"],
  ["aws_cloudwatch_dashboard", "cloudwatch"],
  ["aws_cloudwatch_metric_alarm", "cloudwatch"],
  ["aws_cloudwatch_log_", "logs"],
  ["aws_cloudwatch_query_definition", "logs"],
  ["aws_db_", "rds"],
  ["aws_default_network_acl", "ec2"],
  ["aws_default_route_table", "ec2"],
  ["aws_default_security_group", "ec2"],
  ["aws_dynamodb_", "dynamodb"],
  ["aws_ecr_", "ecr"],
  ["aws_ecs_", "ecs"],
  ["aws_eip", "ec2"],
  ["aws_elb_service_account", null],
  ["aws_flow_log", "ec2"],
  ["aws_iam_", "iam"],
  ["aws_internet_gateway", "ec2"],
  ["aws_kms_", "kms"],
  ["aws_lb", "elbv2"],
  ["aws_nat_gateway", "ec2"],
  ["aws_network_acl", "ec2"],
  ["aws_region", null],
  ["aws_partition", null],
  ["aws_route53_", "route53"],
  ["aws_route", "ec2"],
  // Bucket tags are read and written through S3 Control (ListTagsForResource, TagResource).
  ["aws_s3_bucket", ["s3", "s3control"]],
  ["aws_s3_", "s3"],
  ["aws_secretsmanager_", "secretsmanager"],
  ["aws_security_group", "ec2"],
  ["aws_sns_", "sns"],
  ["aws_sqs_", "sqs"],
  ["aws_subnet", "ec2"],
  ["aws_vpc", "ec2"],
  ["aws_wafv2_", "wafv2"],
];

/**
 * Services a stack reaches without a resource of its own: STS and IAM (who the caller is), KMS
 * (the provider reads the key behind a bucket's or a table's encryption).
 */
const ALWAYS = ["iam", "kms", "sts"] as const;

/** The `endpoints` keys for a type; throws for a type the map does not know. */
export function servicesOfType(type: string): string[] {
  let best: (typeof SERVICE_BY_PREFIX)[number] | undefined;
  for (const entry of SERVICE_BY_PREFIX) {
    if (type.startsWith(entry[0]) && (!best || entry[0].length > best[0].length)) best = entry;
  }
  if (!best) {
    throw new Error(
      `no emulator endpoint known for ${type}: add its service to SERVICE_BY_PREFIX in scripts/terraform/overrides.ts`,
    );
  }
  return best[1] === null ? [] : typeof best[1] === "string" ? [best[1]] : [...best[1]];
}

/** The sorted `endpoints` keys a stack needs: its resources' and data sources' services. */
export function servicesOf(stack: StackJson): string[] {
  const types = [
    ...Object.keys(stack.resource ?? {}),
    ...Object.keys(stack.data ?? {}).filter((t) => t.startsWith("aws_")),
  ];
  const services = new Set<string>(ALWAYS);
  for (const type of types) {
    for (const service of servicesOfType(type)) services.add(service);
  }
  return [...services].sort();
}

/** Every service the map knows, plus the ones every stack reaches, sorted. */
export function allServices(): string[] {
  const services = new Set<string>(ALWAYS);
  for (const [, s] of SERVICE_BY_PREFIX) {
    for (const service of s === null ? [] : typeof s === "string" ? [s] : s) services.add(service);
  }
  return [...services].sort();
}

/** Provider arguments that keep a client on the emulator with fake keys. */
function providerClientSettings(emulator: Emulator, services: readonly string[]): JsonObject {
  return {
    access_key: emulator.accessKey,
    secret_key: emulator.secretKey,
    endpoints: [Object.fromEntries(services.map((s) => [s, emulator.url]))],
    s3_use_path_style: true,
    // The emulator is local: an error is not worth the provider's default 25 retries.
    max_retries: 3,
    // No instance metadata service here; it must never be asked for credentials.
    skip_metadata_api_check: true,
    // Not skipped: the provider asks STS (the emulator) who it is, so allowed_account_ids is
    // really checked against the emulator's account.
    skip_credentials_validation: false,
    skip_requesting_account_id: false,
  };
}

/**
 * `provider_override.tf.json`: one override per provider configuration (the default one and each
 * alias), merged by Terraform into the original. Only the client settings are replaced; region,
 * allowed_account_ids, assume_role and default_tags stay as synthesized.
 */
export function providerOverride(stack: StackJson, emulator: Emulator): JsonObject {
  const configs = stack.provider?.aws ?? [];
  if (configs.length === 0) throw new Error("the stack configures no aws provider");
  // Every type must be known (servicesOf throws otherwise); the endpoints cover every service
  // the map knows, so a call the provider makes on the side (e.g. KMS for a bucket's key) also
  // stays on the emulator.
  servicesOf(stack);
  const services = allServices();
  return {
    provider: {
      aws: configs.map((config) => ({
        ...(typeof config.alias === "string" ? { alias: config.alias } : {}),
        ...providerClientSettings(emulator, services),
      })),
    },
  };
}

/** The S3 backend's own settings for the emulator (Terraform >= 1.6 names). */
function s3BackendClientSettings(emulator: Emulator): JsonObject {
  return {
    access_key: emulator.accessKey,
    secret_key: emulator.secretKey,
    endpoints: {
      s3: emulator.url,
      dynamodb: emulator.url,
      sts: emulator.url,
      iam: emulator.url,
    },
    use_path_style: true,
    skip_metadata_api_check: true,
    skip_credentials_validation: false,
    skip_requesting_account_id: true,
  };
}

/**
 * The complete S3 backend settings for the emulator: the synthesized ones (bucket, key, region,
 * dynamodb_table, encrypt, assume_role, ...) plus endpoints and fake keys. Terraform replaces a
 * backend block from an override file as a whole, so nothing may be left out.
 */
export function s3BackendForEmulator(s3: JsonObject, emulator: Emulator): JsonObject {
  for (const key of ["bucket", "key", "region"]) {
    if (typeof s3[key] !== "string") throw new Error(`the s3 backend has no ${key}`);
  }
  for (const key of Object.keys(s3)) {
    if (key.startsWith("endpoint") || key === "access_key" || key === "secret_key") {
      throw new Error(`the synthesized s3 backend already sets ${key}; refusing to replace it`);
    }
  }
  return { ...s3, ...s3BackendClientSettings(emulator) };
}

/** `backend_override.tf.json` for a stack with an S3 backend; undefined for any other backend. */
export function backendOverride(stack: StackJson, emulator: Emulator): JsonObject | undefined {
  const s3 = stack.terraform?.backend?.s3;
  if (!s3) return undefined;
  return { terraform: { backend: { s3: s3BackendForEmulator(s3, emulator) } } };
}

/**
 * `remote_state_override.tf.json`: each `terraform_remote_state` data source with an s3 backend
 * reads through the emulator. Its `config` argument is replaced as a whole, so it is the
 * synthesized one plus the client settings.
 */
export function remoteStateOverride(stack: StackJson, emulator: Emulator): JsonObject | undefined {
  const sources = stack.data?.terraform_remote_state ?? {};
  const overridden: Record<string, JsonObject> = {};
  for (const [name, source] of Object.entries(sources)) {
    if (source.backend !== "s3") continue;
    if (!isObject(source.config)) throw new Error(`terraform_remote_state.${name} has no config`);
    overridden[name] = { config: s3BackendForEmulator(source.config, emulator) };
  }
  if (Object.keys(overridden).length === 0) return undefined;
  return { data: { terraform_remote_state: overridden } };
}

/** Every override file for one stack copy: file name -> content. */
export function overrideFiles(stack: StackJson, emulator: Emulator): Record<string, JsonObject> {
  const files: Record<string, JsonObject> = {
    "provider_override.tf.json": providerOverride(stack, emulator),
  };
  const backend = backendOverride(stack, emulator);
  if (backend) files["backend_override.tf.json"] = backend;
  const remote = remoteStateOverride(stack, emulator);
  if (remote) files["remote_state_override.tf.json"] = remote;
  return files;
}
