import { IamRole } from "@cdktf/provider-aws/lib/iam-role";
import type { IAspect } from "cdktf";
import type { IConstruct } from "constructs";

/**
 * Sets a permissions boundary on every IAM role in the scope it is applied to
 * (`Aspects.of(stack).add(new PermissionsBoundary(arn))`), so no role can be added to the stack
 * without it, whoever writes the construct. A role that names another boundary is an error.
 */
export class PermissionsBoundary implements IAspect {
  constructor(private readonly policyArn: string) {}

  visit(node: IConstruct): void {
    if (!(node instanceof IamRole)) return;
    const current = node.permissionsBoundaryInput;
    if (current !== undefined && current !== this.policyArn) {
      throw new Error(
        `${node.node.path}: permissions_boundary is ${current}, but every role of this stack must carry ${this.policyArn}`,
      );
    }
    node.permissionsBoundary = this.policyArn;
  }
}
