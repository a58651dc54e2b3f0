import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterEach, describe, expect, it } from "vitest";
import { ConfigError, loadConfig, loadWorkerConfig, packageVersion } from "../src/config.js";

const VALID = {
  PORT: "8080",
  DB_HOST: "db.internal",
  DB_PORT: "5432",
  DB_NAME: "items",
  DB_USERNAME: "app",
  DB_PASSWORD: "s3cret-from-secrets-manager",
  AWS_REGION: "eu-west-1",
  TABLE_ITEMS_NAME: "platform-staging-items",
  TOPIC_EVENTS_ARN: "arn:aws:sns:eu-west-1:123456789012:platform-staging-events",
};

function problemsFor(env: NodeJS.ProcessEnv): ConfigError {
  try {
    loadConfig(env, "0.0.0");
  } catch (error) {
    if (error instanceof ConfigError) return error;
    throw error;
  }
  throw new Error("expected a ConfigError");
}

describe("loadConfig", () => {
  it("maps a complete environment and applies the documented defaults", () => {
    const config = loadConfig(VALID, "2.0.0");
    expect(config).toEqual({
      port: 8080,
      host: "0.0.0.0",
      serviceName: "items-service",
      version: "2.0.0",
      logLevel: "info",
      shutdownTimeoutMs: 20_000,
      keepAliveTimeoutMs: 65_000,
      readinessTimeoutMs: 2_000,
      db: {
        host: "db.internal",
        port: 5432,
        database: "items",
        user: "app",
        password: "s3cret-from-secrets-manager",
        sslMode: "verify-full",
        poolMax: 10,
      },
      aws: {
        region: "eu-west-1",
        itemsTable: "platform-staging-items",
        eventsTopicArn: "arn:aws:sns:eu-west-1:123456789012:platform-staging-events",
      },
    });
  });

  it("takes the version from APP_VERSION (the image tag) over package.json", () => {
    expect(loadConfig({ ...VALID, APP_VERSION: "v2.0" }, "2.0.0").version).toBe("v2.0");
  });

  it("falls back to the version in package.json", () => {
    expect(packageVersion()).toMatch(/^\d+\.\d+\.\d+/);
  });

  it.each([
    "PORT",
    "DB_HOST",
    "DB_PORT",
    "DB_NAME",
    "DB_USERNAME",
    "DB_PASSWORD",
    "AWS_REGION",
    "TABLE_ITEMS_NAME",
    "TOPIC_EVENTS_ARN",
  ])("names %s when it is missing", (name) => {
    const error = problemsFor({ ...VALID, [name]: undefined });
    expect(error.problems).toEqual([{ variable: name, message: "is required" }]);
    expect(error.message).toContain(`${name} is required`);
  });

  it("treats a blank variable as missing", () => {
    expect(problemsFor({ ...VALID, DB_HOST: "  " }).problems).toEqual([
      { variable: "DB_HOST", message: "is required" },
    ]);
  });

  it.each([
    ["PORT", "80a", "must be an integer between 0 and 65535"],
    ["PORT", "70000", "must be an integer between 0 and 65535"],
    ["DB_PORT", "0", "must be an integer between 1 and 65535"],
    ["DB_PORT", "-1", "must be an integer between 1 and 65535"],
    ["SHUTDOWN_TIMEOUT_MS", "20s", "must be an integer between 1 and 600000"],
    ["READINESS_TIMEOUT_MS", "0", "must be an integer between 1 and 60000"],
    ["DB_POOL_MAX", "many", "must be an integer between 1 and 1000"],
    ["LOG_LEVEL", "verbose", "must be one of fatal, error, warn, info, debug, trace, silent"],
    ["DB_SSL", "prefer", "must be one of disable, require, verify-full"],
    ["AWS_REGION", "Ireland", "must be an AWS region such as eu-west-1"],
    [
      "TABLE_ITEMS_NAME",
      "items table",
      "must be a DynamoDB table name (3-255 of A-Z a-z 0-9 _ . -)",
    ],
    [
      "TOPIC_EVENTS_ARN",
      "arn:aws:sqs:eu-west-1:123456789012:events",
      "must be an SNS topic ARN (arn:aws:sns:<region>:<12-digit account>:<name>)",
    ],
    [
      "DB_CREDENTIALS_ARN",
      "my-db-secret",
      "must be a Secrets Manager secret ARN (arn:aws:secretsmanager:<region>:<12-digit account>:secret:<name>)",
    ],
    [
      "DB_CREDENTIALS_ARN",
      "arn:aws:secretsmanager:eu-west-1:1234:secret:db",
      "must be a Secrets Manager secret ARN (arn:aws:secretsmanager:<region>:<12-digit account>:secret:<name>)",
    ],
  ])("names %s when it is malformed (%s)", (name, value, message) => {
    const error = problemsFor({ ...VALID, [name]: value });
    expect(error.problems).toEqual([{ variable: name, message }]);
  });

  it("takes DB_CREDENTIALS_ARN, the secret DB_PASSWORD came from, and leaves it out when unset", () => {
    const arn = "arn:aws:secretsmanager:eu-west-1:123456789012:secret:rds!db-1a2b3c4d-AbCdEf";
    expect(loadConfig({ ...VALID, DB_CREDENTIALS_ARN: arn }, "0").db.secretArn).toBe(arn);
    expect(loadConfig(VALID, "0").db).not.toHaveProperty("secretArn");
  });

  it("reports every problem at once, not only the first", () => {
    const error = problemsFor({ DB_PORT: "x", LOG_LEVEL: "loud" });
    expect(error.problems.map((p) => p.variable).sort()).toEqual(
      [
        "DB_HOST",
        "DB_NAME",
        "DB_PASSWORD",
        "DB_PORT",
        "DB_USERNAME",
        "LOG_LEVEL",
        "PORT",
        "TABLE_ITEMS_NAME",
        "TOPIC_EVENTS_ARN",
        "AWS_REGION",
      ].sort(),
    );
  });

  it("never puts the password in the error, even when other variables are wrong", () => {
    const error = problemsFor({ ...VALID, PORT: "nope" });
    expect(JSON.stringify(error.problems) + error.message).not.toContain(VALID.DB_PASSWORD);
  });

  const dirs: string[] = [];
  const tempDir = () => {
    const dir = mkdtempSync(join(tmpdir(), "ca-"));
    dirs.push(dir);
    return dir;
  };
  afterEach(() => {
    for (const dir of dirs.splice(0)) rmSync(dir, { recursive: true, force: true });
  });

  it("reads the CA bundle named by DB_SSL_CA_FILE", () => {
    const dir = tempDir();
    const file = join(dir, "rds.pem");
    const pem = "-----BEGIN CERTIFICATE-----\nMIIB\n-----END CERTIFICATE-----\n";
    writeFileSync(file, pem);
    const config = loadConfig({ ...VALID, DB_SSL: "verify-full", DB_SSL_CA_FILE: file }, "0");
    expect(config.db.sslCa).toBe(pem);
  });

  it("names DB_SSL_CA_FILE when the file is missing or not PEM", () => {
    const missing = problemsFor({ ...VALID, DB_SSL_CA_FILE: "/nonexistent/ca.pem" });
    expect(missing.problems[0]).toMatchObject({ variable: "DB_SSL_CA_FILE" });
    expect(missing.message).toContain("ENOENT");

    const dir = tempDir();
    const file = join(dir, "not-a-cert.txt");
    writeFileSync(file, "hello");
    expect(problemsFor({ ...VALID, DB_SSL_CA_FILE: file }).problems[0]).toEqual({
      variable: "DB_SSL_CA_FILE",
      message: `is not a PEM certificate bundle: ${file}`,
    });
  });
});

