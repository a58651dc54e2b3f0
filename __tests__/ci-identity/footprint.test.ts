import { IamRole } from "@cdktf/provider-aws/lib/iam-role";
import { SqsQueue } from "@cdktf/provider-aws/lib/sqs-queue";
import { Testing, TerraformStack } from "cdktf";
import { describe, expect, it } from "vitest";
import { EMPTY_FOOTPRINT, footprintOf, mergeFootprints } from "../../src/ci-identity/footprint";
import { serviceTrustPolicy } from "../../src/lib/iam";

describe("footprints", () => {
  it("GIVEN a stack with a queue and two roles THEN its resource types and the services the roles trust, sorted, once each", () => {
    const stack = new TerraformStack(Testing.app(), "s");
    new SqsQueue(stack, "queue", {});
    new IamRole(stack, "a", { assumeRolePolicy: serviceTrustPolicy("lambda.amazonaws.com", "1") });
    new IamRole(stack, "b", {
      assumeRolePolicy: serviceTrustPolicy("ecs-tasks.amazonaws.com", "1"),
    });
    new IamRole(stack, "c", { assumeRolePolicy: serviceTrustPolicy("lambda.amazonaws.com", "1") });
    expect(footprintOf(stack)).toEqual({
      resourceTypes: ["aws_iam_role", "aws_sqs_queue"],
      passedToServices: ["ecs-tasks.amazonaws.com", "lambda.amazonaws.com"],
    });
    expect(footprintOf(new TerraformStack(Testing.app(), "empty"))).toEqual(EMPTY_FOOTPRINT);
  });

  it("refuse a role whose trust policy is computed by Terraform: its services cannot be read", () => {
    const stack = new TerraformStack(Testing.app(), "s");
    new IamRole(stack, "role", {
      assumeRolePolicy: "${data.aws_iam_policy_document.trust.json}",
    });
    expect(() => footprintOf(stack)).toThrow(/s\/role: its assume_role_policy is not a literal/);
    const ok = new TerraformStack(Testing.app(), "t");
    new IamRole(ok, "role", { assumeRolePolicy: serviceTrustPolicy("lambda.amazonaws.com", "1") });
    expect(footprintOf(ok)).toEqual({
      resourceTypes: ["aws_iam_role"],
      passedToServices: ["lambda.amazonaws.com"],
    });
  });

  it("merge into the union of what several stacks of one account hold, sorted", () => {
    expect(
      mergeFootprints([
        { resourceTypes: ["aws_vpc", "aws_iam_role"], passedToServices: ["b"] },
        { resourceTypes: ["aws_iam_role"], passedToServices: ["a", "b"] },
        EMPTY_FOOTPRINT,
      ]),
    ).toEqual({ resourceTypes: ["aws_iam_role", "aws_vpc"], passedToServices: ["a", "b"] });
    expect(mergeFootprints([])).toEqual(EMPTY_FOOTPRINT);
  });
});
