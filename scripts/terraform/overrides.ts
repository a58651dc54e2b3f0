// Terraform override files (`*_override.tf.json`) that point a copy of a synthesized stack at a
// local AWS emulator (moto): endpoints and fake credentials live only here, never in cdktf.out.
// Pure functions; the e2e harness writes their results into temporary copies of the stacks.
import {
  AWS_DATA_SOURCES,
  AWS_RESOURCE_TYPES,
  AWS_SERVICES,
  AWS_SERVICES_FILE,
} from "../../src/lib/aws-services";
import { isObject, type JsonObject, type StackJson } from "./stack-json";

/** Where the emulator listens, and the fake keys every client uses. */
export interface Emulator {
  /** e.g. http://127.0.0.1:41234 (loopback only) */
  readonly url: string;
  readonly accessKey: string;
  readonly secretKey: string;
  /**
   * Services reached elsewhere than `url` (e.g. `cloudwatch` through the protocol bridge of
   * scripts/terraform/cloudwatch-bridge.ts).
   */
  readonly serviceUrls?: Readonly<Record<string, string>>;
}

/**
 * Services a stack reaches without a resource of its own: STS and IAM (who the caller is), KMS
 * (the provider reads the key behind a bucket's or a table's encryption).
 */
const ALWAYS = ["iam", "kms", "sts"] as const;

/**
 * The provider's `endpoints` keys for a resource or data source type, from the platform's AWS
 * service map (src/lib/aws-services.ts): a data source type is looked up among the data sources
 * first (`[]`: the provider computes it without an API call). A type the map does not list is an
 * error, so a new service can never silently reach real AWS (and PLAT-9 fails its synth first).
 */
export function servicesOfType(type: string): string[] {
  if (Object.hasOwn(AWS_DATA_SOURCES, type)) return [...(AWS_DATA_SOURCES[type]?.endpoints ?? [])];
  if (Object.hasOwn(AWS_RESOURCE_TYPES, type)) return [...AWS_RESOURCE_TYPES[type]!.endpoints];
  throw new Error(
    `no emulator endpoint known for ${type}: add it, with its service, to AWS_RESOURCE_TYPES or AWS_DATA_SOURCES in ${AWS_SERVICES_FILE}`,
  );
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
  const known = [
    ...Object.values(AWS_SERVICES),
    ...Object.values(AWS_RESOURCE_TYPES),
    ...Object.values(AWS_DATA_SOURCES).flatMap((s) => (s ? [s] : [])),
  ];
  for (const { endpoints } of known) for (const service of endpoints) services.add(service);
  return [...services].sort();
}

/** Provider arguments that keep a client on the emulator with fake keys. */
function providerClientSettings(emulator: Emulator, services: readonly string[]): JsonObject {
  return {
    access_key: emulator.accessKey,
    secret_key: emulator.secretKey,
    endpoints: [
      Object.fromEntries(services.map((s) => [s, emulator.serviceUrls?.[s] ?? emulator.url])),
    ],
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
