// The workload against an applied environment stack: the service's own entry points (the API and
// the worker, built from service/) run locally with the environment their task definitions give
// them, read from the stack's applied state, and one item is driven through
// API -> SNS -> SQS -> worker -> DynamoDB in the emulator. This proves that the names, ARNs and
// variables the stack wires are the ones the code needs, and that the topic's subscription and
// the queue the stack creates deliver.
//
// What ECS would provide and the emulator cannot is substituted, and each substitution is printed
// with its reason (localEnvironment): moto runs no database engine, so a local PostgreSQL
// (PGlite, as the service's tests use) stands in for the RDS endpoint; the task role's
// credentials come from sts:AssumeRole in moto (which does not enforce IAM) instead of the
// container credentials endpoint. Everything else comes from the state.
import { spawn, spawnSync, type ChildProcess } from "node:child_process";
import { existsSync, readFileSync } from "node:fs";
import { join } from "node:path";
import { z } from "zod";
import { freePort } from "./moto";
import { ROOT, terraform, track } from "./run";

// ---------------------------------------------------------------------------------------------
// Pure: the applied state, the task definitions, the image, the environment.

export interface StateResource {
  readonly address: string;
  readonly type: string;
  readonly values: Record<string, unknown>;
}

const Module: z.ZodType<{
  resources?: { address: string; mode: string; type: string; values?: unknown }[];
  child_modules?: unknown[];
}> = z.lazy(() =>
  z.looseObject({
    resources: z
      .array(
        z.looseObject({
          address: z.string(),
          mode: z.string(),
          type: z.string(),
          values: z.unknown().optional(),
        }),
      )
      .optional(),
    child_modules: z.array(Module).optional(),
  }),
);
const StateDocument = z.looseObject({
  values: z.looseObject({ root_module: Module }).optional(),
});

/** The managed resources of `terraform show -json` (of a state, not a plan). */
export function stateResources(showJson: unknown): StateResource[] {
  const doc = StateDocument.parse(showJson);
  const walk = (module: z.infer<typeof Module>): StateResource[] => [
    ...(module.resources ?? [])
      .filter((r) => r.mode === "managed")
      .map((r) => ({
        address: r.address,
        type: r.type,
        values: (r.values ?? {}) as Record<string, unknown>,
      })),
    ...(module.child_modules ?? []).flatMap((m) => walk(m as z.infer<typeof Module>)),
  ];
  return doc.values ? walk(doc.values.root_module) : [];
}

export interface ContainerSecret {
  readonly name: string;
  readonly valueFrom: string;
}

export interface TaskContainer {
  readonly name: string;
  readonly image: string;
  /** the container's command; undefined: the image's CMD */
  readonly command: readonly string[] | undefined;
  readonly environment: Readonly<Record<string, string>>;
  readonly secrets: readonly ContainerSecret[];
  readonly containerPorts: readonly number[];
}

export interface TaskDefinition {
  readonly address: string;
  /** the revision's ARN (family:revision) */
  readonly arn: string;
  readonly family: string;
  readonly taskRoleArn: string;
  readonly executionRoleArn: string;
  /** the essential container: the one the service is */
  readonly container: TaskContainer;
}

const ContainerDefinition = z.looseObject({
  name: z.string(),
  image: z.string(),
  essential: z.boolean().optional(),
  command: z.array(z.string()).nullish(),
  environment: z.array(z.looseObject({ name: z.string(), value: z.string() })).nullish(),
  secrets: z.array(z.looseObject({ name: z.string(), valueFrom: z.string() })).nullish(),
  portMappings: z.array(z.looseObject({ containerPort: z.number() })).nullish(),
});

/**
 * The task definitions of an applied state, each with its essential container as the provider
 * recorded it (`container_definitions`, a JSON string). Throws, naming the task definition, when
 * there is not exactly one essential container or no task role.
 */
export function taskDefinitions(resources: readonly StateResource[]): TaskDefinition[] {
  return resources
    .filter((r) => r.type === "aws_ecs_task_definition")
    .map((r) => {
      const raw = r.values.container_definitions;
      if (typeof raw !== "string") throw new Error(`${r.address}: no container_definitions`);
      const containers = z.array(ContainerDefinition).parse(JSON.parse(raw));
      const essential = containers.filter((c) => c.essential !== false);
      if (essential.length !== 1) {
        throw new Error(
          `${r.address}: expected one essential container, found ${essential.length} (${containers.map((c) => c.name).join(", ")})`,
        );
      }
      const c = essential[0]!;
      const taskRoleArn = r.values.task_role_arn;
      const executionRoleArn = r.values.execution_role_arn;
      if (typeof taskRoleArn !== "string" || taskRoleArn === "") {
        throw new Error(
          `${r.address}: no task role: the drive runs each container as its task role`,
        );
      }
      return {
        address: r.address,
        arn: String(r.values.arn),
        family: String(r.values.family),
        taskRoleArn,
        executionRoleArn: typeof executionRoleArn === "string" ? executionRoleArn : "",
        container: {
          name: c.name,
          image: c.image,
          command: c.command && c.command.length > 0 ? c.command : undefined,
          environment: Object.fromEntries((c.environment ?? []).map((e) => [e.name, e.value])),
          secrets: (c.secrets ?? []).map((s) => ({ name: s.name, valueFrom: s.valueFrom })),
          containerPorts: (c.portMappings ?? []).map((p) => p.containerPort),
        },
      };
    })
    .sort((a, b) => a.address.localeCompare(b.address));
}

