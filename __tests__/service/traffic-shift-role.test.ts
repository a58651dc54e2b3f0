import { describe, expect, it } from "vitest";
import { TrafficShiftRole } from "../../src/service/traffic-shift-role";
import { bareStack, grantedPolicies, onlyResource, synth } from "../helpers";

describe("TrafficShiftRole, built alone", () => {
  const stack = bareStack();
  new TrafficShiftRole(stack, "shift", {
    namePrefix: "orbit-test-api",
    targetGroupArns: ["arn:tg/blue", "arn:tg/green"],
    listenerRuleArns: ["arn:rule/production", "arn:rule/test"],
  });
  const json = synth(stack);

  it("GIVEN a service's target groups and rules THEN a role ECS assumes, named after the service", () => {
    const role = onlyResource(json, "aws_iam_role");
    expect(role.name).toBe("orbit-test-api-traffic-shift");
    expect(JSON.parse(role.assume_role_policy as string).Statement).toEqual([
      { Effect: "Allow", Principal: { Service: "ecs.amazonaws.com" }, Action: "sts:AssumeRole" },
    ]);
  });

  it("THEN it may register tasks only in those target groups and change only those rules", () => {
    const statements = grantedPolicies(json)["shift-traffic"]!;
    expect(statements.map((s) => [s.Sid, s.Resource])).toEqual([
      ["ReadLoadBalancing", "*"],
      ["RegisterTasksInOwnTargetGroups", ["arn:tg/blue", "arn:tg/green"]],
      ["ShiftTrafficOnOwnRules", ["arn:rule/production", "arn:rule/test"]],
    ]);
    // "*" only for Describe*, which has no resource-level permissions.
    expect(statements[0]!.Action).toEqual([
      "elasticloadbalancing:DescribeListeners",
      "elasticloadbalancing:DescribeRules",
      "elasticloadbalancing:DescribeTargetGroups",
      "elasticloadbalancing:DescribeTargetHealth",
    ]);
    expect(JSON.stringify(statements)).not.toContain("ModifyListener");
  });
});
