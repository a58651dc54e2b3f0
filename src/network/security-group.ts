import { SecurityGroup } from "@cdktf/provider-aws/lib/security-group";
import type { Construct } from "constructs";

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
 * separate resources (`TrafficRule`, `aws_vpc_security_group_*_rule`), never inline.
 */
export function securityGroup(scope: Construct, id: string, props: SecurityGroupProps) {
  return new SecurityGroup(scope, id, {
    namePrefix: `${props.name}-`,
    description: props.description,
    vpcId: props.vpcId,
    tags: { Name: props.name },
    lifecycle: { createBeforeDestroy: true },
  });
}
