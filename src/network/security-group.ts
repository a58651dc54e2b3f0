import { SecurityGroup } from "@cdktf/provider-aws/lib/security-group";
import { VpcSecurityGroupEgressRule } from "@cdktf/provider-aws/lib/vpc-security-group-egress-rule";
import { VpcSecurityGroupIngressRule } from "@cdktf/provider-aws/lib/vpc-security-group-ingress-rule";
import type { IAspect } from "cdktf";
import type { Construct, IConstruct } from "constructs";

export interface SecurityGroupProps {
  /** What the console shows: the `Name` tag, and the start of the AWS name. */
  readonly name: string;
  readonly description: string;
  readonly vpcId: string;
}

/**
 * A security group that can be replaced while in use. Its description and VPC force a
 * replacement, and AWS refuses to delete a group a load balancer, task or database still uses
 * (DependencyViolation: terraform-provider-aws#27476), so the replacement is created first and the
 * old group deleted once nothing uses it; a name prefix keeps the two names apart. Its rules are
 * separate resources, created first too (`RulesReplacedFirst`), never inline.
 *
 * `ignore_changes` on the prefix: a group created with a fixed `name` (before this helper) keeps
 * it instead of being replaced only to take the prefix; any later replacement takes the prefix.
 */
export function securityGroup(scope: Construct, id: string, props: SecurityGroupProps) {
  return new SecurityGroup(scope, id, {
    namePrefix: `${props.name}-`,
    description: props.description,
    vpcId: props.vpcId,
    tags: { Name: props.name },
    lifecycle: { createBeforeDestroy: true, ignoreChanges: ["name_prefix"] },
  });
}

/**
 * Every security group rule of the stack is replaced create-before-destroy: when its group is
 * replaced, the new group's rules exist before the old group's go, so no flow is cut in between.
 * A rule's own replacement (a new port) makes a different rule, which never collides.
 */
export class RulesReplacedFirst implements IAspect {
  visit(node: IConstruct): void {
    if (node instanceof VpcSecurityGroupIngressRule || node instanceof VpcSecurityGroupEgressRule) {
      node.lifecycle = { ...node.lifecycle, createBeforeDestroy: true };
    }
  }
}
