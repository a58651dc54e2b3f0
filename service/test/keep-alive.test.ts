import { describe, expect, it } from "vitest";
import { buildApp } from "../src/app.js";
import { ConfigError, loadConfig } from "../src/config.js";
import type { Pool } from "../src/db.js";
import { createItemStore } from "../src/item-store.js";
import { captureLogger, memoryActivity } from "./support/app.js";

const VALID = {
  PORT: "0",
  DB_HOST: "db.internal",
  DB_PORT: "5432",
  DB_NAME: "items",
  DB_USERNAME: "app",
  DB_PASSWORD: "s3cret-from-secrets-manager",
  AWS_REGION: "eu-west-1",
  TABLE_ITEMS_NAME: "platform-staging-items",
  TOPIC_EVENTS_ARN: "arn:aws:sns:eu-west-1:123456789012:platform-staging-events",
};

describe("KEEP_ALIVE_TIMEOUT_MS (the platform derives it from the ALB's idle timeout)", () => {
  it("is read into the configuration", () => {
    expect(
      loadConfig({ ...VALID, KEEP_ALIVE_TIMEOUT_MS: "125000" }, "0.0.0").keepAliveTimeoutMs,
    ).toBe(125_000);
  });

  it("is refused, by name, when it is not a whole number of milliseconds in range", () => {
    for (const value of ["65s", "999", "5000000"]) {
      try {
        loadConfig({ ...VALID, KEEP_ALIVE_TIMEOUT_MS: value }, "0.0.0");
        expect.unreachable(`${value} was accepted`);
      } catch (error) {
        expect(error).toBeInstanceOf(ConfigError);
        expect((error as ConfigError).problems).toEqual([
          {
            variable: "KEEP_ALIVE_TIMEOUT_MS",
            message: "must be an integer between 1000 and 4100000",
          },
        ]);
      }
    }
  });

  it("becomes the HTTP server's keep-alive timeout", async () => {
    const { logger } = captureLogger();
    const app = buildApp({
      logger,
      version: "v1",
      items: createItemStore(null as unknown as Pool),
      activity: memoryActivity(),
      checkDatabase: async () => {},
      isDraining: () => false,
      keepAliveTimeoutMs: 125_000,
    });
    await app.listen({ port: 0, host: "127.0.0.1" });
    try {
      expect(app.server.keepAliveTimeout).toBe(125_000);
    } finally {
      await app.close();
    }
  });
});
