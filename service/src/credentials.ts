/**
 * Database password that follows Secrets Manager rotation.
 *
 * ECS injects DB_PASSWORD from the RDS-managed master secret once, when the task starts; RDS
 * rotates that secret (every 7 days by default). Without this, a running task would keep the old
 * password and every new connection would fail with 28P01 until the task is replaced. With
 * DB_CREDENTIALS_ARN set, the pool asks RotatingPassword for the password of each new connection:
 * the injected value until PostgreSQL rejects it, then the secret's current value, fetched once
 * (concurrent connections share the fetch) and at most once per minimum interval.
 */
import { GetSecretValueCommand, SecretsManagerClient } from "@aws-sdk/client-secrets-manager";
import { SECRET_ARN_PATTERN } from "./config.js";
import type { Logger } from "./logger.js";

export interface DbCredentials {
  username: string;
  password: string;
}

export type FetchSecret = () => Promise<DbCredentials>;

/** SQLSTATEs with which PostgreSQL rejects a login: invalid_password, invalid_authorization_specification. */
const AUTH_FAILURE_CODES = new Set(["28P01", "28000"]);

export function isAuthFailure(error: unknown): boolean {
  const code = (error as { code?: unknown } | null)?.code;
  return typeof code === "string" && AUTH_FAILURE_CODES.has(code);
}

/** The region of a Secrets Manager secret ARN (arn:aws:secretsmanager:<region>:<account>:secret:<name>). */
export function regionFromSecretArn(arn: string): string {
  const region = SECRET_ARN_PATTERN.exec(arn)?.[1];
  if (region === undefined) throw new Error("not a Secrets Manager secret ARN");
  return region;
}

/**
 * The `username` and `password` of an RDS secret's JSON. Errors never quote the secret: a JSON
 * SyntaxError from V8 would include part of it.
 */
export function parseSecret(secretString: string | undefined): DbCredentials {
  if (secretString === undefined) throw new Error("the secret has no SecretString");
  let value: unknown;
  try {
    value = JSON.parse(secretString);
  } catch {
    throw new Error("the secret's SecretString is not JSON");
  }
  const { username, password } = (value ?? {}) as Record<string, unknown>;
  if (typeof username !== "string" || username === "") {
    throw new Error('the secret has no string "username"');
  }
  if (typeof password !== "string" || password === "") {
    throw new Error('the secret has no string "password"');
  }
  return { username, password };
}

/** Reads the secret with GetSecretValue (AWSCURRENT), in the secret's own region. */
export function secretsManagerFetcher(secretArn: string): FetchSecret {
  const region = regionFromSecretArn(secretArn);
  // Created on the first fetch: a task whose password never rotates never builds an SDK client.
  let client: SecretsManagerClient | undefined;
  return async () => {
    client ??= new SecretsManagerClient({
      region,
      maxAttempts: 2,
      // Within the pool's 5 s connection timeout, so a stuck call cannot outlive the connect waiting on it.
      requestHandler: { connectionTimeout: 1_500, requestTimeout: 3_000 },
    });
    const result = await client.send(new GetSecretValueCommand({ SecretId: secretArn }));
    return parseSecret(result.SecretString);
  };
}

export interface RotatingPasswordOptions {
  /** DB_USERNAME: the pool's user, fixed when the pool is created. */
  username: string;
  /** DB_PASSWORD as ECS injected it: used until the database rejects it, so start-up needs no AWS call. */
  initialPassword: string;
  fetchSecret: FetchSecret;
  logger: Logger;
  /** Shortest time between two fetches, so a genuinely wrong password cannot hammer Secrets Manager. */
  minRefreshIntervalMs?: number;
  /** For log lines; never the secret's contents. */
  secretArn?: string;
  now?: () => number;
}

export const DEFAULT_MIN_REFRESH_INTERVAL_MS = 10_000;

export class RotatingPassword {
  readonly #username: string;
  readonly #fetchSecret: FetchSecret;
  readonly #logger: Logger;
  readonly #minIntervalMs: number;
  readonly #secretArn: string | undefined;
  readonly #now: () => number;
  #password: string;
  #stale = false;
  #inFlight: Promise<string> | undefined;
  #lastFetchAt = Number.NEGATIVE_INFINITY;
  #fetches = 0;

  constructor(options: RotatingPasswordOptions) {
    this.#username = options.username;
    this.#password = options.initialPassword;
    this.#fetchSecret = options.fetchSecret;
    this.#logger = options.logger;
    this.#minIntervalMs = options.minRefreshIntervalMs ?? DEFAULT_MIN_REFRESH_INTERVAL_MS;
    this.#secretArn = options.secretArn;
    this.#now = options.now ?? Date.now;
  }

  /** How many times the secret has been fetched (for tests and diagnostics). */
  get fetches(): number {
    return this.#fetches;
  }

  /**
   * The password for a new connection: the cached one, or, once the database has rejected it,
   * the secret's current value. Never rejects; if the fetch fails, the cached value is returned.
   */
  password(): string | Promise<string> {
    if (!this.#stale) return this.#password;
    if (this.#inFlight) return this.#inFlight;
    // Rejected again within the minimum interval: keep failing fast with what we have rather than
    // call Secrets Manager in a loop; the first connection attempt after the interval fetches.
    if (this.#now() - this.#lastFetchAt < this.#minIntervalMs) return this.#password;
    this.#inFlight = this.#refresh().finally(() => {
      this.#inFlight = undefined;
    });
    return this.#inFlight;
  }

  /**
   * A connection attempt made with `usedPassword` was rejected (28P01 or 28000): invalidates the
   * cache, unless the password was replaced since that attempt began. Returns whether another
   * attempt can get a different password now (a fetch is due or under way, or already done).
   */
  rejected(usedPassword: string, error: unknown): boolean {
    if (usedPassword !== this.#password) return true;
    if (!this.#stale) {
      this.#stale = true;
      this.#logger.warn(
        { sqlstate: (error as { code?: unknown } | null)?.code, secret_arn: this.#secretArn },
        "database rejected the password; refreshing credentials from Secrets Manager",
      );
    }
    return this.#inFlight !== undefined || this.#now() - this.#lastFetchAt >= this.#minIntervalMs;
  }

  async #refresh(): Promise<string> {
    this.#lastFetchAt = this.#now();
    this.#fetches += 1;
    try {
      const secret = await this.#fetchSecret();
      const changed = secret.password !== this.#password;
      this.#password = secret.password;
      this.#stale = false;
      if (secret.username !== this.#username) {
        this.#logger.error(
          {
            secret_arn: this.#secretArn,
            secret_username: secret.username,
            db_user: this.#username,
          },
          "the secret's username differs from DB_USERNAME; the pool keeps DB_USERNAME (restart the tasks to change it)",
        );
      }
      this.#logger.warn(
        { secret_arn: this.#secretArn, password_changed: changed },
        "database credentials refreshed from Secrets Manager",
      );
    } catch (error) {
      // Stays stale: the next connection attempt after the minimum interval tries again.
      this.#logger.error(
        { error, secret_arn: this.#secretArn },
        "could not fetch database credentials from Secrets Manager; keeping the current ones",
      );
    }
    return this.#password;
  }
}
