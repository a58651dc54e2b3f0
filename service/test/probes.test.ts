import { afterAll, afterEach, beforeAll, describe, expect, it } from "vitest";
import { buildApp } from "../src/app.js";
import type { Pool } from "../src/db.js";
import { createItemStore } from "../src/item-store.js";
import { captureLogger, createTestApp, memoryActivity, type TestApp } from "./support/app.js";
import { dbConfig } from "./support/database.js";
import { TcpProxy } from "./support/tcp-proxy.js";

describe("GET /health", () => {
  it("answers the liveness document without touching the database", async () => {
    let databaseCalls = 0;
    const { logger } = captureLogger();
    const app = buildApp({
      logger,
      version: "v2.0",
      // A pool that would throw on any use: liveness must not need it.
      items: createItemStore(null as unknown as Pool),
      activity: memoryActivity(),
      checkDatabase: async () => {
        databaseCalls += 1;
        throw new Error("database is down");
      },
      isDraining: () => false,
    });

    const response = await app.inject({ method: "GET", url: "/health" });

    expect(response.statusCode).toBe(200);
    const body = response.json();
    expect(body).toEqual({
      status: "healthy",
      timestamp: expect.stringMatching(/^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\dZ$/),
      version: "v2.0",
      checks: expect.any(Object),
    });
    expect(Math.abs(Date.parse(body.timestamp) - Date.now())).toBeLessThan(5_000);
    expect(databaseCalls).toBe(0);
    await app.close();
  });
});

describe("GET /ready", () => {
  let proxy: TcpProxy;
  let t: TestApp;

  beforeAll(async () => {
    const direct = dbConfig();
    proxy = new TcpProxy({ host: direct.host, port: direct.port });
    await proxy.start();
    // The app reaches the database only through the proxy, so the test can take it away.
    t = await createTestApp({
      db: { host: "127.0.0.1", port: proxy.port },
      readinessTimeoutMs: 500,
    });
  });

  afterEach(async () => {
    if (!proxy.listening) await proxy.start();
    proxy.release();
    t.drain.draining = false;
  });

  afterAll(async () => {
    await t.close();
    await proxy.stop();
  });

  it("answers 200 when the database answers SELECT 1", async () => {
    const response = await t.app.inject({ method: "GET", url: "/ready" });
    expect(response.statusCode).toBe(200);
    expect(response.json()).toMatchObject({
      status: "ready",
      checks: { database: { status: "pass" } },
    });
  });

  it("answers 503 with the reason while the database is stopped, and 200 again once it is back", async () => {
    await proxy.stop();
    // The first probe may find a pooled connection cut under it; the next must open a new one.
    await t.app.inject({ method: "GET", url: "/ready" });
    const down = await t.app.inject({ method: "GET", url: "/ready" });
    expect(down.statusCode).toBe(503);
    expect(down.json()).toMatchObject({
      status: "not_ready",
      reason: "database unavailable (ECONNREFUSED)",
      checks: { database: { status: "fail" } },
    });

    await proxy.start();
    const up = await t.app.inject({ method: "GET", url: "/ready" });
    expect(up.statusCode).toBe(200);
  });

  it("answers 503 within the readiness timeout when the database stalls", async () => {
    proxy.hold();
    const started = performance.now();
    const response = await t.app.inject({ method: "GET", url: "/ready" });
    const elapsed = performance.now() - started;

    expect(response.statusCode).toBe(503);
    expect(response.json().reason).toBe(
      "database unavailable (database did not answer within 500 ms)",
    );
    expect(elapsed).toBeGreaterThanOrEqual(450);
    expect(elapsed).toBeLessThan(2_000);
  });

  it("answers 503 from the moment shutdown begins, even though the database is fine", async () => {
    t.drain.draining = true;
    const response = await t.app.inject({ method: "GET", url: "/ready" });
    expect(response.statusCode).toBe(503);
    expect(response.json()).toMatchObject({ status: "not_ready", reason: "shutting down" });
    expect(response.headers.connection).toBe("close");
  });
});