export interface SecretReference {
  /** the secret's ARN */
  readonly secretId: string;
  /** a key of the secret's JSON value; undefined: the whole value */
  readonly jsonKey: string | undefined;
  readonly versionStage: string | undefined;
  readonly versionId: string | undefined;
}

/**
 * A secret's `valueFrom` as ECS reads it: `arn:aws:secretsmanager:<region>:<account>:secret:<name>`
 * optionally followed by `:<json-key>:<version-stage>:<version-id>`, each part possibly empty.
 * Parameter Store references (`arn:aws:ssm:...` or a parameter name) are refused: no task
 * definition of the platform uses one, and the drive resolves only what it can check.
 */
export function parseValueFrom(valueFrom: string): SecretReference {
  const parts = valueFrom.split(":");
  if (
    parts[0] !== "arn" ||
    parts[2] !== "secretsmanager" ||
    parts[5] !== "secret" ||
    parts.length < 7
  ) {
    throw new Error(
      `secret ${valueFrom}: only Secrets Manager ARNs (arn:aws:secretsmanager:<region>:<account>:secret:<name>[:<json-key>:<stage>:<version>]) are resolved`,
    );
  }
  if (parts.length > 10)
    throw new Error(`secret ${valueFrom}: too many parts after the secret's name`);
  const part = (i: number) => (parts[i] ? parts[i] : undefined);
  return {
    secretId: parts.slice(0, 7).join(":"),
    jsonKey: part(7),
    versionStage: part(8),
    versionId: part(9),
  };
}

/** The value ECS injects for a reference: the JSON key of the secret's string, or all of it. */
export function secretValue(
  secretString: string,
  jsonKey: string | undefined,
  what: string,
): string {
  if (jsonKey === undefined) return secretString;
  let parsed: unknown;
  try {
    parsed = JSON.parse(secretString);
  } catch {
    throw new Error(`${what}: the secret is not JSON, so it has no key ${jsonKey}`);
  }
  const value = (parsed as Record<string, unknown> | null)?.[jsonKey];
  if (typeof value !== "string")
    throw new Error(`${what}: the secret's JSON has no string ${jsonKey}`);
  return value;
}

export interface ImageDefaults {
  /** ENV of the final stage */
  readonly env: Readonly<Record<string, string>>;
  /** CMD of the final stage (exec form) */
  readonly cmd: readonly string[];
}

/**
 * The final stage's ENV and CMD of a Dockerfile: what a container of the image gets when its
 * task definition does not say otherwise. ENV in `KEY=value` form (several per instruction,
 * continued lines), CMD in exec (JSON) form.
 */
export function imageDefaults(dockerfile: string): ImageDefaults {
  const instructions = dockerfile
    .replace(/\\\r?\n/g, " ")
    .split(/\r?\n/)
    .map((line) => line.trim())
    .filter((line) => line !== "" && !line.startsWith("#"));
  const lastFrom = instructions.map((l) => /^FROM\s/i.test(l)).lastIndexOf(true);
  const env: Record<string, string> = {};
  let cmd: string[] | undefined;
  for (const line of instructions.slice(lastFrom + 1)) {
    const [, keyword = "", rest = ""] = /^(\w+)\s+(.*)$/.exec(line) ?? [];
    if (/^ENV$/i.test(keyword)) {
      for (const pair of rest.split(/\s+/)) {
        const eq = pair.indexOf("=");
        if (eq <= 0) throw new Error(`Dockerfile: ENV ${rest}: only the KEY=value form is read`);
        env[pair.slice(0, eq)] = pair.slice(eq + 1).replace(/^"(.*)"$/, "$1");
      }
    } else if (/^CMD$/i.test(keyword)) {
      const parsed = JSON.parse(rest) as unknown;
      if (!Array.isArray(parsed) || !parsed.every((p) => typeof p === "string")) {
        throw new Error(`Dockerfile: CMD ${rest}: only the exec (JSON) form is read`);
      }
      cmd = parsed;
    }
  }
  if (!cmd) throw new Error("Dockerfile: the final stage has no CMD");
  return { env, cmd };
}

export interface Substitution {
  readonly name: string;
  readonly from: string;
  readonly to: string;
  readonly reason: string;
}

export interface LocalEnvironment {
  readonly env: Record<string, string>;
  readonly substitutions: Substitution[];
  /** variables ECS's runtime would provide differently, each with what it stands for */
  readonly provided: { name: string; reason: string }[];
}

/**
 * The environment of one container run locally: the image's ENV, overridden by the task
 * definition's `environment`, plus its `secrets` as resolved (ECS's order), then the
 * substitutions the emulator forces, each with its reason:
 *  - DB_HOST, DB_PORT: the RDS endpoint -> the local PostgreSQL (moto runs no database engine);
 *  - DB_SSL: -> disable (the local PostgreSQL speaks no TLS);
 *  - PORT (a container with a port mapping): -> a free loopback port, and HOST=127.0.0.1;
 * and the AWS variables that stand for what ECS provides at run time: the task role's
 * credentials (ECS serves them at AWS_CONTAINER_CREDENTIALS_RELATIVE_URI) and the emulator's
 * endpoint. The caller's own environment is not inherited.
 */
