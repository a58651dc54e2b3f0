import { afterAll, afterEach, beforeAll, describe, expect, inject, it } from "vitest";
import { createPool } from "../src/db.js";
import { createItemStore } from "../src/item-store.js";
import { captureLogger } from "./support/app.js";
import { dbConfig, dbEnv } from "./support/database.js";
import { httpGet, httpPost, waitUntilRefused } from "./support/http.js";
import { spawnService, type ServiceProcess } from "./support/service-process.js";
import { createResources, CREDENTIALS, REGION } from "./support/moto.js";
import { TcpProxy } from "./support/tcp-proxy.js";

let running: ServiceProcess | undefined;

afterEach(() => {
  if (running && running.child.exitCode === null) running.child.kill("SIGKILL");
  running = undefined;
});

describe("the service process", () => {
  let proxy: TcpProxy;
  let awsEnv: Record<string, string>;

  beforeAll(async () => {
    const direct = dbConfig();
    proxy = new TcpProxy({ host: direct.host, port: direct.port });
    await proxy.start();
    // The emulator when there is one; else an endpoint that refuses at once (GET /items/:id
    // then answers without its activity, which these tests do not look at).
    const moto = inject("motoUrl");
    const resources = moto
      ? await createResources(moto, "process")
      : {
          table: "unused-items",
          topicArn: `arn:aws:sns:${REGION}:123456789012:unused`,
        };
    awsEnv = {
      AWS_ENDPOINT_URL: moto || "http://127.0.0.1:9",
      AWS_REGION: REGION,
      AWS_ACCESS_KEY_ID: CREDENTIALS.accessKeyId,
      AWS_SECRET_ACCESS_KEY: CREDENTIALS.secretAccessKey,
      TABLE_ITEMS_NAME: resources.table,
      TOPIC_EVENTS_ARN: resources.topicArn,
    };
  });

  afterAll(async () => {
    await proxy.stop();
  });

  async function start(extraEnv: Record<string, string> = {}) {
    running = spawnService({
      ...dbEnv(),
      DB_HOST: "127.0.0.1",
      DB_PORT: String(proxy.port),
      PORT: "0",
      HOST: "127.0.0.1",
      APP_VERSION: "v-process-test",
      SHUTDOWN_TIMEOUT_MS: "5000",
      ...awsEnv,
      ...extraEnv,
    });
    const started = await running.waitForLine((line) => line.message === "service started");
    return { service: running, port: Number(started.port) };
  }

  it("on SIGTERM, finishes the request in flight with 200, refuses new connections, and exits 0", async () => {
    const { service, port } = await start();
    const health = await httpGet(port, "/health");
    expect(JSON.parse(health.body)).toMatchObject({ status: "healthy", version: "v-process-test" });
    // Straight into the database: this test is about the drain, not about creating.
    const pool = createPool(dbConfig({ poolMax: 1 }), captureLogger().logger);
    const item = await createItemStore(pool)
      .create({ name: "read during a drain" })
      .finally(() => pool.end());

    // Make a request that stays in flight: its database answer is held back by the proxy.
    proxy.hold();
    const inFlight = httpGet(port, `/items/${item.id}`);
    await proxy.answerHeld();

    const signalledAt = performance.now();
    service.child.kill("SIGTERM");
    expect(await waitUntilRefused(port, 2_000)).toBe("ECONNREFUSED");
    expect(service.child.exitCode).toBeNull(); // still draining the request in flight

    proxy.release();
    const response = await inFlight;
    expect(response.status).toBe(200);
    expect(JSON.parse(response.body)).toMatchObject({ id: item.id, name: "read during a drain" });
    expect(response.headers.connection).toBe("close");

    const exit = await service.exited;
    expect(exit).toEqual({ code: 0, signal: null });
    expect(performance.now() - signalledAt).toBeLessThan(5_000);
    expect(service.lines().find((line) => line.message === "shutdown complete")).toMatchObject({
      outcome: "drained",
      service: "items-service",
      level: "INFO",
    });
  });

  it("on SIGINT, shuts down the same way and exits 0", async () => {
    const { service } = await start();
    service.child.kill("SIGINT");
    expect(await service.exited).toEqual({ code: 0, signal: null });
  });

  it("writes only JSON log lines, none of them carrying the database password", async () => {
    const password = dbEnv().DB_PASSWORD;
    expect(password?.length, "the test database needs a distinctive password").toBeGreaterThan(8);
    const { service, port } = await start();
    await httpGet(port, "/ready");
    await httpPost(port, "/items", { name: "x".repeat(500) }); // a 400, logged
    service.child.kill("SIGTERM");
    await service.exited;
    expect(service.output()).not.toContain(password);
    for (const line of service.output().trim().split("\n")) {
      expect(() => JSON.parse(line), line).not.toThrow();
    }
  });

  it("stops at once with exit 1, naming each missing or malformed variable", async () => {
    const service = spawnService({ PORT: "http", DB_HOST: "127.0.0.1", DB_PASSWORD: "pw-123" });
    running = service;
    expect(await service.exited).toEqual({ code: 1, signal: null });
    const fatal = service.lines().find((line) => line.level === "FATAL");
    expect(fatal?.message).toBe(
      "Invalid configuration: PORT must be an integer between 0 and 65535; DB_PORT is required; " +
        "DB_NAME is required; DB_USERNAME is required; AWS_REGION is required; " +
        "TABLE_ITEMS_NAME is required; TOPIC_EVENTS_ARN is required",
    );
    expect(service.output()).not.toContain("pw-123");
  });
});
