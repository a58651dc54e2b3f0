import { readFileSync } from "node:fs";
import { z } from "zod";

export type DbSslMode = "disable" | "require" | "verify-full";
export type LogLevel = "fatal" | "error" | "warn" | "info" | "debug" | "trace" | "silent";

export interface DbConfig {
  host: string;
  port: number;
  database: string;
  user: string;
  password: string;
  sslMode: DbSslMode;
  /** PEM bundle read from DB_SSL_CA_FILE; when absent, verify-full trusts Node's roots plus the RDS CAs. */
  sslCa?: string;
  poolMax: number;
  /** DB_CREDENTIALS_ARN: the secret DB_PASSWORD came from; when set, the pool re-reads it after a rotation. */
  secretArn?: string;
}

/** The AWS resources the platform grants the API (`uses:` in the service definition). */
export interface ApiAwsConfig {
  /** AWS_REGION; the SDK clients use it (the SDK would read it too, but a typo should fail at start). */
  region: string;
  /** TABLE_ITEMS_NAME: the items table (granted readWrite). */
  itemsTable: string;
  /** TOPIC_EVENTS_ARN: the events topic (granted publish). */
  eventsTopicArn: string;
}

export interface Config {
  port: number;
  host: string;
  serviceName: string;
  version: string;
  logLevel: LogLevel;
  shutdownTimeoutMs: number;
  /** KEEP_ALIVE_TIMEOUT_MS: longer than the load balancer's idle timeout; the platform derives it. */
  keepAliveTimeoutMs: number;
  readinessTimeoutMs: number;
  db: DbConfig;
  aws: ApiAwsConfig;
}

/** The queue worker's configuration (src/worker.ts): no HTTP, no database. */
export interface WorkerConfig {
  serviceName: string;
  version: string;
  logLevel: LogLevel;
  /** Budget for finishing the messages in flight after SIGTERM; below the task's stopTimeout. */
  shutdownTimeoutMs: number;
  aws: {
    region: string;
    /** QUEUE_EVENTS_URL: the queue it consumes (granted consume). */
    eventsQueueUrl: string;
    /** TABLE_ITEMS_NAME: the items table (granted write: PutItem, UpdateItem, DeleteItem). */
    itemsTable: string;
  };
}

export interface ConfigProblem {
  variable: string;
  message: string;
}

/** The keep-alive without KEEP_ALIVE_TIMEOUT_MS: longer than the ALB's default 60 s idle timeout. */
export const DEFAULT_KEEP_ALIVE_TIMEOUT_MS = 65_000;

/** Thrown when the environment is unusable; the message names every offending variable. */
export class ConfigError extends Error {
  constructor(readonly problems: ConfigProblem[]) {
    super(`Invalid configuration: ${problems.map((p) => `${p.variable} ${p.message}`).join("; ")}`);
    this.name = "ConfigError";
  }
}

/** arn:aws:secretsmanager:<region>:<12-digit account>:secret:<name>; the first group is the region. */
export const SECRET_ARN_PATTERN =
  /^arn:aws(?:-[a-z]+)*:secretsmanager:([a-z]{2}(?:-[a-z]+)+-\d+):\d{12}:secret:\S+$/;

// An empty value (`DB_HOST=`) is a mistake in a task definition, not a value: treat it as unset.
const blankAsUnset = (value: unknown) =>
  typeof value === "string" && value.trim() === "" ? undefined : value;

const requiredText = z.string({ error: "is required" });

function integer(min: number, max: number) {
  const message = `must be an integer between ${min} and ${max}`;
  return requiredText
    .regex(/^\d+$/, message)
    .transform(Number)
    .refine((n) => n >= min && n <= max, message);
}

/** AWS region names: eu-west-1, us-gov-west-1, ap-southeast-2. */
const awsRegion = requiredText.regex(
  /^[a-z]{2}(?:-[a-z]+)+-\d+$/,
  "must be an AWS region such as eu-west-1",
);

/** DynamoDB table names: 3–255 of A-Z a-z 0-9 _ . - */
const tableName = requiredText.regex(
  /^[A-Za-z0-9_.-]{3,255}$/,
  "must be a DynamoDB table name (3-255 of A-Z a-z 0-9 _ . -)",
);

const topicArn = requiredText.regex(
  /^arn:aws(?:-[a-z]+)*:sns:[a-z]{2}(?:-[a-z]+)+-\d+:\d{12}:[A-Za-z0-9_-]{1,256}(?:\.fifo)?$/,
  "must be an SNS topic ARN (arn:aws:sns:<region>:<12-digit account>:<name>)",
);

// https://sqs.<region>.amazonaws.com/<account>/<name>, or an emulator's URL in tests.
const queueUrl = requiredText.refine((value) => {
  try {
    const url = new URL(value);
    return (url.protocol === "https:" || url.protocol === "http:") && url.pathname.length > 1;
  } catch {
    return false;
  }
}, "must be an SQS queue URL (https://sqs.<region>.amazonaws.com/<account>/<name>)");

function oneOf<const T extends readonly [string, ...string[]]>(values: T) {
  return z.enum(values, { error: `must be one of ${values.join(", ")}` });
}

const logLevel = oneOf(["fatal", "error", "warn", "info", "debug", "trace", "silent"]).default(
  "info",
);