export function localEnvironment(input: {
  image: ImageDefaults;
  container: TaskContainer;
  secrets: Readonly<Record<string, string>>;
  database: { host: string; port: number };
  listenPort: number | undefined;
  aws: { endpoint: string; accessKeyId: string; secretAccessKey: string; sessionToken: string };
}): LocalEnvironment {
  const env: Record<string, string> = {
    ...input.image.env,
    ...input.container.environment,
    ...input.secrets,
  };
  const forbidden = Object.keys(env).filter((k) =>
    /^AWS_(ENDPOINT_URL|ACCESS_KEY_ID|SECRET_ACCESS_KEY|SESSION_TOKEN)/.test(k),
  );
  if (forbidden.length > 0) {
    throw new Error(
      `${input.container.name}: the task definition sets ${forbidden.join(", ")}, which ECS never should`,
    );
  }
  const substitutions: Substitution[] = [];
  const substitute = (name: string, to: string, reason: string) => {
    const from = env[name];
    if (from === undefined || from === to) return;
    substitutions.push({ name, from, to, reason });
    env[name] = to;
  };
  const noDatabase =
    "moto runs no database engine: its RDS endpoint accepts no connections, so a local PostgreSQL (PGlite) stands in";
  substitute("DB_HOST", input.database.host, noDatabase);
  substitute("DB_PORT", String(input.database.port), noDatabase);
  substitute(
    "DB_SSL",
    "disable",
    "the local PostgreSQL (PGlite's socket server) speaks no TLS; RDS forces it (rds.force_ssl=1)",
  );
  if (input.listenPort !== undefined && input.container.containerPorts.length > 0) {
    const reason =
      "a task has its own network namespace (awsvpc); here the port is a free one on the loopback interface";
    substitute("PORT", String(input.listenPort), reason);
    if (env.HOST === undefined) {
      substitutions.push({ name: "HOST", from: "(unset: 0.0.0.0)", to: "127.0.0.1", reason });
      env.HOST = "127.0.0.1";
    }
  }
  const provided = [
    {
      name: "AWS_ACCESS_KEY_ID",
      reason:
        "the task role's credentials, from sts:AssumeRole in moto (ECS serves them at AWS_CONTAINER_CREDENTIALS_RELATIVE_URI)",
    },
    { name: "AWS_SECRET_ACCESS_KEY", reason: "as above" },
    { name: "AWS_SESSION_TOKEN", reason: "as above" },
    { name: "AWS_ENDPOINT_URL", reason: "every SDK client to moto" },
    {
      name: "AWS_EC2_METADATA_DISABLED, AWS_CONFIG_FILE, AWS_SHARED_CREDENTIALS_FILE",
      reason: "no other source of credentials",
    },
  ];
  Object.assign(env, {
    AWS_ACCESS_KEY_ID: input.aws.accessKeyId,
    AWS_SECRET_ACCESS_KEY: input.aws.secretAccessKey,
    AWS_SESSION_TOKEN: input.aws.sessionToken,
    AWS_ENDPOINT_URL: input.aws.endpoint,
    AWS_EC2_METADATA_DISABLED: "true",
    AWS_CONFIG_FILE: "/dev/null",
    AWS_SHARED_CREDENTIALS_FILE: "/dev/null",
  });
  return { env, substitutions, provided };
}

export interface Wiring {
  readonly topicArn: string;
  readonly queueUrl: string;
  readonly queueArn: string;
  readonly subscriptionArn: string;
  readonly rawMessageDelivery: boolean;
  /** the queue policy as applied (JSON) */
  readonly queuePolicy: string;
}

/**
 * The stack's side of topic -> queue for the topic the API publishes to and the queue the worker
 * consumes (from their environments): the queue, its policy and the subscription, from the state.
 */
export function wiring(
  resources: readonly StateResource[],
  topicArn: string,
  queueUrl: string,
): Wiring {
  const of = (type: string, match: (v: Record<string, unknown>) => boolean, what: string) => {
    const found = resources.filter((r) => r.type === type && match(r.values));
    if (found.length !== 1)
      throw new Error(`the state has ${found.length} ${type} for ${what}, not one`);
    return found[0]!.values;
  };
  const queue = of("aws_sqs_queue", (v) => v.url === queueUrl, queueUrl);
  const queueArn = String(queue.arn);
  const subscription = of(
    "aws_sns_topic_subscription",
    (v) => v.topic_arn === topicArn && v.endpoint === queueArn && v.protocol === "sqs",
    `${topicArn} -> ${queueArn}`,
  );
  const policy = of("aws_sqs_queue_policy", (v) => v.queue_url === queueUrl, queueUrl);
  return {
    topicArn,
    queueUrl,
    queueArn,
    subscriptionArn: String(subscription.arn),
    rawMessageDelivery: subscription.raw_message_delivery === true,
    queuePolicy: String(policy.policy),
  };
}

export type LogLine = Record<string, unknown>;

