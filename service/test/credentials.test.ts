import { randomBytes } from "node:crypto";
import { afterEach, beforeEach, describe, expect, inject, it } from "vitest";
import {
  isAuthFailure,
  parseSecret,
  regionFromSecretArn,
  RotatingPassword,
  type DbCredentials,
} from "../src/credentials.js";
import { createPool, type Pool } from "../src/db.js";
import type { PoolClient } from "pg";
import { captureLogger } from "./support/app.js";
import { dbConfig } from "./support/database.js";
import { PasswordGate } from "./support/password-gate.js";

const OLD = "injected-password-A-never-logged";
const NEW = "rotated-password-B-never-logged";
const REJECTED = Object.assign(new Error("password authentication failed"), { code: "28P01" });

/** A stand-in for GetSecretValue: counts calls; each resolves when the test says so, or at once. */
function fakeSecret(initial: DbCredentials = { username: "app", password: NEW }) {
  const state = {
    secret: initial,
    calls: 0,
    manual: false,
    pending: [] as Array<() => void>,
    failWith: undefined as Error | undefined,
  };
  const fetchSecret = async (): Promise<DbCredentials> => {
    state.calls += 1;
    if (state.manual) await new Promise<void>((resolve) => state.pending.push(resolve));
    if (state.failWith) throw state.failWith;
    return { ...state.secret };
  };
  const resolveAll = () => state.pending.splice(0).forEach((resolve) => resolve());
  return { state, fetchSecret, resolveAll };
}

function rotating(options: { now?: () => number; secret?: ReturnType<typeof fakeSecret> } = {}) {
  const secret = options.secret ?? fakeSecret();
  const log = captureLogger();
  const credentials = new RotatingPassword({
    username: "app",
    initialPassword: OLD,
    fetchSecret: secret.fetchSecret,
    logger: log.logger,
    minRefreshIntervalMs: 10_000,
    secretArn: "arn:aws:secretsmanager:eu-west-1:123456789012:secret:rds!db-abc-123456",
    ...(options.now ? { now: options.now } : {}),
  });
  return { credentials, secret, log };
}

describe("RotatingPassword", () => {
  it("serves the password ECS injected, without calling Secrets Manager, while the database accepts it", async () => {
    const { credentials, secret } = rotating();
    for (let i = 0; i < 5; i++) expect(await credentials.password()).toBe(OLD);
    expect(secret.state.calls).toBe(0);
  });

  it("fetches the secret once after a 28P01, and concurrent connections share that one fetch", async () => {
    const secret = fakeSecret();
    secret.state.manual = true;
    const { credentials } = rotating({ secret });

    // Several connections made with the old password are refused at about the same time.
    expect(credentials.rejected(OLD, REJECTED)).toBe(true);
    expect(credentials.rejected(OLD, REJECTED)).toBe(true);
    const waiting = [credentials.password(), credentials.password(), credentials.password()];
    expect(credentials.rejected(OLD, REJECTED)).toBe(true); // a fetch is under way
    waiting.push(credentials.password());
    secret.resolveAll();

    expect(await Promise.all(waiting)).toEqual([NEW, NEW, NEW, NEW]);
    expect(secret.state.calls).toBe(1);
    expect(await credentials.password()).toBe(NEW);
    expect(secret.state.calls).toBe(1);
  });

  it("does not fetch again within the minimum interval when the fetched password is refused too, and fetches once it has passed", async () => {
    let now = 1_000_000;
    const secret = fakeSecret({ username: "app", password: "still-wrong-password" });
    const { credentials } = rotating({ now: () => now, secret });

    credentials.rejected(OLD, REJECTED);
    expect(await credentials.password()).toBe("still-wrong-password");
    expect(secret.state.calls).toBe(1);

    // The database refuses that one as well: a genuinely wrong password, or the moment during a
    // rotation when AWSCURRENT still holds the old value. No retry is worth it yet.
    now += 9_999;
    for (let i = 0; i < 20; i++) {
      expect(credentials.rejected("still-wrong-password", REJECTED)).toBe(false);
      expect(await credentials.password()).toBe("still-wrong-password");
    }
    expect(secret.state.calls).toBe(1);

    now += 1;
    secret.state.secret = { username: "app", password: NEW };
    expect(credentials.rejected("still-wrong-password", REJECTED)).toBe(true);
    expect(await credentials.password()).toBe(NEW);
    expect(secret.state.calls).toBe(2);
  });

  it("ignores a refusal of a password that was already replaced, so a late failure does not cause a second fetch", async () => {
    const { credentials, secret } = rotating();
    credentials.rejected(OLD, REJECTED);
    expect(await credentials.password()).toBe(NEW);
    // A connection that started with the old password before the refresh fails afterwards.
    expect(credentials.rejected(OLD, REJECTED)).toBe(true);
    expect(await credentials.password()).toBe(NEW);
    expect(secret.state.calls).toBe(1);
  });

  it("keeps the current password and logs an error when Secrets Manager cannot be reached", async () => {
    const secret = fakeSecret();
    secret.state.failWith = new Error("connect ETIMEDOUT secretsmanager.eu-west-1.amazonaws.com");
    const { credentials, log } = rotating({ secret });
    credentials.rejected(OLD, REJECTED);
    expect(await credentials.password()).toBe(OLD);
    const line = log.lines.find((l) => l.level === "ERROR");
    expect(line?.message).toMatch(/could not fetch database credentials/);
  });

  it("logs the refresh at WARN and never logs the old or the new password", async () => {
    const secret = fakeSecret({ username: "someone-else", password: NEW });
    const { credentials, log } = rotating({ secret });
    credentials.rejected(OLD, REJECTED);
    await credentials.password();

    expect(log.lines).toContainEqual(
      expect.objectContaining({
        level: "WARN",
        message: "database credentials refreshed from Secrets Manager",
        password_changed: true,
        secret_arn: "arn:aws:secretsmanager:eu-west-1:123456789012:secret:rds!db-abc-123456",
      }),
    );
    // The user is fixed when the pool is created: a different one in the secret is reported.
    expect(log.lines).toContainEqual(
      expect.objectContaining({ level: "ERROR", secret_username: "someone-else" }),
    );
    const output = log.raw.join("");
    expect(output).not.toContain(OLD);
    expect(output).not.toContain(NEW);
  });
});