describe("loadWorkerConfig", () => {
  const WORKER = {
    AWS_REGION: "eu-west-1",
    QUEUE_EVENTS_URL: "https://sqs.eu-west-1.amazonaws.com/123456789012/platform-staging-events",
    TABLE_ITEMS_NAME: "platform-staging-items",
  };

  it("maps the worker's environment (no PORT, no database) with its defaults", () => {
    expect(loadWorkerConfig(WORKER, "2.0.0")).toEqual({
      serviceName: "items-worker",
      version: "2.0.0",
      logLevel: "info",
      shutdownTimeoutMs: 20_000,
      aws: {
        region: "eu-west-1",
        eventsQueueUrl: WORKER.QUEUE_EVENTS_URL,
        itemsTable: "platform-staging-items",
      },
    });
    expect(
      loadWorkerConfig({ ...WORKER, SERVICE_NAME: "worker", SHUTDOWN_TIMEOUT_MS: "25000" }, "0"),
    ).toMatchObject({ serviceName: "worker", shutdownTimeoutMs: 25_000 });
  });

  it("names every missing or malformed variable", () => {
    let error: unknown;
    try {
      loadWorkerConfig({ QUEUE_EVENTS_URL: "events", SHUTDOWN_TIMEOUT_MS: "soon" }, "0");
    } catch (caught) {
      error = caught;
    }
    expect(error).toBeInstanceOf(ConfigError);
    expect((error as ConfigError).problems.map((p) => p.variable).sort()).toEqual([
      "AWS_REGION",
      "QUEUE_EVENTS_URL",
      "SHUTDOWN_TIMEOUT_MS",
      "TABLE_ITEMS_NAME",
    ]);
  });
});