/** The JSON lines of a process's output (anything else is skipped). */
export function jsonLines(output: string): LogLine[] {
  return output.split("\n").flatMap((line) => {
    if (!line.startsWith("{")) return [];
    try {
      return [JSON.parse(line) as LogLine];
    } catch {
      return [];
    }
  });
}

type AttributeValue = Partial<
  Record<"S" | "N" | "BOOL" | "NULL" | "M" | "L" | "SS" | "NS", unknown>
>;

/** A DynamoDB item as plain JSON (S, N, BOOL, NULL, M, L, SS, NS). */
export function plainItem(item: Record<string, AttributeValue>): Record<string, unknown> {
  const plain = (v: AttributeValue): unknown => {
    if (v.S !== undefined) return v.S;
    if (v.N !== undefined) return Number(v.N);
    if (v.BOOL !== undefined) return v.BOOL;
    if (v.NULL !== undefined) return null;
    if (v.M !== undefined) return plainItem(v.M as Record<string, AttributeValue>);
    if (v.L !== undefined) return (v.L as AttributeValue[]).map(plain);
    if (v.SS !== undefined) return v.SS;
    if (v.NS !== undefined) return (v.NS as string[]).map(Number);
    return v;
  };
  return Object.fromEntries(Object.entries(item).map(([k, v]) => [k, plain(v)]));
}

/**
 * What to say about a secret RDS manages (an instance's `master_user_secret`): moto creates it
 * with fixed credentials (moto/rds/models.py, MasterUserSecret: username "admin"), not the
 * instance's master username, and the local PostgreSQL checks neither user nor password.
 */
export function managedBy(
  resources: readonly StateResource[],
  secretId: string,
  jsonKey: string | undefined,
  value: string,
): string {
  const instance = resources.find(
    (r) =>
      r.type === "aws_db_instance" &&
      Array.isArray(r.values.master_user_secret) &&
      (r.values.master_user_secret as { secret_arn?: unknown }[]).some(
        (m) => m.secret_arn === secretId,
      ),
  );
  if (!instance) return "";
  const what =
    jsonKey === "username"
      ? `"${value}", moto's fixed value (moto/rds/models.py MasterUserSecret), where RDS stores the instance's master username "${String(instance.values.username)}"`
      : `${value.length} characters, moto's fixed value (moto/rds/models.py MasterUserSecret)`;
  return ` (the master user secret of ${instance.address}, which RDS manages: ${what}; used as resolved, and not checked: PGlite accepts any user and password)`;
}

// ---------------------------------------------------------------------------------------------
// The emulator, as an operator and as the task roles.

interface Credentials {
  readonly accessKeyId: string;
  readonly secretAccessKey: string;
  readonly sessionToken?: string;
}

const decodeXml = (text: string) =>
  text
    .replace(/&quot;/g, '"')
    .replace(/&apos;/g, "'")
    .replace(/&lt;/g, "<")
    .replace(/&gt;/g, ">")
    .replace(/&amp;/g, "&");
const xmlValues = (xml: string, tag: string) =>
  [...xml.matchAll(new RegExp(`<${tag}>([^<]*)</${tag}>`, "g"))].map((m) => decodeXml(m[1]!));

/**
 * A request to moto signed (in form: moto checks no signature) with `credentials`: moto files it
 * under the account that owns the access key, an assumed role's key in the role's account.
 */
async function aws(
  url: string,
  credentials: Credentials,
  region: string,
  service: string,
  request: { target?: string; json?: unknown; form?: Record<string, string> },
): Promise<string> {
  const headers: Record<string, string> = {
    authorization: `AWS4-HMAC-SHA256 Credential=${credentials.accessKeyId}/20260101/${region}/${service}/aws4_request, SignedHeaders=host, Signature=0`,
    ...(credentials.sessionToken ? { "x-amz-security-token": credentials.sessionToken } : {}),
  };
  let body: string;
  if (request.target) {
    headers["x-amz-target"] = request.target;
    headers["content-type"] =
      service === "dynamodb" || service === "sqs"
        ? "application/x-amz-json-1.0"
        : "application/x-amz-json-1.1";
    body = JSON.stringify(request.json ?? {});
  } else {
    headers["content-type"] = "application/x-www-form-urlencoded";
    body = new URLSearchParams(request.form).toString();
  }
  const response = await fetch(`${url}/`, { method: "POST", headers, body });
  const text = await response.text();
  const action = request.target ?? request.form?.Action ?? "?";
  if (!response.ok)
    throw new Error(`${service} ${action}: HTTP ${response.status}: ${text.slice(0, 400)}`);
  return text;
}

interface AssumedRole extends Credentials {
  readonly sessionToken: string;
  readonly arn: string;
}

async function assumeRole(
  url: string,
  operator: Credentials,
  region: string,
  roleArn: string,
  session: string,
): Promise<AssumedRole> {
  const xml = await aws(url, operator, region, "sts", {
    form: {
      Action: "AssumeRole",
      Version: "2011-06-15",
      RoleArn: roleArn,
      RoleSessionName: session,
    },
  });
  const [accessKeyId, secretAccessKey, sessionToken] = [
    "AccessKeyId",
    "SecretAccessKey",
    "SessionToken",
  ].map((tag) => xmlValues(xml, tag)[0]);
  const [arn] = xmlValues(xml, "Arn");
  if (!accessKeyId || !secretAccessKey || !sessionToken || !arn)
    throw new Error(`AssumeRole ${roleArn}: no credentials in ${xml.slice(0, 300)}`);
  return { accessKeyId, secretAccessKey, sessionToken, arn };
}