describe("secret parsing", () => {
  it("reads username and password from an RDS secret's JSON", () => {
    expect(parseSecret('{"username":"postgres","password":"p@ss","engine":"postgres"}')).toEqual({
      username: "postgres",
      password: "p@ss",
    });
  });

  it("rejects a malformed secret without quoting any of it", () => {
    const secretText = "not-json-but-a-secret-value";
    for (const text of [secretText, `{"username":"app","pw":"${secretText}"}`, undefined]) {
      expect(() => parseSecret(text)).toThrow();
      try {
        parseSecret(text);
      } catch (error) {
        expect((error as Error).message).not.toContain(secretText);
      }
    }
  });

  it("takes the region from the secret's ARN", () => {
    expect(
      regionFromSecretArn("arn:aws:secretsmanager:eu-west-1:123456789012:secret:db-AbC123"),
    ).toBe("eu-west-1");
    expect(
      regionFromSecretArn("arn:aws-us-gov:secretsmanager:us-gov-west-1:123456789012:secret:x"),
    ).toBe("us-gov-west-1");
    expect(() => regionFromSecretArn("arn:aws:s3:::bucket")).toThrow();
  });

  it("treats 28P01 and 28000 as authentication failures, and nothing else", () => {
    expect(isAuthFailure({ code: "28P01" })).toBe(true);
    expect(isAuthFailure({ code: "28000" })).toBe(true);
    expect(isAuthFailure({ code: "57P01" })).toBe(false);
    expect(isAuthFailure(new Error("ECONNREFUSED"))).toBe(false);
    expect(isAuthFailure(undefined)).toBe(false);
  });
});

