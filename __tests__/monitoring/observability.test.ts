import { readFileSync } from "node:fs";
import { describe, expect, it } from "vitest";
import { LOG_QUERIES } from "../../src/monitoring/monitoring";
import { environmentJson, resourcesOf } from "../helpers";

/**
 * What operators read must not mislead (issue 15, item 10): the saved queries filter only on
 * fields the services log, with no sample value that could match, and an alarm fires on a
 * condition, not on a gap in its metric.
 */
describe("observability that does not mislead", () => {
  /** The fields the services write (service/src/logger.ts and access-log.ts), and Logs' own. */
  const logged = new Set([
    "level",
    "message",
    "service",
    "correlation_id",
    "http_method",
    "http_path",
    "http_status",
    "latency_ms",
    "@timestamp",
  ]);
  const sources = ["service/src/logger.ts", "service/src/access-log.ts"]
    .map((f) => readFileSync(f, "utf8"))
    .join("\n");

  it("every saved query reads only fields the services log", () => {
    for (const [name, query] of Object.entries(LOG_QUERIES)) {
      const fields = [...query.matchAll(/(@?[a-z_]+)\s*(?:=|,|\)|$|\n| desc| asc)/g)]
        .map((m) => m[1]!)
        .filter((f) => f.includes("_") || f.startsWith("@") || ["level", "message"].includes(f));
      for (const field of fields) expect(logged.has(field), `${name}: ${field}`).toBe(true);
    }
    for (const field of logged) if (!field.startsWith("@")) expect(sources, field).toContain(field);
  });

  it("a value the operator supplies is a placeholder, never a sample that could match", () => {
    for (const [name, query] of Object.entries(LOG_QUERIES)) {
      for (const [, literal] of query.matchAll(/= "([^"]+)"/g))
        expect(["ERROR", "PASTE-A-CORRELATION-ID"], name).toContain(literal);
    }
  });

  it("no alarm treats missing data as breaching: a gap keeps its state or is no outage", () => {
    for (const name of ["staging", "prod"]) {
      const alarms = Object.entries(
        resourcesOf(environmentJson(name), "aws_cloudwatch_metric_alarm"),
      );
      expect(alarms.length).toBeGreaterThan(10);
      const breaching = alarms
        .filter(([, a]) => a.treat_missing_data === "breaching")
        .map(([n]) => n);
      expect(breaching, name).toEqual([]);
    }
  });
});
