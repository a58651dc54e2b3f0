import { fromFindings, notApplicable, type Finding, type Rule } from "./rule";
import { cidrCovers, securityGroupRules } from "./topology";

/**
 * PLAT-3: every security group ingress that names another group as its source is matched by an
 * egress on that source group, and every group the service depends on is reachable from it.
 */
export const egressCompleteness: Rule = {
  id: "PLAT-3",
  name: "Egress completeness",
  level: "error",
  message: "Every ingress from a security group has the matching egress on that group.",
  explanation:
    "Seed 000 phase III: the database's group admitted the tasks on 5432, but the tasks' group had no egress to " +
    "it, so connections hung. Security groups are checked on both ends; an ingress alone allows nothing.",
  check(stack) {
    const rules = securityGroupRules(stack);
    const vpcCidrs = stack.resources("aws_vpc").map((v) => String(v.values.cidr_block));
    const pairs = rules.filter((r) => r.direction === "ingress" && r.peerGroup);
    if (pairs.length === 0) return notApplicable();
    const findings: Finding[] = [];
    for (const ingress of pairs) {
      const source = ingress.peerGroup!;
      const port = ingress.fromPort;
      const matched = rules.some(
        (r) =>
          r.direction === "egress" &&
          r.group.address === source.address &&
          (r.allProtocols || (r.fromPort <= port && port <= r.toPort)) &&
          (r.peerGroup?.address === ingress.group.address ||
            vpcCidrs.some((vpc) => cidrCovers(r.cidr, vpc))),
      );
      if (!matched) {
        findings.push({
          paths: [source.path, ingress.group.path],
          message:
            `${ingress.group.address} admits ${source.address} on ${port}, but ${source.address} has no egress to it on ${port}: ` +
            `add the egress (TrafficRule creates both)`,
        });
      }
    }
    return fromFindings(findings);
  },
};