// The whole path through pg: a password-checking gate in front of PGlite (which checks none).
describe.skipIf(!inject("databaseIsPglite"))(
  "a pool with DB_CREDENTIALS_ARN behind a password check",
  () => {
    let gate: PasswordGate;
    let pool: Pool | undefined;

    beforeEach(async () => {
      const db = dbConfig();
      gate = new PasswordGate({ host: db.host, port: db.port }, OLD);
      await gate.start();
    });

    afterEach(async () => {
      await pool?.end();
      pool = undefined;
      await gate.stop();
    });

    function poolThroughGate(secret: ReturnType<typeof fakeSecret>, poolMax = 4) {
      const log = captureLogger();
      const credentials = new RotatingPassword({
        username: "postgres",
        initialPassword: OLD,
        fetchSecret: secret.fetchSecret,
        logger: log.logger,
        minRefreshIntervalMs: 10_000,
      });
      pool = createPool(
        dbConfig({
          host: "127.0.0.1",
          port: gate.port,
          sslMode: "disable",
          password: OLD,
          poolMax,
        }),
        log.logger,
        credentials,
      );
      return { pool, log, credentials };
    }

    it("connects with the injected password and never calls Secrets Manager while it works", async () => {
      const secret = fakeSecret();
      const { pool } = poolThroughGate(secret);
      await Promise.all(Array.from({ length: 6 }, () => pool.query("SELECT 1")));
      expect(secret.state.calls).toBe(0);
      expect(gate.attempts.every((p) => p === OLD)).toBe(true);
    });

    it("after a rotation, concurrent queries needing new connections share one fetch and all succeed", async () => {
      const secret = fakeSecret({ username: "postgres", password: NEW });
      const { pool, log } = poolThroughGate(secret, 4);
      const held = await pool.connect(); // a connection opened before the rotation

      gate.password = NEW; // RDS rotates the master password

      try {
        const results = await Promise.all(
          Array.from({ length: 3 }, () => pool.query<{ ok: number }>("SELECT 1 AS ok")),
        );
        expect(results.map((r) => r.rows[0]?.ok)).toEqual([1, 1, 1]);
        expect(secret.state.calls).toBe(1);
        expect(gate.attempts.filter((p) => p === NEW).length).toBeGreaterThanOrEqual(3);
        // Connections opened before the rotation keep working, as they do on PostgreSQL.
        await expect(held.query("SELECT 1")).resolves.toBeDefined();
      } finally {
        held.release();
      }

      expect(log.lines.filter((l) => l.level === "WARN").map((l) => l.message)).toEqual([
        "database rejected the password; refreshing credentials from Secrets Manager",
        "database credentials refreshed from Secrets Manager",
      ]);
      const output = log.raw.join("");
      expect(output).not.toContain(OLD);
      expect(output).not.toContain(NEW);
    });

    it("with a wrong password in the secret too, queries fail with 28P01 and Secrets Manager is called once per minimum interval", async () => {
      const secret = fakeSecret({ username: "postgres", password: "also-wrong-password" });
      const { pool } = poolThroughGate(secret, 2);
      gate.password = NEW;

      for (let i = 0; i < 5; i++) {
        await expect(pool.query("SELECT 1")).rejects.toMatchObject({ code: "28P01" });
      }
      expect(secret.state.calls).toBe(1);
    });
  },
);

// A real server that checks passwords (CI's PostgreSQL): rotate a role's password with ALTER ROLE.
describe.skipIf(inject("databaseIsPglite"))("password rotation on a real PostgreSQL", () => {
  it("a pool keeps connecting after ALTER ROLE changes its password, with one fetch of the new one", async ({
    skip,
  }) => {
    const admin = createPool(dbConfig({ poolMax: 1 }), captureLogger().logger);
    const role = `rotation_${randomBytes(4).toString("hex")}`;
    const passwordA = `a-${randomBytes(12).toString("hex")}`;
    const passwordB = `b-${randomBytes(12).toString("hex")}`;
    let pool: Pool | undefined;
    let held: PoolClient | undefined;
    try {
      const { rows } = await admin.query<{ can: boolean }>(
        "SELECT rolcreaterole OR rolsuper AS can FROM pg_roles WHERE rolname = current_user",
      );
      if (!rows[0]?.can) skip("the test database user cannot create roles");

      await admin.query(`CREATE ROLE ${role} LOGIN PASSWORD '${passwordA}'`);
      const secret = fakeSecret({ username: role, password: passwordB });
      const log = captureLogger();
      const credentials = new RotatingPassword({
        username: role,
        initialPassword: passwordA,
        fetchSecret: secret.fetchSecret,
        logger: log.logger,
      });
      pool = createPool(
        dbConfig({ user: role, password: passwordA, poolMax: 3 }),
        log.logger,
        credentials,
      );
      held = await pool.connect();
      expect((await held.query("SELECT current_user AS u")).rows[0]).toEqual({ u: role });
      expect(secret.state.calls).toBe(0);

      await admin.query(`ALTER ROLE ${role} PASSWORD '${passwordB}'`);

      // Proves the server checks passwords: the injected one is now refused.
      const stale = createPool(dbConfig({ user: role, password: passwordA }), log.logger);
      await expect(stale.query("SELECT 1")).rejects.toMatchObject({ code: "28P01" });
      await stale.end();

      const results = await Promise.all([pool.query("SELECT 1"), pool.query("SELECT 1")]);
      expect(results).toHaveLength(2);
      expect(secret.state.calls).toBe(1);
      await expect(held.query("SELECT 1")).resolves.toBeDefined();
      const output = log.raw.join("");
      expect(output).not.toContain(passwordA);
      expect(output).not.toContain(passwordB);
    } finally {
      held?.release();
      await pool?.end();
      await admin.query(`DROP ROLE IF EXISTS ${role}`).catch(() => undefined);
      await admin.end();
    }
  });
});
