import type { FastifyInstance } from "fastify";
import { buildApp } from "../../src/app.js";
import type { DbConfig } from "../../src/config.js";
import { createPool, migrate, pingDatabase, type Pool } from "../../src/db.js";
import { createItemStore } from "../../src/item-store.js";
import { createLogger } from "../../src/logger.js";
import { dbConfig } from "./database.js";

export type LogLine = Record<string, unknown>;

/** A logger whose JSON lines land in an array, exactly as they would be written to stdout. */
export function captureLogger() {
  const lines: LogLine[] = [];
  const raw: string[] = [];
  const logger = createLogger(
    { service: "items-service", level: "debug" },
    {
      write(line: string) {
        raw.push(line);
        lines.push(JSON.parse(line) as LogLine);
      },
    },
  );
  return { logger, lines, raw };
}

export interface TestApp {
  app: FastifyInstance;
  pool: Pool;
  lines: LogLine[];
  raw: string[];
  drain: { draining: boolean };
  close(): Promise<void>;
}

/** The real app on a real pool, migrated, as server.ts wires it; the caller decides whether to listen. */
export async function createTestApp(
  options: { db?: Partial<DbConfig>; readinessTimeoutMs?: number; version?: string } = {},
): Promise<TestApp> {
  const { logger, lines, raw } = captureLogger();
  const pool = createPool(dbConfig(options.db), logger);
  await migrate(pool);
  const drain = { draining: false };
  const app = buildApp({
    logger,
    version: options.version ?? "v-test",
    items: createItemStore(pool),
    checkDatabase: () => pingDatabase(pool, options.readinessTimeoutMs ?? 1_000),
    isDraining: () => drain.draining,
  });
  let closed = false;
  return {
    app,
    pool,
    lines,
    raw,
    drain,
    async close() {
      if (closed) return;
      closed = true;
      await app.close();
      await pool.end();
    },
  };
}
