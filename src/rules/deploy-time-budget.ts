import { conceptField } from "./config-fields";
import { block, type Resource, type StackModel } from "./model";
import { fromFindings, notApplicable, type Finding, type Rule, type RuleContext } from "./rule";
import { servicePaths } from "./topology";
import { DEFAULT_BAKE_TIME_MINUTES, DEFAULT_CANARY, DEFAULT_LINEAR } from "../service/settings";

export interface DeployEstimate {
  readonly tasks: number;
  readonly batches: number;
  readonly secondsPerBatch: number;
  readonly totalSeconds: number;
  readonly explanation: string;
}

/**
 * How ECS moves traffic in a blue/green, canary or linear deployment, as read from
 * `deployment_configuration` (minutes, as ECS takes them).
 */
export type TrafficShiftTiming =
  | { readonly strategy: "BLUE_GREEN"; readonly bakeTimeMinutes: number }
  | {
      readonly strategy: "CANARY";
      readonly bakeTimeMinutes: number;
      readonly canaryPercent: number;
      readonly canaryIntervalMinutes: number;
    }
  | {
      readonly strategy: "LINEAR";
      readonly bakeTimeMinutes: number;
      readonly stepPercent: number;
      readonly stepIntervalMinutes: number;
    };

export interface DeployInput {
  tasks: number;
  minimumHealthyPercent: number;
  maximumPercent: number;
  taskStartSeconds: number;
  healthCheckIntervalSeconds: number;
  healthyThreshold: number;
  gracePeriodSeconds: number;
  deregistrationDelaySeconds: number;
  /** @default - a rolling deployment */
  shift?: TrafficShiftTiming;
}

/**
 * The worst-case duration of a deployment of `tasks` tasks.
 *
 * Rolling:
 * - each batch starts at most `floor(tasks x maxPercent / 100) - ceil(tasks x minHealthy / 100)`
 *   new tasks (at least one);
 * - a new task is healthy after its start plus `healthyThreshold x interval`, or at the end of the
 *   grace period if that is later;
 * - the tasks it replaces then drain for the deregistration delay.
 *
 * Blue/green, canary and linear (`shift`): ECS starts the whole new set at once in the alternate
 * target group, so one "batch" becomes healthy as above; then traffic moves (canary: one wait of
 * its interval; linear: at most `ceil(100 / stepPercent)` waits of its interval; blue/green: at
 * once), then the bake time with both sets running, then the old set drains for the
 * deregistration delay.
 */
export function estimateDeployment(input: DeployInput): DeployEstimate {
  const healthy = Math.max(
    input.gracePeriodSeconds,
    input.taskStartSeconds + input.healthyThreshold * input.healthCheckIntervalSeconds,
  );
  const healthyText = `max(grace ${input.gracePeriodSeconds} s, start ${input.taskStartSeconds} s + ${input.healthyThreshold} x ${input.healthCheckIntervalSeconds} s)`;
  if (input.shift) return estimateTrafficShift(input, input.shift, healthy, healthyText);
  const perBatch = Math.max(
    1,
    Math.floor((input.tasks * input.maximumPercent) / 100) -
      Math.ceil((input.tasks * input.minimumHealthyPercent) / 100),
  );
  const batches = Math.ceil(input.tasks / perBatch);
  const secondsPerBatch = healthy + input.deregistrationDelaySeconds;
  return {
    tasks: input.tasks,
    batches,
    secondsPerBatch,
    totalSeconds: batches * secondsPerBatch,
    explanation:
      `rolling: ${input.tasks} tasks, ${perBatch} per batch (min ${input.minimumHealthyPercent}% / max ${input.maximumPercent}%) = ${batches} batch(es) x ` +
      `(${healthyText} + drain ${input.deregistrationDelaySeconds} s)`,
  };
}

function estimateTrafficShift(
  input: DeployInput,
  shift: TrafficShiftTiming,
  healthy: number,
  healthyText: string,
): DeployEstimate {
  const [shiftSeconds, shiftText] =
    shift.strategy === "CANARY"
      ? [
          shift.canaryIntervalMinutes * 60,
          `canary ${shift.canaryPercent}% for ${shift.canaryIntervalMinutes} min`,
        ]
      : shift.strategy === "LINEAR"
        ? [
            Math.ceil(100 / shift.stepPercent) * shift.stepIntervalMinutes * 60,
            `${Math.ceil(100 / shift.stepPercent)} step(s) of ${shift.stepPercent}% x ${shift.stepIntervalMinutes} min`,
          ]
        : [0, "all traffic at once"];
  const bakeSeconds = shift.bakeTimeMinutes * 60;
  const secondsPerBatch = healthy + shiftSeconds + bakeSeconds + input.deregistrationDelaySeconds;
  return {
    tasks: input.tasks,
    batches: 1,
    secondsPerBatch,
    totalSeconds: secondsPerBatch,
    explanation:
      `${shift.strategy.toLowerCase().replace("_", "/")}: ${input.tasks} new tasks at once, ${healthyText} + ` +
      `${shiftText} (${shiftSeconds} s) + bake ${shift.bakeTimeMinutes} min + drain ${input.deregistrationDelaySeconds} s`,
  };
}

/**
 * The worst case of each strategy for a service's health checks, drain and task count, with each
 * strategy's defaults (`deployment.*` in src/service/settings.ts), so `npm run check` shows what
 * a change of strategy would cost before it is made.
 */
