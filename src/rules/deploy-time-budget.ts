import { block, type Resource, type StackModel } from "./model";
import { fromFindings, notApplicable, type Finding, type Rule, type RuleContext } from "./rule";
import { servicePaths } from "./topology";

export interface DeployEstimate {
  readonly tasks: number;
  readonly batches: number;
  readonly secondsPerBatch: number;
  readonly totalSeconds: number;
  readonly explanation: string;
}

/**
 * The worst-case duration of a rolling deployment of `tasks` tasks:
 * - each batch starts at most `floor(tasks x maxPercent / 100) - ceil(tasks x minHealthy / 100)`
 *   new tasks (at least one);
 * - a new task is healthy after its start plus `healthyThreshold x interval`, or at the end of the
 *   grace period if that is later;
 * - the tasks it replaces then drain for the deregistration delay.
 */
export function estimateDeployment(input: {
  tasks: number;
  minimumHealthyPercent: number;
  maximumPercent: number;
  taskStartSeconds: number;
  healthCheckIntervalSeconds: number;
  healthyThreshold: number;
  gracePeriodSeconds: number;
  deregistrationDelaySeconds: number;
}): DeployEstimate {
  const perBatch = Math.max(
    1,
    Math.floor((input.tasks * input.maximumPercent) / 100) -
      Math.ceil((input.tasks * input.minimumHealthyPercent) / 100),
  );
  const batches = Math.ceil(input.tasks / perBatch);
  const healthy = Math.max(
    input.gracePeriodSeconds,
    input.taskStartSeconds + input.healthyThreshold * input.healthCheckIntervalSeconds,
  );
  const secondsPerBatch = healthy + input.deregistrationDelaySeconds;
  return {
    tasks: input.tasks,
    batches,
    secondsPerBatch,
    totalSeconds: batches * secondsPerBatch,
    explanation:
      `${input.tasks} tasks, ${perBatch} per batch (min ${input.minimumHealthyPercent}% / max ${input.maximumPercent}%) = ${batches} batch(es) x ` +
      `(max(grace ${input.gracePeriodSeconds} s, start ${input.taskStartSeconds} s + ${input.healthyThreshold} x ${input.healthCheckIntervalSeconds} s) + drain ${input.deregistrationDelaySeconds} s)`,
  };
}

/** The most tasks the service may run: the autoscaling maximum, else its desired count. */
function maxTasks(stack: StackModel, service: Resource): number {
  const target = stack
    .resources("aws_appautoscaling_target")
    .find((t) => String(t.values.resource_id).includes(`aws_ecs_service.${service.name}.`));
  return Number(target?.values.max_capacity ?? service.values.desired_count ?? 1);
}

/** PLAT-7: the worst-case rolling deployment fits the configured time budget. */
export const deployTimeBudget: Rule = {
  id: "PLAT-7",
  name: "Deploy-time budget",
  level: "error",
  message: "The worst-case rolling deployment time is within the budget.",
  explanation:
    "A deployment that takes longer than the pipeline waits (or than `wait_for_steady_state` waits) fails while it is " +
    "still rolling; AWS's defaults (300 s deregistration delay, 30 s health checks, 5 healthy checks) make every batch slow.",
  check(stack, context: RuleContext) {
    const paths = servicePaths(stack);
    if (paths.length === 0) return notApplicable();
    const findings: Finding[] = [];
    const report: string[] = [];
    for (const path of paths) {
      const service = path.service.values;
      const health = path.targetGroup ? block(path.targetGroup.values.health_check) : undefined;
      const estimate = estimateDeployment({
        tasks: maxTasks(stack, path.service),
        minimumHealthyPercent: Number(service.deployment_minimum_healthy_percent ?? 100),
        maximumPercent: Number(service.deployment_maximum_percent ?? 200),
        taskStartSeconds: context.taskStartSeconds,
        // Without a load balancer a task counts once it runs; a replaced one drains its work
        // within the container's stop timeout instead of a deregistration delay.
        healthCheckIntervalSeconds: path.targetGroup ? Number(health?.interval ?? 30) : 0,
        healthyThreshold: path.targetGroup ? Number(health?.healthy_threshold ?? 5) : 0,
        gracePeriodSeconds: Number(service.health_check_grace_period_seconds ?? 0),
        deregistrationDelaySeconds: path.targetGroup
          ? Number(path.targetGroup.values.deregistration_delay ?? 300)
          : Number(path.container?.stopTimeout ?? 30),
      });
      const line = `${path.service.address}: ${estimate.totalSeconds} s worst case (budget ${context.deployBudgetSeconds} s): ${estimate.explanation}`;
      report.push(line);
      if (estimate.totalSeconds > context.deployBudgetSeconds) {
        findings.push({
          paths: [path.service.path, ...(path.targetGroup ? [path.targetGroup.path] : [])],
          message: `${line}. Shorten the deregistration delay or health-check interval, or raise maximumPercent`,
        });
      }
    }
    return fromFindings(findings, report);
  },
};