// ---------------------------------------------------------------------------------------------
// Processes.

interface Running {
  readonly name: string;
  readonly child: ChildProcess;
  output(): string;
  lines(): LogLine[];
  waitFor(predicate: (line: LogLine) => boolean, timeoutMs: number, what: string): Promise<LogLine>;
  /** SIGTERM, then the exit code (null: killed after 35 s) */
  stop(): Promise<number | null>;
}

function start(
  name: string,
  command: string,
  args: readonly string[],
  cwd: string,
  env: Record<string, string>,
): Running {
  const child = spawn(command, args, {
    cwd,
    env: { PATH: process.env.PATH ?? "/usr/bin:/bin", ...env },
    stdio: ["ignore", "pipe", "pipe"],
  });
  track(child, "SIGTERM");
  let output = "";
  child.stdout?.setEncoding("utf8").on("data", (d: string) => (output += d));
  child.stderr?.setEncoding("utf8").on("data", (d: string) => (output += d));
  const exited = new Promise<number | null>((resolve) =>
    child.on("close", (code) => resolve(code)),
  );
  return {
    name,
    child,
    output: () => output,
    lines: () => jsonLines(output),
    async waitFor(predicate, timeoutMs, what) {
      const deadline = Date.now() + timeoutMs;
      for (;;) {
        const found = jsonLines(output).find(predicate);
        if (found) return found;
        if (child.exitCode !== null)
          throw new Error(`${name} exited (${child.exitCode}) before ${what}: ${tail(output)}`);
        if (Date.now() > deadline)
          throw new Error(`${name}: no ${what} within ${timeoutMs / 1000} s: ${tail(output)}`);
        await sleep(50);
      }
    },
    async stop() {
      if (child.exitCode !== null) return child.exitCode;
      child.kill("SIGTERM");
      const timer = setTimeout(() => child.kill("SIGKILL"), 35_000);
      const code = await exited;
      clearTimeout(timer);
      return code;
    },
  };
}

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));
const tail = (text: string) => text.trim().split("\n").slice(-8).join("\n    ");
const since = (t: number) => `${Math.round(performance.now() - t)} ms`;

// ---------------------------------------------------------------------------------------------
// The drive.

export interface DriveResult {
  readonly stack: string;
  readonly ok: boolean;
  readonly outcome: string;
  readonly seconds: number;
}

export interface DriveOptions {
  readonly stack: string;
  /** the applied copy of the stack (its backend configured and initialized) */
  readonly dir: string;
  /** moto, and an operator key of the stack's account */
  readonly emulator: { url: string; accessKey: string; secretKey: string };
  /** the environment Terraform runs with */
  readonly env: NodeJS.ProcessEnv;
  readonly log: (line: string) => void;
}

const SERVICE_DIR = join(ROOT, "service");
const PGLITE_SERVER = join(
  SERVICE_DIR,
  "node_modules",
  "@electric-sql",
  "pglite-socket",
  "dist",
  "scripts",
  "server.js",
);

/**
 * Runs the stack's services locally against moto and drives one item through
 * API -> SNS -> SQS -> worker -> DynamoDB. Never throws: a failed step is the result's outcome.
 */
export async function driveWorkload(options: DriveOptions): Promise<DriveResult> {
  const started = performance.now();
  const processes: Running[] = [];
  const say = (line: string) => options.log(`drive (${options.stack}): ${line}`);
  try {
    const outcome = await drive(options, processes, say);
    const codes = await stopAll(processes);
    const unclean = codes.filter((c) => c.code !== 0);
    if (unclean.length > 0) {
      throw new Error(
        `after SIGTERM ${unclean.map((c) => `${c.name} exited ${c.code}`).join(", ")} (a drained process exits 0)`,
      );
    }
    say(`stopped with SIGTERM: ${codes.map((c) => `${c.name} exit ${c.code}`).join(", ")}`);
    return {
      stack: options.stack,
      ok: true,
      outcome: `ok: ${outcome}`,
      seconds: (performance.now() - started) / 1000,
    };
  } catch (error) {
    await stopAll(processes);
    const message = error instanceof Error ? error.message : String(error);
    say(`FAILED: ${message}`);
    return {
      stack: options.stack,
      ok: false,
      outcome: `FAILED: ${message}`,
      seconds: (performance.now() - started) / 1000,
    };
  }
}

async function stopAll(processes: Running[]): Promise<{ name: string; code: number | null }[]> {
  // The services first, the database last (the API drains its pool before it exits).
  const services = processes.filter((p) => p.name !== "postgres");
  const codes = await Promise.all(
    services.map(async (p) => ({ name: p.name, code: await p.stop() })),
  );
  for (const p of processes.filter((p) => p.name === "postgres")) await p.stop();
  processes.length = 0;
  return codes;
}

interface Context {
  readonly url: string;
  readonly operator: Credentials;
  readonly region: string;
  readonly processes: Running[];
  readonly say: (line: string) => void;
}

