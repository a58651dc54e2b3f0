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
  /** DB_SECRET_ARN: the secret DB_PASSWORD came from; when set, the pool re-reads it after a rotation. */
  secretArn?: string;
}

export interface Config {
  port: number;
  host: string;
  serviceName: string;
  version: string;
  logLevel: LogLevel;
  shutdownTimeoutMs: number;
  readinessTimeoutMs: number;
  db: DbConfig;
}

export interface ConfigProblem {
  variable: string;
  message: string;
}

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

function oneOf<const T extends readonly [string, ...string[]]>(values: T) {
  return z.enum(values, { error: `must be one of ${values.join(", ")}` });
}

const envSchema = z.object({
  PORT: integer(0, 65535),
  HOST: requiredText.default("0.0.0.0"),
  SERVICE_NAME: requiredText.default("items-service"),
  APP_VERSION: requiredText.optional(),
  LOG_LEVEL: oneOf(["fatal", "error", "warn", "info", "debug", "trace", "silent"]).default("info"),
  SHUTDOWN_TIMEOUT_MS: integer(1, 600_000).default(20_000),
  READINESS_TIMEOUT_MS: integer(1, 60_000).default(2_000),
  DB_HOST: requiredText,
  DB_PORT: integer(1, 65535),
  DB_NAME: requiredText,
  DB_USERNAME: requiredText,
  DB_PASSWORD: requiredText,
  // Secure by default: RDS runs with rds.force_ssl=1, so plaintext must be an explicit choice.
  DB_SSL: oneOf(["disable", "require", "verify-full"]).default("verify-full"),
  DB_SSL_CA_FILE: requiredText.optional(),
  DB_POOL_MAX: integer(1, 1_000).default(10),
  DB_SECRET_ARN: requiredText
    .regex(
      SECRET_ARN_PATTERN,
      "must be a Secrets Manager secret ARN (arn:aws:secretsmanager:<region>:<12-digit account>:secret:<name>)",
    )
    .optional(),
});

type EnvName = keyof typeof envSchema.shape;

export function loadConfig(env: NodeJS.ProcessEnv, defaultVersion: string): Config {
  const input: Record<string, unknown> = {};
  for (const name of Object.keys(envSchema.shape) as EnvName[]) {
    input[name] = blankAsUnset(env[name]);
  }

  const parsed = envSchema.safeParse(input);
  if (!parsed.success) {
    throw new ConfigError(
      parsed.error.issues.map((issue) => ({
        variable: String(issue.path[0] ?? "environment"),
        message: issue.message,
      })),
    );
  }
  const e = parsed.data;

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
      ...(e.DB_SECRET_ARN === undefined ? {} : { secretArn: e.DB_SECRET_ARN }),
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
