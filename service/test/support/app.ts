import type { FastifyInstance } from "fastify";
import { buildApp } from "../../src/app.js";
import type { DbConfig } from "../../src/config.js";
import { createPool, migrate, pingDatabase, type Pool } from "../../src/db.js";
import type { Activity, ItemActivity } from "../../src/item-activity.js";
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

/**
 * An in-memory stand-in for the items table and the topic, for the tests that are not about
 * them (those run against moto: events.test.ts). `calls` lists what was called, in order.
 */
export function memoryActivity(): ItemActivity & { calls: string[]; published: unknown[] } {
  const created = new Map<string, string>();
  const views = new Map<string, number>();
  const calls: string[] = [];
  const published: unknown[] = [];
  return {
    calls,
    published,
    async recordCreated(event) {
      calls.push("recordCreated");
      created.set(event.itemId, event.id);
    },
    async publish(event) {
      calls.push("publish");
      published.push(event);
      return `memory-message-${published.length}`;
    },
    async createdEventId(itemId) {
      calls.push("createdEventId");
      return created.get(itemId) ?? null;
    },
    async viewed(itemId): Promise<Activity> {
      calls.push("viewed");
      views.set(itemId, (views.get(itemId) ?? 0) + 1);
      return { processed: false, processedAt: null, views: views.get(itemId) ?? 0, events: [] };
    },
    async forget(itemId) {
      calls.push("forget");
      created.delete(itemId);
      views.delete(itemId);
    },
  };
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
  options: {
    db?: Partial<DbConfig>;
    readinessTimeoutMs?: number;
    version?: string;
    activity?: ItemActivity;
  } = {},
): Promise<TestApp> {
  const { logger, lines, raw } = captureLogger();
  const pool = createPool(dbConfig(options.db), logger);
  await migrate(pool);
  const drain = { draining: false };
  const app = buildApp({
    logger,
    version: options.version ?? "v-test",
    items: createItemStore(pool),
    activity: options.activity ?? memoryActivity(),
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