/** One container of the stack running as a local process. */
interface Container {
  readonly task: TaskDefinition;
  readonly process: Running;
  /** the loopback port it listens on, when its task definition maps one */
  readonly port: number | undefined;
}

async function drive(
  options: DriveOptions,
  processes: Running[],
  say: (line: string) => void,
): Promise<string> {
  const { resources, tasks, api, image } = await readApplied(options, say);
  const region = api.container.environment.AWS_REGION;
  if (!region) throw new Error(`${api.address}: no AWS_REGION in its environment`);
  const operator = {
    accessKeyId: options.emulator.accessKey,
    secretAccessKey: options.emulator.secretKey,
  };
  const context: Context = { url: options.emulator.url, operator, region, processes, say };
  buildService(say);
  const dbPort = await startDatabase(processes, say);
  const containers: Container[] = [];
  for (const task of tasks) {
    containers.push(await startContainer(context, task, { image, resources, dbPort }));
  }
  const apiRun = containers.find((c) => c.task === api)!;
  const workers = containers.filter((c) => c !== apiRun);
  await waitUntilReady(apiRun, workers, say);
  await checkTopicToQueue(context, resources, apiRun, workers);
  return driveOneItem(context, apiRun, workers);
}

/** The applied state, its task definitions (one of them the API: the one with a port) and the image. */
async function readApplied(options: DriveOptions, say: (line: string) => void) {
  const show = await terraform(options.dir, ["show", "-json", "-no-color"], options.env, 300);
  if (show.code !== 0) throw new Error(`terraform show -json: ${show.stderr.trim()}`);
  const resources = stateResources(JSON.parse(show.stdout));
  const tasks = taskDefinitions(resources);
  const apis = tasks.filter((t) => t.container.containerPorts.length > 0);
  if (apis.length !== 1) {
    throw new Error(`expected one task definition with a port (the API), found ${apis.length}`);
  }
  const image = imageDefaults(readFileSync(join(SERVICE_DIR, "Dockerfile"), "utf8"));
  say(
    `task definitions in the state: ${tasks.map((t) => `${t.family} (${t.address}, command ${(t.container.command ?? image.cmd).join(" ")})`).join("; ")}`,
  );
  return { resources, tasks, api: apis[0]!, image };
}

/** The service's dist/, built as the image builds it. */
function buildService(say: (line: string) => void): void {
  if (!existsSync(PGLITE_SERVER)) {
    throw new Error(
      `service/node_modules is not installed (npm ci --prefix service): no ${PGLITE_SERVER}`,
    );
  }
  const started = performance.now();
  const build = spawnSync("npm", ["--prefix", SERVICE_DIR, "run", "build"], {
    encoding: "utf8",
    env: { ...process.env, npm_config_update_notifier: "false" },
  });
  if (build.status !== 0) {
    throw new Error(`npm --prefix service run build: ${tail(build.stdout + build.stderr)}`);
  }
  say(`service built (npm --prefix service run build) in ${since(started)}`);
}

/** A PostgreSQL for the API, since moto runs no database engine; returns its port. */
async function startDatabase(processes: Running[], say: (line: string) => void): Promise<number> {
  const started = performance.now();
  const port = await freePort();
  const args = [PGLITE_SERVER, `--port=${port}`, "--max-connections=20"];
  const postgres = start("postgres", process.execPath, args, SERVICE_DIR, {});
  processes.push(postgres);
  for (const deadline = Date.now() + 60_000; !/listening/i.test(postgres.output());) {
    if (postgres.child.exitCode !== null || Date.now() > deadline) {
      throw new Error(`PGlite did not start: ${tail(postgres.output())}`);
    }
    await sleep(100);
  }
  say(
    `PGlite (PostgreSQL in WebAssembly, as the service's tests use) on 127.0.0.1:${port} in ${since(started)}`,
  );
  return port;
}

/** The container's secrets, read as ECS reads them: with the execution role, before it starts. */
async function resolveSecrets(
  context: Context,
  task: TaskDefinition,
  resources: readonly StateResource[],
): Promise<Record<string, string>> {
  const secrets: Record<string, string> = {};
  if (task.container.secrets.length === 0) return secrets;
  const { url, operator, region, say } = context;
  const execution = await assumeRole(
    url,
    operator,
    region,
    task.executionRoleArn,
    "e2e-drive-execution",
  );
  for (const secret of task.container.secrets) {
    const ref = parseValueFrom(secret.valueFrom);
    const text = await aws(url, execution, region, "secretsmanager", {
      target: "secretsmanager.GetSecretValue",
      json: {
        SecretId: ref.secretId,
        ...(ref.versionStage ? { VersionStage: ref.versionStage } : {}),
        ...(ref.versionId ? { VersionId: ref.versionId } : {}),
      },
    });
    const { SecretString } = JSON.parse(text) as { SecretString?: string };
    if (SecretString === undefined) throw new Error(`${secret.valueFrom}: no SecretString`);
    const value = secretValue(SecretString, ref.jsonKey, `${task.family} ${secret.name}`);
    secrets[secret.name] = value;
    say(
      `${task.family}: secret ${secret.name} <- ${ref.secretId}${ref.jsonKey ? ` key ${ref.jsonKey}` : ""}: resolved from moto's Secrets Manager with the execution role${managedBy(resources, ref.secretId, ref.jsonKey, value)}`,
    );
  }
  return secrets;
}

