import { VpcSecurityGroupEgressRule } from "@cdktf/provider-aws/lib/vpc-security-group-egress-rule";
import { VpcSecurityGroupIngressRule } from "@cdktf/provider-aws/lib/vpc-security-group-ingress-rule";
import { Construct } from "constructs";

export interface TrafficRuleProps {
  /** The security group of the clients. */
  readonly fromSecurityGroupId: string;
  /** The security group of the servers. */
  readonly toSecurityGroupId: string;
  readonly port: number;
  /** What flows, e.g. `ALB to service tasks`. */
  readonly description: string;
}

/**
 * One allowed TCP flow between two security groups: the egress rule on the source and the
 * ingress rule on the target, always created together and naming each other's group, never a
 * CIDR. An ingress without its egress (seed 000 phase III: the database admitted the tasks, but
 * the tasks' group had no egress to it) cannot be written with this construct.
 */
export class TrafficRule extends Construct {
  public readonly egress: VpcSecurityGroupEgressRule;
  public readonly ingress: VpcSecurityGroupIngressRule;

  constructor(scope: Construct, id: string, props: TrafficRuleProps) {
    super(scope, id);
    const flow = {
      ipProtocol: "tcp",
      fromPort: props.port,
      toPort: props.port,
      description: props.description,
    };
    this.egress = new VpcSecurityGroupEgressRule(this, "egress", {
      ...flow,
      securityGroupId: props.fromSecurityGroupId,
      referencedSecurityGroupId: props.toSecurityGroupId,
    });
    this.ingress = new VpcSecurityGroupIngressRule(this, "ingress", {
      ...flow,
      securityGroupId: props.toSecurityGroupId,
      referencedSecurityGroupId: props.fromSecurityGroupId,
    });
  }
}
