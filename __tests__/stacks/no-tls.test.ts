import { describe, expect, it } from "vitest";
import { existsSync } from "node:fs";
import { ruleContexts } from "../../src/rules";
import { runRules } from "../../src/rules/pack";
import { configWith, environmentJson, resourcesOf } from "../helpers";

/**
 * docs/request-path.md: a non-production environment without `loadBalancer.tls` serves plain HTTP
 * on port 80, with a warning. It synthesizes, and the traffic matrix knows 80 serves and 443 is
 * closed (issue 15, item 7).
 */
describe("a non-production environment without TLS", () => {
  const patch = { loadBalancer: { tls: undefined } };
  const json = environmentJson("staging", patch);
  const config = configWith("staging", patch);
  const report = runRules({ staging: json as never }, ruleContexts(config));

  it("passes every guardrail", () => {
    expect(report.errors).toEqual([]);
  });

  it("the traffic matrix allows the internet to the load balancer on 80 and denies 443", () => {
    const matrix = report.outcomes.find((o) => o.rule.id === "PLAT-2")!.report;
    expect(matrix.find((l) => /internet\s+-> ALB\s+80\s+allowed\s+ok/.test(l))).toBeDefined();
    expect(matrix.find((l) => /internet\s+-> ALB\s+443\s+denied\s+ok/.test(l))).toBeDefined();
  });

  it("serves the services on an HTTP listener (no redirect, no certificate)", () => {
    const listeners = Object.values(resourcesOf(json, "aws_lb_listener"));
    expect(listeners.map((l) => [l.port, l.protocol])).toEqual([[80, "HTTP"]]);
    expect(resourcesOf(json, "aws_acm_certificate")).toEqual({});
  });

  it("warns at synth, citing a page that exists", () => {
    expect(config.warnings).toEqual([
      expect.stringMatching(
        /^staging\.loadBalancer\.tls is not set: staging serves plain HTTP on port 80\. .*docs\/request-path\.md/,
      ),
    ]);
    expect(existsSync("docs/request-path.md")).toBe(true);
  });
});
