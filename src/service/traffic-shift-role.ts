import { IamRole } from "@cdktf/provider-aws/lib/iam-role";
import { IamRolePolicy } from "@cdktf/provider-aws/lib/iam-role-policy";
import { Construct } from "constructs";
import { policyDocument, type PolicyStatement } from "../lib/iam";

export interface TrafficShiftRoleProps {
  /** `<project>-<environment>-<service>`: the role's name starts with it. */
  readonly namePrefix: string;
  /** The service's two target groups: the only ones ECS may register tasks in. */
  readonly targetGroupArns: readonly string[];
  /** The production and test listener rules: the only rules ECS may change. */
  readonly listenerRuleArns: readonly string[];
}

/**
 * The statements of the role ECS assumes to shift a service's traffic between its two target
 * groups (`load_balancer.advanced_configuration.role_arn`): what AWS's managed
 * `AmazonECSInfrastructureRolePolicyForLoadBalancers` grants on every load balancer of the
 * account, narrowed to this service's own target groups and listener rules.
 *
 * Left out of the managed policy: `ModifyListener` (it changes a listener's default action; our
 * services shift traffic through listener rules, which blue/green with an ALB requires) and the
 * NLB statements (no network load balancer here).
 */
export function trafficShiftStatements(props: TrafficShiftRoleProps): PolicyStatement[] {
  return [
    {
      Sid: "ReadLoadBalancing",
      Effect: "Allow",
      Action: [
        "elasticloadbalancing:DescribeListeners",
        "elasticloadbalancing:DescribeRules",
        "elasticloadbalancing:DescribeTargetGroups",
        "elasticloadbalancing:DescribeTargetHealth",
      ],
      // Elastic Load Balancing's Describe* actions have no resource-level permissions: a
      // statement that names a resource for them never matches, so "*" is the only form.
      Resource: "*",
    },
    {
      Sid: "RegisterTasksInOwnTargetGroups",
      Effect: "Allow",
      Action: ["elasticloadbalancing:RegisterTargets", "elasticloadbalancing:DeregisterTargets"],
      Resource: [...props.targetGroupArns],
    },
    {
      Sid: "ShiftTrafficOnOwnRules",
      Effect: "Allow",
      Action: "elasticloadbalancing:ModifyRule",
      Resource: [...props.listenerRuleArns],
    },
  ];
}

/**
 * The ECS infrastructure role of one service's blue/green, canary or linear deployments: ECS
 * assumes it to register the new tasks in the alternate target group and to move the production
 * and test rules' weights, and may do nothing else (`trafficShiftStatements`).
 *
 * Its trust policy is the one AWS documents for this role (the `ecs.amazonaws.com` principal,
 * without source conditions): whether ECS sends `aws:SourceAccount` when it assumes an
 * infrastructure role is not documented, and a condition it does not meet would fail every
 * deployment. Only the deploy role may pass the role, and only to ECS (docs/ci-cd.md).
 *
 * Cost: none.
 */
export class TrafficShiftRole extends Construct {
  public readonly role: IamRole;
  /** The service waits for it: ECS checks the role's permissions when the service is updated. */
  public readonly policy: IamRolePolicy;

  constructor(scope: Construct, id: string, props: TrafficShiftRoleProps) {
    super(scope, id);
    this.role = new IamRole(this, "role", {
      name: `${props.namePrefix}-traffic-shift`,
      description: "ECS shifts the service's traffic between its two target groups with it",
      assumeRolePolicy: policyDocument({
        Effect: "Allow",
        Principal: { Service: "ecs.amazonaws.com" },
        Action: "sts:AssumeRole",
      }),
    });
    this.policy = new IamRolePolicy(this, "policy", {
      role: this.role.id,
      name: "shift-traffic",
      policy: policyDocument(...trafficShiftStatements(props)),
    });
  }
}