export function everyStrategy(input: DeployInput): string {
  const bakeTimeMinutes = DEFAULT_BAKE_TIME_MINUTES;
  const shifts: Record<string, TrafficShiftTiming | undefined> = {
    rolling: undefined,
    blueGreen: { strategy: "BLUE_GREEN", bakeTimeMinutes },
    canary: {
      strategy: "CANARY",
      bakeTimeMinutes,
      canaryPercent: DEFAULT_CANARY.percent,
      canaryIntervalMinutes: DEFAULT_CANARY.intervalMinutes,
    },
    linear: {
      strategy: "LINEAR",
      bakeTimeMinutes,
      stepPercent: DEFAULT_LINEAR.stepPercent,
      stepIntervalMinutes: DEFAULT_LINEAR.intervalMinutes,
    },
  };
  const each = Object.entries(shifts).map(
    ([name, shift]) => `${name} ${estimateDeployment({ ...input, shift }).totalSeconds} s`,
  );
  return `per strategy with its defaults: ${each.join(", ")}`;
}

/** The traffic shift a synthesized service asks for; undefined for a rolling one. */
export function trafficShiftOf(service: Resource): TrafficShiftTiming | undefined {
  const config = block(service.values.deployment_configuration);
  const strategy = String(config?.strategy ?? "ROLLING");
  const bakeTimeMinutes = Number(config?.bake_time_in_minutes ?? 0);
  if (strategy === "BLUE_GREEN") return { strategy, bakeTimeMinutes };
  if (strategy === "CANARY") {
    const canary = block(config?.canary_configuration);
    // ECS's own defaults when the block leaves them out: 5% for 10 minutes.
    return {
      strategy,
      bakeTimeMinutes,
      canaryPercent: Number(canary?.canary_percent ?? 5),
      canaryIntervalMinutes: Number(canary?.canary_bake_time_in_minutes ?? 10),
    };
  }
  if (strategy === "LINEAR") {
    const linear = block(config?.linear_configuration);
    // ECS's own defaults when the block leaves them out: 10% steps, 6 minutes apart.
    return {
      strategy,
      bakeTimeMinutes,
      stepPercent: Number(linear?.step_percent ?? 10),
      stepIntervalMinutes: Number(linear?.step_bake_time_in_minutes ?? 6),
    };
  }
  return undefined;
}

/** The most tasks the service may run: the autoscaling maximum, else its desired count. */
function maxTasks(stack: StackModel, service: Resource): number {
  const target = stack.scalingTargetOf(service);
  return Number(target?.values.max_capacity ?? service.values.desired_count ?? 1);
}

/** PLAT-7: the worst-case deployment, whatever its strategy, fits the configured time budget. */
export const deployTimeBudget: Rule = {
  id: "PLAT-7",
  name: "Deploy-time budget",
  level: "error",
  message:
    "The worst-case deployment time (rolling, blue/green, canary or linear) is within the budget.",
  explanation:
    "A deployment that takes longer than the pipeline waits (or than `wait_for_steady_state` waits) fails while it is " +
    "still rolling; AWS's defaults (300 s deregistration delay, 30 s health checks, 5 healthy checks) make every batch slow, " +
    "and a bake time or traffic-shift interval adds its minutes to every release.",
  check(stack, context: RuleContext) {
    const paths = servicePaths(stack);
    if (paths.length === 0) return notApplicable();
    const findings: Finding[] = [];
    const report: string[] = [];
    for (const path of paths) {
      const service = path.service.values;
      const health = path.targetGroup ? block(path.targetGroup.values.health_check) : undefined;
      const input: DeployInput = {
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
        shift: trafficShiftOf(path.service),
      };
      const estimate = estimateDeployment(input);
      const line = `${path.service.address}: ${estimate.totalSeconds} s worst case (budget ${context.deployBudgetSeconds} s): ${estimate.explanation}`;
      // A public service could use any strategy: what each would take with its defaults.
      report.push(path.targetGroup ? `${line}; ${everyStrategy(input)}` : line);
      if (estimate.totalSeconds > context.deployBudgetSeconds) {
        // The settings that decide it, by their configuration fields (`prod.services.api...`).
        const field = (setting: string) =>
          conceptField(stack.name, path.service, setting) ?? setting;
        const levers =
          estimate.batches > 1 || !trafficShiftOf(path.service)
            ? [
                "public.deregistrationDelaySeconds",
                "public.healthCheck.intervalSeconds",
                "deployment.maximumPercent",
              ]
            : [
                "deployment.bakeTimeMinutes",
                "deployment.canary / deployment.linear interval",
                "public.deregistrationDelaySeconds",
                "public.healthCheck.intervalSeconds",
              ];
        findings.push({
          paths: [path.service.path, ...(path.targetGroup ? [path.targetGroup.path] : [])],
          message:
            `${line}; allowed: at most ${stack.name}.guardrails.deployBudgetSeconds (${context.deployBudgetSeconds} s); ` +
            `fix: shorten ${levers.map(field).join(", ")}${estimate.batches > 1 ? " (raise maximumPercent)" : ""}, ` +
            `or raise ${stack.name}.guardrails.deployBudgetSeconds if the pipeline waits that long`,
        });
      }
    }
    return fromFindings(findings, report);
  },
};