/** One task definition's container as a local process, as its task role, with its environment. */
async function startContainer(
  context: Context,
  task: TaskDefinition,
  given: { image: ImageDefaults; resources: readonly StateResource[]; dbPort: number },
): Promise<Container> {
  const { url, operator, region, say } = context;
  const name = task.family;
  const secrets = await resolveSecrets(context, task, given.resources);
  const session = `e2e-drive-${task.container.name}`;
  const role = await assumeRole(url, operator, region, task.taskRoleArn, session);
  say(
    `${name}: task role ${task.taskRoleArn} assumed in moto as ${role.arn} (moto does not enforce IAM: the role's policies are not checked)`,
  );
  const port = task.container.containerPorts.length > 0 ? await freePort() : undefined;
  const local = localEnvironment({
    image: given.image,
    container: task.container,
    secrets,
    database: { host: "127.0.0.1", port: given.dbPort },
    listenPort: port,
    aws: { endpoint: url, ...role },
  });
  for (const s of local.substitutions) {
    say(`${name}: substituted ${s.name} ${s.from} -> ${s.to}: ${s.reason}`);
  }
  const isSecret = (k: string) => task.container.secrets.some((s) => s.name === k);
  const shown = (k: string) =>
    local.substitutions.some((s) => s.name === k)
      ? `${k} (substituted)`
      : `${k}=${isSecret(k) ? "(secret)" : local.env[k]}`;
  const fromStack = [
    ...Object.keys(task.container.environment),
    ...task.container.secrets.map((s) => s.name),
  ];
  say(`${name}: from the stack: ${fromStack.sort().map(shown).join(", ")}`);
  const [command, ...args] = task.container.command ?? given.image.cmd;
  if (command !== "node") throw new Error(`${name}: the command ${command} is not node`);
  const running = start(name, process.execPath, args, SERVICE_DIR, local.env);
  context.processes.push(running);
  return { task, port, process: running };
}

/** The API answers /ready (its database and schema); each worker has checked its queue. */
async function waitUntilReady(
  api: Container,
  workers: readonly Container[],
  say: (line: string) => void,
): Promise<void> {
  const started = performance.now();
  for (const deadline = Date.now() + 60_000; ; await sleep(200)) {
    if (api.process.child.exitCode !== null) {
      throw new Error(
        `the API exited (${api.process.child.exitCode}): ${tail(api.process.output())}`,
      );
    }
    const ready = await fetch(`http://127.0.0.1:${api.port}/ready`).then(
      (r) => r.status,
      () => 0,
    );
    if (ready === 200) break;
    if (Date.now() > deadline) {
      throw new Error(`the API is not ready within 60 s: ${tail(api.process.output())}`);
    }
  }
  for (const w of workers) {
    await w.process.waitFor((l) => l.message === "queue checked", 60_000, "queue checked");
  }
  say(
    `${api.task.family} ready (GET /ready 200) and ${workers.map((w) => `${w.task.family} (queue checked)`).join(", ")} in ${since(started)}`,
  );
}

/**
 * The stack's topic -> queue, as applied and as moto holds it: the subscription between the
 * API's topic and the worker's queue is the state's and the only one, with the state's raw
 * delivery, and the queue's policy is the state's.
 */
async function checkTopicToQueue(
  context: Context,
  resources: readonly StateResource[],
  api: Container,
  workers: readonly Container[],
): Promise<void> {
  const { url, operator, region, say } = context;
  const topicArn = api.task.container.environment.TOPIC_EVENTS_ARN;
  const queueUrl = workers.map((w) => w.task.container.environment.QUEUE_EVENTS_URL).find(Boolean);
  if (!topicArn || !queueUrl) {
    throw new Error(
      "no TOPIC_EVENTS_ARN in the API's environment or no QUEUE_EVENTS_URL in a worker's",
    );
  }
  const wired = wiring(resources, topicArn, queueUrl);
  const listed = await aws(url, operator, region, "sns", {
    form: { Action: "ListSubscriptionsByTopic", Version: "2010-03-31", TopicArn: topicArn },
  });
  const endpoints = xmlValues(listed, "Endpoint");
  const toQueue = xmlValues(listed, "SubscriptionArn").filter(
    (_, i) => endpoints[i] === wired.queueArn,
  );
  if (toQueue.length !== 1 || toQueue[0] !== wired.subscriptionArn) {
    throw new Error(
      `moto's subscriptions of ${topicArn} to ${wired.queueArn} are ${JSON.stringify(toQueue)}, not the stack's ${wired.subscriptionArn}`,
    );
  }
  const attributes = await aws(url, operator, region, "sns", {
    form: {
      Action: "GetSubscriptionAttributes",
      Version: "2010-03-31",
      SubscriptionArn: wired.subscriptionArn,
    },
  });
  const keys = xmlValues(attributes, "key");
  const raw = xmlValues(attributes, "value")[keys.indexOf("RawMessageDelivery")];
  if (raw !== String(wired.rawMessageDelivery)) {
    throw new Error(
      `moto's RawMessageDelivery of ${wired.subscriptionArn} is ${raw}, the stack's ${wired.rawMessageDelivery}`,
    );
  }
  const queue = JSON.parse(
    await aws(url, operator, region, "sqs", {
      target: "AmazonSQS.GetQueueAttributes",
      json: { QueueUrl: queueUrl, AttributeNames: ["All"] },
    }),
  ) as { Attributes?: Record<string, string> };
  const policy = queue.Attributes?.Policy;
  const same = (a: string, b: string) =>
    JSON.stringify(JSON.parse(a)) === JSON.stringify(JSON.parse(b));
  if (!policy || !same(policy, wired.queuePolicy)) {
    throw new Error(
      `moto's policy of ${queueUrl} is ${policy ?? "(none)"}, not the stack's ${wired.queuePolicy}`,
    );
  }
  say(
    `the stack's subscription ${wired.subscriptionArn} (${topicArn} -> ${wired.queueArn}, RawMessageDelivery ${raw}) is the only one to the queue in moto, and the queue's policy is the stack's (moto keeps it but does not evaluate it when SNS delivers)`,
  );
}

