import { describe, expect, it } from "vitest";
import { trafficMatrix } from "../../src/rules/traffic-matrix";
import type { StackJson as ModelJson } from "../../src/rules/model";
import { environmentJson, resourcesOf, type StackJson } from "../helpers";
import { context, model } from "./fixtures";

type Resources = Record<string, Record<string, Record<string, unknown>>>;

const check = (json: StackJson) =>
  trafficMatrix.check(model(json as unknown as ModelJson, "prod"), context);

describe("PLAT-2 over the test listener of a canary deployment (prod)", () => {
  /** A copy of prod's stack, for the tests that change a rule of it. */
  const prod = () => structuredClone(environmentJson("prod"));

  it("says the test listener is denied from the internet and allowed from inside the VPC", () => {
    const result = check(prod());
    expect(result.verdict).toBe("compliant");
    expect(result.report).toContainEqual(
      expect.stringMatching(
        /internet\s+-> ALB test listener\s+9443\s+denied\s+ok: denied \(denied by security groups\)/,
      ),
    );
    expect(result.report).toContainEqual(
      expect.stringMatching(
        /inside the VPC\s+-> ALB test listener\s+9443\s+allowed\s+ok: allowed \(all layers allow\)/,
      ),
    );
  });

  it("fails when the test listener is opened to the internet", () => {
    const json = prod();
    const ingress = (json.resource as Resources).aws_vpc_security_group_ingress_rule!;
    const testRule = Object.values(ingress).find((r) => r.from_port === 9443)!;
    testRule.cidr_ipv4 = "0.0.0.0/0";
    const result = check(json);
    expect(result.verdict).toBe("non-compliant");
    expect(result.findings.map((f) => f.message)).toEqual([
      "internet -> ALB test listener on 9443 must be denied but is allowed (all layers allow)",
    ]);
  });

  it("fails when nothing inside the VPC can reach the test listener", () => {
    const json = prod();
    const ingress = (json.resource as Resources).aws_vpc_security_group_ingress_rule!;
    const testRule = Object.values(ingress).find((r) => r.from_port === 9443)!;
    testRule.cidr_ipv4 = "10.99.0.0/16";
    expect(check(json).findings.map((f) => f.message)).toEqual([
      "inside the VPC -> ALB test listener on 9443 must be allowed but is denied (denied by security groups)",
    ]);
  });

  it("has no test-listener rows for a rolling environment (staging)", () => {
    const staging = environmentJson("staging");
    expect(Object.values(resourcesOf(staging, "aws_lb_listener")).map((l) => l.port)).not.toContain(
      9443,
    );
    expect(check(staging).report).not.toContainEqual(expect.stringMatching(/test listener/));
  });
});