const envSchema = z.object({
  PORT: integer(0, 65535),
  HOST: requiredText.default("0.0.0.0"),
  SERVICE_NAME: requiredText.default("items-service"),
  APP_VERSION: requiredText.optional(),
  LOG_LEVEL: logLevel,
  SHUTDOWN_TIMEOUT_MS: integer(1, 600_000).default(20_000),
  READINESS_TIMEOUT_MS: integer(1, 60_000).default(2_000),
  // The ALB's idle timeout (1..4000 s) plus a margin; 65 s outlasts its default 60 s.
  KEEP_ALIVE_TIMEOUT_MS: integer(1_000, 4_100_000).default(DEFAULT_KEEP_ALIVE_TIMEOUT_MS),
  DB_HOST: requiredText,
  DB_PORT: integer(1, 65535),
  DB_NAME: requiredText,
  DB_USERNAME: requiredText,
  DB_PASSWORD: requiredText,
  // Secure by default: RDS runs with rds.force_ssl=1, so plaintext must be an explicit choice.
  DB_SSL: oneOf(["disable", "require", "verify-full"]).default("verify-full"),
  DB_SSL_CA_FILE: requiredText.optional(),
  DB_POOL_MAX: integer(1, 1_000).default(10),
  // Named without "SECRET": scanners flag such variable names. It holds an ARN, not a secret.
  DB_CREDENTIALS_ARN: requiredText
    .regex(
      SECRET_ARN_PATTERN,
      "must be a Secrets Manager secret ARN (arn:aws:secretsmanager:<region>:<12-digit account>:secret:<name>)",
    )
    .optional(),
  AWS_REGION: awsRegion,
  TABLE_ITEMS_NAME: tableName,
  TOPIC_EVENTS_ARN: topicArn,
});

const workerEnvSchema = z.object({
  SERVICE_NAME: requiredText.default("items-worker"),
  APP_VERSION: requiredText.optional(),
  LOG_LEVEL: logLevel,
  SHUTDOWN_TIMEOUT_MS: integer(1, 600_000).default(20_000),
  AWS_REGION: awsRegion,
  QUEUE_EVENTS_URL: queueUrl,
  TABLE_ITEMS_NAME: tableName,
});

/** Parses the variables `schema` names (blank counts as unset), or throws naming every problem. */
function parseEnv<S extends z.ZodObject>(schema: S, env: NodeJS.ProcessEnv): z.output<S> {
  const input: Record<string, unknown> = {};
  for (const name of Object.keys(schema.shape)) {
    input[name] = blankAsUnset(env[name]);
  }
  const parsed = schema.safeParse(input);
  if (!parsed.success) {
    throw new ConfigError(
      parsed.error.issues.map((issue) => ({
        variable: String(issue.path[0] ?? "environment"),
        message: issue.message,
      })),
    );
  }
  return parsed.data;
}

/** The queue worker's configuration; see WorkerConfig. */
export function loadWorkerConfig(env: NodeJS.ProcessEnv, defaultVersion: string): WorkerConfig {
  const e = parseEnv(workerEnvSchema, env);
  return {
    serviceName: e.SERVICE_NAME,
    version: e.APP_VERSION ?? defaultVersion,
    logLevel: e.LOG_LEVEL,
    shutdownTimeoutMs: e.SHUTDOWN_TIMEOUT_MS,
    aws: {
      region: e.AWS_REGION,
      eventsQueueUrl: e.QUEUE_EVENTS_URL,
      itemsTable: e.TABLE_ITEMS_NAME,
    },
  };
}

/** The API's configuration (src/server.ts). */
export function loadConfig(env: NodeJS.ProcessEnv, defaultVersion: string): Config {
  const e = parseEnv(envSchema, env);

  let sslCa: string | undefined;
  if (e.DB_SSL_CA_FILE !== undefined) {
    try {
      sslCa = readFileSync(e.DB_SSL_CA_FILE, "utf8");
    } catch (error) {
      const reason = (error as NodeJS.ErrnoException).code ?? "unreadable";
      throw new ConfigError([
        { variable: "DB_SSL_CA_FILE", message: `cannot be read (${reason}): ${e.DB_SSL_CA_FILE}` },
      ]);
    }
    if (!sslCa.includes("-----BEGIN CERTIFICATE-----")) {
      throw new ConfigError([
        {
          variable: "DB_SSL_CA_FILE",
          message: `is not a PEM certificate bundle: ${e.DB_SSL_CA_FILE}`,
        },
      ]);
    }
  }

  return {
    port: e.PORT,
    host: e.HOST,
    serviceName: e.SERVICE_NAME,
    version: e.APP_VERSION ?? defaultVersion,
    logLevel: e.LOG_LEVEL,
    shutdownTimeoutMs: e.SHUTDOWN_TIMEOUT_MS,
    keepAliveTimeoutMs: e.KEEP_ALIVE_TIMEOUT_MS,
    readinessTimeoutMs: e.READINESS_TIMEOUT_MS,
    db: {
      host: e.DB_HOST,
      port: e.DB_PORT,
      database: e.DB_NAME,
      user: e.DB_USERNAME,
      password: e.DB_PASSWORD,
      sslMode: e.DB_SSL,
      ...(sslCa === undefined ? {} : { sslCa }),
      poolMax: e.DB_POOL_MAX,
      ...(e.DB_CREDENTIALS_ARN === undefined ? {} : { secretArn: e.DB_CREDENTIALS_ARN }),
    },
    aws: {
      region: e.AWS_REGION,
      itemsTable: e.TABLE_ITEMS_NAME,
      eventsTopicArn: e.TOPIC_EVENTS_ARN,
    },
  };
}

/** The version in package.json, used when the platform does not set APP_VERSION. */
export function packageVersion(): string {
  // src/ and dist/ both sit one level below package.json.
  const pkg = JSON.parse(readFileSync(new URL("../package.json", import.meta.url), "utf8")) as {
    version: string;
  };
  return pkg.version;
}