/** POST an item; its SNS message id from the API's line; the worker's line; its DynamoDB records. */
async function driveOneItem(
  context: Context,
  api: Container,
  workers: readonly Container[],
): Promise<string> {
  const { url, operator, region, say } = context;
  const t0 = performance.now();
  const response = await fetch(`http://127.0.0.1:${api.port}/items`, {
    method: "POST",
    headers: { "content-type": "application/json", "x-request-id": "e2e-drive" },
    body: JSON.stringify({ name: `e2e drive ${new Date().toISOString()}` }),
  });
  const postMs = performance.now() - t0;
  const body = (await response.json()) as { id?: string };
  if (response.status !== 201 || !body.id) {
    throw new Error(`POST /items answered ${response.status}: ${JSON.stringify(body)}`);
  }
  const itemId = body.id;
  const created = await api.process.waitFor(
    (l) => l.message === "item created" && l.item_id === itemId,
    5_000,
    `"item created" for ${itemId}`,
  );
  const snsMessageId = created.sns_message_id;
  if (typeof snsMessageId !== "string" || snsMessageId === "") {
    throw new Error(
      `the API's "item created" line has no sns_message_id: ${JSON.stringify(created)}`,
    );
  }
  const eventId = String(created.event_id);
  say(
    `item ${itemId}: POST /items 201 in ${Math.round(postMs)} ms; SNS message id ${snsMessageId} (event ${eventId}, the API's "item created" line)`,
  );

  const processed = await Promise.any(
    workers.map((w) =>
      w.process.waitFor(
        (l) =>
          l.message === "message processed" &&
          l.item_id === itemId &&
          l.event_type === "item.created",
        60_000,
        `"message processed" for ${itemId}`,
      ),
    ),
  ).catch((e: unknown) => {
    throw e instanceof AggregateError ? (e.errors[0] as Error) : e;
  });
  const processedMs = performance.now() - t0;
  if (processed.outcome !== "applied" || processed.event_id !== eventId) {
    throw new Error(
      `the worker's line is not the applied item.created event ${eventId}: ${JSON.stringify(processed)}`,
    );
  }
  say(`worker's line ${Math.round(processedMs)} ms after the POST: ${JSON.stringify(processed)}`);

  const table = workers[0]!.task.container.environment.TABLE_ITEMS_NAME;
  if (!table) throw new Error(`${workers[0]!.task.address}: no TABLE_ITEMS_NAME`);
  const query = JSON.parse(
    await aws(url, operator, region, "dynamodb", {
      target: "DynamoDB_20120810.Query",
      json: {
        TableName: table,
        KeyConditionExpression: "pk = :pk",
        ExpressionAttributeValues: { ":pk": { S: `item#${itemId}` } },
        ConsistentRead: true,
      },
    }),
  ) as { Items?: Record<string, AttributeValue>[] };
  const records = (query.Items ?? []).map(plainItem);
  const readMs = performance.now() - t0;
  const record = records.find((r) => r.sk === "created");
  const receipt = records.find((r) => r.sk === `processed#${eventId}`);
  if (!record || typeof record.processedAt !== "string" || record.eventId !== eventId || !receipt) {
    throw new Error(`${table} has no processed record of ${itemId}: ${JSON.stringify(records)}`);
  }
  for (const r of records) {
    say(`DynamoDB ${table} (read ${Math.round(readMs)} ms after the POST): ${JSON.stringify(r)}`);
  }
  return `item ${itemId}, SNS message ${snsMessageId}, processed by the worker ${Math.round(processedMs)} ms after the POST (SQS message ${String(processed.message_id)}), ${records.length} records in ${table}`;
}

/**
 * The applied stacks that run the workload: the release targets of the pipeline manifest
 * (cdktf.out/pipeline.json, non-production then production) among `applied`, in that order.
 */
export function workloadStacks(applied: readonly string[]): string[] {
  const manifest = JSON.parse(readFileSync(join(ROOT, "cdktf.out", "pipeline.json"), "utf8")) as {
    release: Record<"nonProduction" | "production", { stack: string }[]>;
  };
  return [...manifest.release.nonProduction, ...manifest.release.production]
    .map((target) => target.stack)
    .filter((stack) => applied.includes(stack));
}
