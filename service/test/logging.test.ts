import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { buildApp } from "../src/app.js";
import { requestIdFrom } from "../src/request-id.js";
import {
  captureLogger,
  memoryActivity,
  createTestApp,
  type LogLine,
  type TestApp,
} from "./support/app.js";
import { dbConfig } from "./support/database.js";

describe("requestIdFrom", () => {
  it.each(["req-abc123-xyz789", "Root=1-67891233-abcdef012345678912345678", "a", "x".repeat(128)])(
    "keeps a well-formed incoming id: %s",
    (id) => {
      expect(requestIdFrom(id)).toBe(id);
    },
  );

  it.each([
    ["too long", "x".repeat(129)],
    ["spaces", "abc def"],
    ["a newline that could forge a log line", 'abc\n{"level":"FATAL"}'],
    ["quotes", 'abc"def'],
    ["empty", ""],
  ])("replaces an id with %s by a fresh one", (_case, id) => {
    expect(requestIdFrom(id)).toMatch(/^req-[0-9a-f-]{36}$/);
  });

  it("generates a fresh id when there is none, or several", () => {
    expect(requestIdFrom(undefined)).toMatch(/^req-[0-9a-f-]{36}$/);
    expect(requestIdFrom(["a", "b"])).toMatch(/^req-[0-9a-f-]{36}$/);
    expect(requestIdFrom(undefined)).not.toBe(requestIdFrom(undefined));
  });
});

describe("request logging", () => {
  let t: TestApp;

  beforeAll(async () => {
    t = await createTestApp();
  });

  afterAll(async () => {
    await t.close();
  });

  const linesFor = (id: string) => t.lines.filter((line) => line.correlation_id === id);

  it("echoes the caller's x-request-id and puts it on every log line of the request", async () => {
    const response = await t.app.inject({
      method: "POST",
      url: "/items?source=test",
      headers: { "x-request-id": "req-abc123-xyz789" },
      payload: { name: "logged" },
    });

    expect(response.statusCode).toBe(201);
    expect(response.headers["x-request-id"]).toBe("req-abc123-xyz789");
    const lines = linesFor("req-abc123-xyz789");
    expect(lines.map((line) => line.message)).toEqual(["item created", "request completed"]);
    expect(lines.at(-1)).toEqual({
      timestamp: expect.stringMatching(/^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{3}Z$/),
      level: "INFO",
      service: "items-service",
      correlation_id: "req-abc123-xyz789",
      message: "request completed",
      http_method: "POST",
      http_path: "/items",
      http_status: 201,
      latency_ms: expect.any(Number),
    } satisfies LogLine);
  });

  it("generates an id when the header is malformed, and echoes that one", async () => {
    const response = await t.app.inject({
      method: "GET",
      url: "/health",
      headers: { "x-request-id": "bad id with spaces" },
    });
    const id = response.headers["x-request-id"];
    expect(id).toMatch(/^req-[0-9a-f-]{36}$/);
    expect(linesFor(String(id))).toHaveLength(1);
  });

  it("logs successful probes at DEBUG, so health checks do not flood the logs", async () => {
    const response = await t.app.inject({ method: "GET", url: "/health" });
    const [line] = linesFor(String(response.headers["x-request-id"]));
    expect(line).toMatchObject({ level: "DEBUG", http_path: "/health", http_status: 200 });
  });

  it("logs an unexpected failure at ERROR with the error, and answers 500 without details", async () => {
    const { logger, lines } = captureLogger();
    const app = buildApp({
      logger,
      version: "v-test",
      items: {
        create: () => Promise.reject(new Error('relation "items" does not exist')),
        get: () => Promise.reject(new Error("unreachable")),
        list: () => Promise.reject(new Error("unreachable")),
        delete: () => Promise.reject(new Error("unreachable")),
      },
      activity: memoryActivity(),
      checkDatabase: async () => {},
      isDraining: () => false,
    });

    const response = await app.inject({ method: "POST", url: "/items", payload: { name: "x" } });

    expect(response.statusCode).toBe(500);
    expect(response.json()).toEqual({
      error: "Internal Server Error",
      message: "Unexpected error",
    });
    expect(lines.map((line) => [line.level, line.message])).toEqual([
      ["ERROR", "request failed"],
      ["ERROR", "request completed"],
    ]);
    expect(lines[0]?.error).toMatchObject({ message: 'relation "items" does not exist' });
    await app.close();
  });

  it("never writes the database password, and masks one logged by mistake", async () => {
    const password = dbConfig().password;
    expect(password.length, "the test database needs a distinctive password").toBeGreaterThan(8);
    const all = t.raw.join("");
    expect(all.length).toBeGreaterThan(0);
    expect(all).not.toContain(password);

    // A config object logged by mistake still has its password masked.
    t.app.log.info({ config: { db: dbConfig({ password: "hunter2-secret" }) } }, "config");
    expect(t.raw.at(-1)).not.toContain("hunter2-secret");
    expect(t.raw.at(-1)).toContain("[REDACTED]");
  });
});
