import { describe, expect, it } from "vitest";
import { securityGroup } from "../../src/network/security-group";
import { bareStack, onlyResource, synth } from "../helpers";

describe("securityGroup", () => {
  it("is replaced create-before-destroy under a name prefix, and keeps its name as the Name tag", () => {
    const stack = bareStack();
    securityGroup(stack, "sg", { name: "orbit-test-db", description: "Database", vpcId: "vpc-1" });
    const values = onlyResource(synth(stack), "aws_security_group");
    expect(values).toMatchObject({
      name_prefix: "orbit-test-db-",
      description: "Database",
      vpc_id: "vpc-1",
      tags: { Name: "orbit-test-db" },
      lifecycle: { create_before_destroy: true },
    });
    expect(values.name).toBeUndefined();
    // No inline rules: they are separate resources, replaced with the group.
    expect(values.ingress).toBeUndefined();
    expect(values.egress).toBeUndefined();
  });
});
