import { VpcSecurityGroupEgressRule } from "@cdktf/provider-aws/lib/vpc-security-group-egress-rule";
import { VpcSecurityGroupIngressRule } from "@cdktf/provider-aws/lib/vpc-security-group-ingress-rule";
import { Testing } from "cdktf";
import { describe, expect, it } from "vitest";
import { TrafficRule } from "../../src/network/traffic-rule";
import { bareStack, resolved, synth } from "../helpers";

describe("TrafficRule, built alone", () => {
  // GIVEN a bare stack WHEN one flow from the tasks' group to the database's group is declared
  const stack = bareStack();
  const rule = new TrafficRule(stack, "tasks-to-db", {
    fromSecurityGroupId: "sg-tasks",
    toSecurityGroupId: "sg-db",
    port: 5432,
    description: "service tasks to the database",
  });
  const text = Testing.synth(stack);
  const flow = { ip_protocol: "tcp", from_port: 5432, to_port: 5432 };

  it("THEN the source group may send to the target group on that port, naming the group, never a CIDR", () => {
    expect(text).toHaveResourceWithProperties(VpcSecurityGroupEgressRule, {
      ...flow,
      security_group_id: "sg-tasks",
      referenced_security_group_id: "sg-db",
      description: "service tasks to the database",
    });
  });

  it("THEN the target group admits the source group on that port: the ingress never comes without its egress", () => {
    expect(text).toHaveResourceWithProperties(VpcSecurityGroupIngressRule, {
      ...flow,
      security_group_id: "sg-db",
      referenced_security_group_id: "sg-tasks",
    });
    const json = synth(stack);
    expect(Object.keys(json.resource).sort()).toEqual([
      "aws_vpc_security_group_egress_rule",
      "aws_vpc_security_group_ingress_rule",
    ]);
    expect(JSON.stringify(json.resource)).not.toContain("cidr");
  });

  it("THEN it exposes both rules", () => {
    expect(resolved(stack, rule.ingress.id)).toBe(
      "${aws_vpc_security_group_ingress_rule.tasks_to_db_ingress.id}",
    );
    expect(resolved(stack, rule.egress.id)).toBe(
      "${aws_vpc_security_group_egress_rule.tasks_to_db_egress.id}",
    );
  });
});
