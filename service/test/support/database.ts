import { readFileSync } from "node:fs";
import { inject } from "vitest";
import { dbEnvFromUrl } from "../../scripts/database-url.js";
import type { DbConfig, DbSslMode } from "../../src/config.js";

/** DB_* variables for the test database (see global-setup.ts). */
export function dbEnv(): Record<string, string> {
  return dbEnvFromUrl(inject("databaseUrl"));
}

/** The test database as the service's DbConfig, with a small pool unless overridden. */
export function dbConfig(overrides: Partial<DbConfig> = {}): DbConfig {
  const env = dbEnv();
  const ca = env.DB_SSL_CA_FILE;
  return {
    host: env.DB_HOST ?? "127.0.0.1",
    port: Number(env.DB_PORT),
    database: env.DB_NAME ?? "postgres",
    user: env.DB_USERNAME ?? "postgres",
    password: env.DB_PASSWORD ?? "",
    sslMode: (env.DB_SSL ?? "disable") as DbSslMode,
    ...(ca ? { sslCa: readFileSync(ca, "utf8") } : {}),
    poolMax: 4,
    ...overrides,
  };
}
