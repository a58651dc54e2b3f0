import { block, environmentOf, list, type Values } from "./model";
import { fromFindings, notApplicable, type Finding, type Rule } from "./rule";
import { groupsAllow, securityGroupRules, servicePaths } from "./topology";

/**
 * PLAT-1: the container port, `PORT`, the target group's port, its health-check port, the load
 * balancer's egress and the service's ingress are one number.
 */
export const portAlignment: Rule = {
  id: "PLAT-1",
  name: "Port alignment",
  level: "error",
  message:
    "Container port = PORT = target group port = health-check port = ALB egress port = service ingress port.",
  explanation:
    "Seed 000 phase II: the infrastructure sent traffic to 5000 while the app listened on 3001; every health check " +
    "was refused and the service never became healthy. Any of these six numbers disagreeing is the same outage.",
  check(stack) {
    const paths = servicePaths(stack).filter((p) => p.targetGroup && p.container);
    if (paths.length === 0) return notApplicable();
    const rules = securityGroupRules(stack);
    const findings: Finding[] = [];
    for (const path of paths) {
      const container = path.container!;
      const targetGroup = path.targetGroup!;
      const mapping = list(container.portMappings)[0] as Values | undefined;
      const containerPort = Number(mapping?.containerPort);
      const involved = [path.taskDefinition!.path, targetGroup.path, path.service.path];
      const disagree = (what: string, value: unknown) =>
        findings.push({
          paths: involved,
          message:
            `${what} is ${String(value)} but the container listens on ${containerPort} ` +
            `(${path.taskDefinition!.address} container "${String(container.name)}"); derive every port from service.containerPort`,
        });

      const port = environmentOf(container).PORT;
      if (port === undefined)
        disagree("PORT (not set in the task definition's environment)", "missing");
      else if (Number(port) !== containerPort)
        disagree(`PORT in ${path.taskDefinition!.address}`, port);
      if (path.containerPort !== containerPort)
        disagree(
          `the service's load_balancer container_port (${path.service.address})`,
          path.containerPort,
        );
      if (Number(targetGroup.values.port) !== containerPort)
        disagree(`the target group port (${targetGroup.address})`, targetGroup.values.port);
      const healthPort = block(targetGroup.values.health_check)?.port ?? "traffic-port";
      if (healthPort !== "traffic-port" && Number(healthPort) !== containerPort) {
        disagree(`the health-check port (${targetGroup.address})`, healthPort);
      }
      for (const alb of path.loadBalancerGroups) {
        for (const svc of path.serviceGroups) {
          const { egress, ingress } = groupsAllow(rules, alb, svc, containerPort);
          if (!egress) {
            findings.push({
              paths: [alb.path, svc.path],
              message: `${alb.address} has no egress to ${svc.address} on ${containerPort}: the load balancer cannot reach the tasks`,
            });
          }
          if (!ingress) {
            findings.push({
              paths: [svc.path, alb.path],
              message: `${svc.address} admits no ingress from ${alb.address} on ${containerPort}: health checks are refused`,
            });
          }
        }
      }
    }
    return fromFindings(findings);
  },
};
