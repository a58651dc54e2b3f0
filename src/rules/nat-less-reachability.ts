import { environmentOf, list, type Values } from "./model";
import { fromFindings, notApplicable, type Finding, type Rule } from "./rule";
import { hasDefaultRoute, routeTablesOf, servicePaths } from "./topology";

/** The endpoint services a task definition implies, with the reason for each. */
function impliedServices(container: Values): Map<string, string> {
  const needs = new Map<string, string>();
  const image = String(container.image ?? "");
  if (/\.dkr\.ecr\.|ecr_repository/.test(image)) {
    needs.set("ecr.api", "the image is in ECR (authentication)");
    needs.set("ecr.dkr", "the image is in ECR (manifest)");
    needs.set("s3", "ECR serves image layers from S3");
  }
  if ((container.logConfiguration as Values | undefined)?.logDriver === "awslogs") {
    needs.set("logs", "the awslogs log driver");
  }
  for (const secret of list(container.secrets) as Values[]) {
    const from = String(secret.valueFrom);
    if (/secretsmanager|secret_arn|aws_secretsmanager_secret/.test(from)) {
      needs.set("secretsmanager", `the secret ${String(secret.name)}`);
    } else if (/:ssm:|aws_ssm_parameter/.test(from)) {
      needs.set("ssm", `the parameter ${String(secret.name)}`);
    }
  }
  for (const value of Object.values(environmentOf(container))) {
    if (value.includes("aws_sqs_queue")) needs.set("sqs", "a queue in the environment");
    if (value.includes("aws_sns_topic")) needs.set("sns", "a topic in the environment");
    if (value.includes("aws_dynamodb_table")) needs.set("dynamodb", "a table in the environment");
  }
  return needs;
}

/**
 * PLAT-4: where the service's subnets have no route to a NAT gateway, a VPC endpoint exists for
 * every AWS service its task definition implies.
 */
export const natLessReachability: Rule = {
  id: "PLAT-4",
  name: "NAT-less reachability",
  level: "error",
  message: "Private subnets without NAT have an endpoint for every AWS service the tasks need.",
  explanation:
    "Seeds 001 and 003 dropped the NAT gateway to save money. Without it, a task in a private subnet cannot pull " +
    "its image, write its logs or read its secrets unless a VPC endpoint serves each of them; the task never starts.",
  check(stack) {
    const paths = servicePaths(stack);
    if (paths.length === 0) return notApplicable();
    const endpoints = new Set(
      stack
        .resources("aws_vpc_endpoint")
        .map((e) => String(e.values.service_name).replace(/^com\.amazonaws\.[a-z0-9-]+\./, "")),
    );
    const findings: Finding[] = [];
    let natLess = false;
    for (const path of paths) {
      const tables = path.subnets.flatMap((subnet) => routeTablesOf(stack, subnet));
      if (tables.length > 0 && tables.every((table) => hasDefaultRoute(stack, table))) continue;
      natLess = true;
      for (const container of path.taskDefinition ? [path.container!].filter(Boolean) : []) {
        for (const [service, reason] of impliedServices(container)) {
          if (!endpoints.has(service)) {
            findings.push({
              paths: [path.service.path, path.taskDefinition!.path],
              message:
                `${path.service.address} runs in subnets with no NAT route, but there is no ${service} VPC endpoint ` +
                `(needed for ${reason}); add it, or a NAT gateway`,
            });
          }
        }
      }
    }
    return natLess ? fromFindings(findings) : notApplicable();
  },
};
