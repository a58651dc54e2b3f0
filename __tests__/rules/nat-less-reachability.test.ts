import { describe, expect, it } from "vitest";
import { natLessReachability } from "../../src/rules/nat-less-reachability";
import { context, model, servicePath } from "./fixtures";

describe("PLAT-4 NAT-less reachability", () => {
  it("does not apply when the private subnets route through a NAT gateway", () => {
    expect(natLessReachability.check(model(servicePath({ nat: true })), context).verdict).toBe(
      "not-applicable",
    );
  });

  it("catches private subnets without NAT and without endpoints, naming each missing endpoint", () => {
    const result = natLessReachability.check(
      model(servicePath({ nat: false, secrets: true })),
      context,
    );
    expect(result.verdict).toBe("non-compliant");
    expect(result.findings.map((f) => /no (\S+) VPC endpoint/.exec(f.message)?.[1])).toEqual([
      "ecr.api",
      "ecr.dkr",
      "s3",
      "logs",
      "secretsmanager",
    ]);
    expect(result.findings[0]!.message).toMatch(
      /^aws_ecs_service\.service runs in subnets with no NAT route/,
    );
  });

  it("passes without NAT when every implied endpoint exists", () => {
    const json = servicePath({
      nat: false,
      secrets: true,
      endpoints: ["ecr.api", "ecr.dkr", "s3", "logs", "secretsmanager"],
    });
    expect(natLessReachability.check(model(json), context).verdict).toBe("compliant");
  });
});
