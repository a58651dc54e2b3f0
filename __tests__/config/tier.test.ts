import { describe, expect, it } from "vitest";
import { EnvironmentSchema } from "../../src/config/schema";
import { tierProblems } from "../../src/config/tier";
import { minimalEnvironment } from "../helpers";

const tls = { domainName: "app.example.com", hostedZoneId: "Z0EXAMPLE" };

/** A production-tier environment that keeps every protection, with `patch` applied. */
const production = (patch: Record<string, unknown> = {}) =>
  EnvironmentSchema.parse({
    ...minimalEnvironment,
    tier: "production",
    network: { flowLogs: { retentionDays: 90 } },
    loadBalancer: { tls },
    services: {
      api: { public: {}, desiredCount: 2, autoscaling: { minCount: 2 }, logRetentionDays: 90 },
    },
    monitoring: { alarmEmails: ["ops@example.com"] },
    ...patch,
  });

describe("tierProblems", () => {
  it("GIVEN a production environment with every protection THEN nothing", () => {
    expect(tierProblems("live", production())).toEqual([]);
  });

  it("GIVEN the same settings at the non-production tier, even unprotected, THEN nothing", () => {
    const bare = EnvironmentSchema.parse(minimalEnvironment);
    expect(tierProblems("prod", bare)).toEqual([]);
  });

  it("GIVEN production without TLS THEN the field, named under the environment's name", () => {
    expect(tierProblems("live", production({ loadBalancer: {} }))).toEqual([
      expect.stringMatching(/^live\.loadBalancer\.tls: /),
    ]);
  });

  it("GIVEN production with one task THEN the minimum of two, for the service", () => {
    const problems = tierProblems(
      "live",
      production({ services: { api: { public: {}, logRetentionDays: 90 } } }),
    );
    expect(problems.map((p) => p.split(":")[0])).toEqual([
      "live.services.api.autoscaling.minCount",
    ]);
  });

  it("GIVEN production with a database that is neither Multi-AZ nor protected THEN both", () => {
    const problems = tierProblems(
      "live",
      production({ database: { multiAz: false, deletionProtection: false } }),
    );
    expect(problems.map((p) => p.split(":")[0])).toEqual([
      "live.database.deletionProtection",
      "live.database.multiAz",
    ]);
  });
});
