/** Settings of a Fargate service (`FargateService`): size, port, scaling, deployment, health check. */
import { createHash } from "node:crypto";
import { z } from "zod";
import { QUEUE_ACCESS, TOPIC_ACCESS } from "../messaging/settings";
import { TABLE_ACCESS } from "../key-value-store/settings";
import { DATABASE_PORT } from "../database/settings";
import { describeMemoryValues, FARGATE_CPU_UNITS, validMemoryFor } from "../lib/fargate";
import {
  explain,
  integerBetween,
  retentionDays,
  seconds,
  dataName,
} from "../config/fields";

/** How a release replaces a service's tasks: `deployment.strategy`. */
export const DEPLOYMENT_STRATEGIES = ["rolling", "blueGreen", "canary", "linear"] as const;
export type DeploymentStrategy = (typeof DEPLOYMENT_STRATEGIES)[number];

/**
 * Bake time of the non-rolling strategies when the configuration names none: with each
 * strategy's other defaults, the worst case stays within PLAT-7's default 900 s budget.
 */
export const DEFAULT_BAKE_TIME_MINUTES = 5;
/** The canary step when `deployment.canary` is not given. */
export const DEFAULT_CANARY = { percent: 10, intervalMinutes: 5 } as const;
/** The linear steps when `deployment.linear` is not given. */
export const DEFAULT_LINEAR = { stepPercent: 25, intervalMinutes: 2 } as const;

/** A share of traffic in percent, a multiple of 0.1 between `min` and 100 (ECS's steps). */
function percentOfTraffic(min: number, allowed: string) {
  const message = explain("is not a share of traffic ECS accepts", allowed, `use e.g. ${Math.max(min, 10)}`);
  return z
    .number(message)
    .refine(
      (n) => n >= min && n <= 100 && Math.abs(n * 10 - Math.round(n * 10)) < 1e-9,
      message,
    );
}

/**
 * How a public service is reached: behind the environment's shared load balancer, with its own
 * target group and a listener rule for its paths and hosts.
 */
export const PublicSchema = z.strictObject({
  /**
   * The one port the container listens on. The task's port mapping, its `PORT` variable, the
   * target group, its health check and every security group and NACL rule on the path derive
   * from this value (seed 000 phase II: 5000 in the infrastructure, 3001 in the app).
   * Below 32768 because the private subnets' NACL admits 32768-65535 as return traffic from
   * anywhere; below 1024 needs root, which the container does not have.
   * @default 8080
   */
  containerPort: integerBetween(
    1024,
    32767,
    "pick an unprivileged port below the ephemeral range, e.g. 8080",
  ).default(8080),
  healthCheck: z
    .strictObject({
      /**
       * The load balancer's health check path: liveness, answered without the database. The
       * container's own health check probes it too (`HEALTH_CHECK_PATH`).
       * @default "/health"
       */
      path: z
        .string()
        .regex(
          /^\/[\w\-./]*$/,
          explain("is not a URL path", "a path starting with /", 'use "/health"'),
        )
        .default("/health"),
      /** @default 10 */
      intervalSeconds: seconds(5, 300, "public.healthCheck.intervalSeconds").default(10),
      /** @default 5 */
      timeoutSeconds: seconds(2, 120, "public.healthCheck.timeoutSeconds").default(5),
      /** @default 2 */
      healthyThreshold: integerBetween(
        2,
        10,
        "2 puts a new task in service after two checks",
      ).default(2),
      /** @default 3 */
      unhealthyThreshold: integerBetween(2, 10, "3 tolerates one slow answer").default(3),
    })
    .prefault({}),
  /**
   * Seconds the load balancer lets in-flight requests finish on a deregistering task. AWS's
   * default is 300, which makes every deploy five minutes slower per batch.
   * @default 30
   */
  deregistrationDelaySeconds: seconds(0, 3600, "public.deregistrationDelaySeconds").default(30),
  /**
   * URL path patterns routed to this service (ALB syntax: `*` and `?` wildcards).
   * @default ["/*"] - every path
   */
  paths: z
    .array(
      z
        .string()
        .regex(
          /^\/[\w\-./*?~%]{0,127}$/,
          explain("is not a path pattern", "a path starting with /, up to 128 characters, * and ? allowed", 'use e.g. "/api/*"'),
        ),
    )
    .min(1, explain("is empty", "at least one path pattern", 'use ["/*"]'))
    .max(5, explain("has more than 5 patterns", "at most 5 (with hosts, 5 conditions values in all)", "merge them with wildcards"))
    .default(["/*"]),
  /**
   * Host names routed to this service, e.g. `api.example.com`.
   * @default - any host
   */
  hosts: z
    .array(
      z
        .string()
        .regex(
          /^(\*\.)?([a-z0-9]([a-z0-9-]{0,61}[a-z0-9])?\.)+[a-z]{2,63}$/,
          explain("is not a host name", "a lower-case DNS name, optionally starting with *.", "fix the name"),
        ),
    )
    .optional(),
  /**
   * The listener rule's priority (1 is evaluated first). Two public services whose paths overlap
   * need it set, so the more specific one wins.
   * @default - derived from the service's name, stable as services are added
   */
  priority: integerBetween(1, 50000, "pick a priority no other service of the environment has").optional(),
});
export type PublicSettings = z.output<typeof PublicSchema>;

/**
 * The listener rule priority of a public service: `priority` when set, else one derived from the
 * service's name (1 to 50000), so it never changes when other services come or go.
 */
export function rulePriority(serviceName: string, settings: PublicSettings): number {
  if (settings.priority !== undefined) return settings.priority;
  return 1 + (createHash("sha256").update(serviceName).digest().readUInt32BE(0) % 50000);
}

/**
 * What a service touches, and how: every grant, key-policy entry, security-group rule, endpoint
 * and environment variable of the service derives from this, and nothing else is granted.
 */
export const UsesSchema = z.strictObject({
  /**
   * Connects to the environment's PostgreSQL database (its security group admits the service;
   * the task gets `DB_*` variables and the credentials from the database's managed secret).
   * @default false
   */
  database: z.boolean().default(false),
  /**
   * Tables by name (`tables.<name>`) and the access: `read` (GetItem, Query), `write` (PutItem,
   * UpdateItem, DeleteItem) or `readWrite`. The task gets `TABLE_<NAME>_NAME`.
   * @default {}
   */
  tables: z
    .record(
      dataName("table"),
      z.enum(TABLE_ACCESS, explain("is not a table access", TABLE_ACCESS.map((a) => `"${a}"`).join(", "), 'use "read", "write" or "readWrite"')),
    )
    .default({}),
  /**
   * Queues by name and the access: `consume` (receive, delete, change visibility, read
   * attributes) or `send`. The task gets `QUEUE_<NAME>_URL`.
   * @default {}
   */
  queues: z
    .record(
      dataName("queue"),
      z.enum(QUEUE_ACCESS, explain("is not a queue access", QUEUE_ACCESS.map((a) => `"${a}"`).join(", "), 'use "consume" or "send"')),
    )
    .default({}),
  /**
   * Topics by name and the access: `publish`. The task gets `TOPIC_<NAME>_ARN`.
   * @default {}
   */
  topics: z
    .record(
      dataName("topic"),
      z.enum(TOPIC_ACCESS, explain("is not a topic access", '"publish"', 'use "publish"')),
    )
    .default({}),
});
export type UsesSettings = z.output<typeof UsesSchema>;

/**
 * One service: `services.<name>`. Public services sit behind the shared load balancer; the others
 * (workers) have no load balancer and admit no traffic at all.
 */
export const ServiceSchema = z.strictObject({
  /**
   * The container's command, overriding the image's `CMD`: one image, several entry points.
   * @default - the image's CMD (the API)
   */
  command: z.array(z.string().min(1)).min(1).optional(),
  /**
   * Behind the load balancer, with these routing and health-check settings.
   * @default - not reachable from anything: a worker
   */
  public: PublicSchema.optional(),
  /**
   * Task CPU units (1024 = 1 vCPU).
   * @default 512
   */
  cpu: z
    .literal(
      FARGATE_CPU_UNITS,
      explain(
        "is not a Fargate CPU size",
        FARGATE_CPU_UNITS.join(", "),
        "pick one; 512 (half a vCPU) suits a small Node.js service",
      ),
    )
    .default(512),
  /**
   * Task memory in MiB; must be one of the values Fargate allows with `cpu`. 512 MiB OOM-killed a
   * Node.js service with a connection pool at start-up (seed 000, exit code 137).
   * @default 1024
   */
  memoryMiB: z.number().int().default(1024),
  /**
   * `ARM64` (Graviton) is ~20% cheaper per vCPU-hour but cannot run on Fargate Spot, and needs an
   * arm64 image.
   * @default "X86_64"
   */
  cpuArchitecture: z
    .enum(
      ["X86_64", "ARM64"],
      explain("is not a CPU architecture", '"X86_64" or "ARM64"', "use one of those"),
    )
    .default("X86_64"),
  /**
   * Tasks when the service is created. Afterwards autoscaling owns the count: Terraform ignores it.
   * @default 1
   */
  desiredCount: integerBetween(
    1,
    1000,
    "set desiredCount between the autoscaling bounds",
  ).default(1),
  autoscaling: z
    .strictObject({
      /** @default 1 */
      minCount: integerBetween(1, 1000, "keep at least one task").default(1),
      /** @default 4 */
      maxCount: integerBetween(1, 1000, "raise it to at least minCount").default(4),
      /**
       * Average CPU the service is scaled to hold.
       * @default 70
       */
      cpuTargetPercent: integerBetween(
        10,
        95,
        "70 leaves headroom for a burst while scaling out",
      ).default(70),
      /**
       * Also scale on ALB requests per target per minute when set.
       * @default - not used
       */
      requestsPerTarget: integerBetween(
        1,
        1_000_000,
        "set the requests per target per minute",
      ).optional(),
      /**
       * Scale a queue consumer to keep this many visible messages per running task on the queue
       * it consumes (the queue's `ApproximateNumberOfMessagesVisible` over the service's
       * `RunningTaskCount`): AWS's queue-processing pattern.
       * @default - not used
       */
      backlogPerTask: integerBetween(
        1,
        1_000_000,
        "set how many waiting messages one task should have at most",
      ).optional(),
      /** @default 300 */
      scaleInCooldownSeconds: seconds(
        0,
        3600,
        "autoscaling.scaleInCooldownSeconds",
      ).default(300),
      /** @default 60 */
      scaleOutCooldownSeconds: seconds(
        0,
        3600,
        "autoscaling.scaleOutCooldownSeconds",
      ).default(60),
    })
    .prefault({}),
  deployment: z
    .strictObject({
      /**
       * How a release replaces the running tasks (docs/releasing.md has a diagram of each):
       * - `rolling`: batches of new tasks within min/max percent, each old task drained as a new
       *   one is healthy; the circuit breaker and the deployment alarms roll back.
       * - `blueGreen`: a whole new set of tasks in the alternate target group, test traffic on the
       *   test listener, then all production traffic at once, then `bakeTimeMinutes` with both
       *   sets running, so a rollback is one listener-rule change.
       * - `canary`: `canary.percent` of production traffic to the new set for
       *   `canary.intervalMinutes`, then the rest, then the bake time.
       * - `linear`: `linear.stepPercent` more every `linear.intervalMinutes`, then the bake time.
       * All but `rolling` need `public` (ECS shifts traffic between two target groups) and run
       * twice the tasks while they last.
       * @default "rolling"
       */
      strategy: z
        .enum(
          DEPLOYMENT_STRATEGIES,
          explain(
            "is not a deployment strategy",
            DEPLOYMENT_STRATEGIES.map((s) => `"${s}"`).join(", "),
            'use "rolling", or "canary" for a public service',
          ),
        )
        .default("rolling"),
      /**
       * Minutes both task sets keep running after all production traffic moved to the new one;
       * an alarm during them rolls back at once. Not used by `rolling`.
       * @default 5 with blueGreen, canary or linear
       */
      bakeTimeMinutes: integerBetween(0, 1440, "ECS allows 0 to 1440 minutes").optional(),
      /**
       * `canary` only: the share of production traffic the new tasks get first, and how long.
       * @default { percent: 10, intervalMinutes: 5 }
       */
      canary: z
        .strictObject({
          /** Percent of production traffic, a multiple of 0.1 from 0.1 to 100. @default 10 */
          percent: percentOfTraffic(0.1, "a multiple of 0.1 from 0.1 to 100 (ECS's steps)").default(
            DEFAULT_CANARY.percent,
          ),
          /** Minutes at that share before the rest moves. @default 5 */
          intervalMinutes: integerBetween(0, 1440, "ECS allows 0 to 1440 minutes").default(
            DEFAULT_CANARY.intervalMinutes,
          ),
        })
        .optional(),
      /**
       * `linear` only: the share of production traffic moved at each step, and the wait between.
       * @default { stepPercent: 25, intervalMinutes: 2 }
       */
      linear: z
        .strictObject({
          /** Percent moved per step, a multiple of 0.1 from 3 to 100. @default 25 */
          stepPercent: percentOfTraffic(3, "a multiple of 0.1 from 3 to 100 (ECS's steps)").default(
            DEFAULT_LINEAR.stepPercent,
          ),
          /** Minutes between steps. @default 2 */
          intervalMinutes: integerBetween(0, 1440, "ECS allows 0 to 1440 minutes").default(
            DEFAULT_LINEAR.intervalMinutes,
          ),
        })
        .optional(),
      /**
       * Percent of the desired count that must stay healthy during a deploy. 100 keeps full capacity.
       * @default 100
       */
      minimumHealthyPercent: integerBetween(
        0,
        100,
        "100 keeps full capacity during deploys",
      ).default(100),
      /**
       * Percent of the desired count that may run during a deploy (old and new tasks together).
       * @default 200
       */
      maximumPercent: integerBetween(
        100,
        200,
        "200 lets a whole new set start beside the old",
      ).default(200),
      /**
       * Seconds after a task starts during which failed load balancer health checks do not stop it.
       * @default 60
       */
      healthCheckGracePeriodSeconds: seconds(
        0,
        7200,
        "deployment.healthCheckGracePeriodSeconds",
      ).default(60),
    })
    .prefault({}),
  /**
   * How tasks are spread over on-demand Fargate and Fargate Spot (up to 70% cheaper, but a task
   * may be stopped with two minutes' notice).
   * @default { fargateBase: 0, fargateWeight: 1, fargateSpotWeight: 0 } - on-demand only
   */
  capacity: z
    .strictObject({
      fargateBase: integerBetween(
        0,
        100000,
        "the number of tasks always on on-demand Fargate",
      ).default(0),
      fargateWeight: integerBetween(0, 1000, "a relative weight").default(1),
      fargateSpotWeight: integerBetween(0, 1000, "a relative weight").default(0),
    })
    .prefault({}),
  /**
   * Seconds between SIGTERM and SIGKILL. The service must drain within it (its own shutdown
   * timeout is shorter).
   * @default 30
   */
  stopTimeoutSeconds: seconds(
    2,
    120,
    "stopTimeoutSeconds (Fargate allows up to 120)",
  ).default(30),
  /**
   * Days the service's logs are kept in CloudWatch.
   * @default 30
   */
  logRetentionDays: retentionDays.default(30),
  uses: UsesSchema.prefault({}),
});
export type ServiceSettings = z.output<typeof ServiceSchema>;

/** Rules across the service's fields; each names the field to change. */
export function checkService(
  service: z.output<typeof ServiceSchema>,
  ctx: z.RefinementCtx,
  at: readonly (string | number)[],
): void {
  const problem = (path: (string | number)[], input: unknown, message: string) =>
    ctx.addIssue({ code: "custom", path: [...at, ...path], input, message });

  const memory = validMemoryFor(service.cpu);
  if (memory.length > 0 && !memory.includes(service.memoryMiB)) {
    problem(
      ["memoryMiB"],
      service.memoryMiB,
      explain(
        `is not valid with cpu ${service.cpu}`,
        describeMemoryValues(memory),
        `use one of those, or change cpu`,
      ),
    );
  }
  if (service.cpuArchitecture === "ARM64" && service.capacity.fargateSpotWeight > 0) {
    problem(
      ["capacity", "fargateSpotWeight"],
      service.capacity.fargateSpotWeight,
      explain(
        "cannot be used with ARM64 tasks",
        "0 with ARM64",
        'set it to 0, or cpuArchitecture to "X86_64"',
      ),
    );
  }
  if (service.capacity.fargateWeight + service.capacity.fargateSpotWeight === 0) {
    problem(
      ["capacity", "fargateWeight"],
      0,
      explain(
        "and fargateSpotWeight are both 0",
        "at least one positive weight",
        "set fargateWeight to 1",
      ),
    );
  }
  const { fargateBase, fargateWeight, fargateSpotWeight } = service.capacity;
  if (service.public && fargateBase === 0 && fargateWeight === 0 && fargateSpotWeight > 0) {
    problem(
      ["capacity", "fargateBase"],
      0,
      explain(
        "leaves every task of a public service on Fargate Spot (fargateWeight is 0 too): one Spot " +
          "reclaim leaves the load balancer without a target, and a smoke test that gates a release fails",
        "at least 1 when fargateWeight is 0, for a public service",
        "set capacity.fargateBase: 1 (one on-demand task, the rest on Spot), or fargateWeight above 0",
      ),
    );
  }
  const { minCount, maxCount } = service.autoscaling;
  if (minCount > maxCount) {
    problem(
      ["autoscaling", "minCount"],
      minCount,
      explain(
        `is above maxCount ${maxCount}`,
        `at most ${maxCount}`,
        "lower minCount or raise maxCount",
      ),
    );
  } else if (service.desiredCount < minCount || service.desiredCount > maxCount) {
    problem(
      ["desiredCount"],
      service.desiredCount,
      explain(
        "is outside the autoscaling bounds",
        `${minCount} to ${maxCount} (autoscaling.minCount..maxCount)`,
        "move it inside the bounds",
      ),
    );
  }
  if (service.deployment.maximumPercent <= service.deployment.minimumHealthyPercent) {
    problem(
      ["deployment", "maximumPercent"],
      service.deployment.maximumPercent,
      explain(
        `is not above minimumHealthyPercent ${service.deployment.minimumHealthyPercent}, so a deploy could never start a new task`,
        `more than ${service.deployment.minimumHealthyPercent}`,
        "use 200 with minimumHealthyPercent 100",
      ),
    );
  }
  for (const issue of deploymentProblems(service.deployment, service.public !== undefined)) {
    problem(["deployment", ...issue.path], issue.value, issue.message);
  }
  if (
    service.public &&
    service.deployment.strategy !== "rolling" &&
    service.autoscaling.requestsPerTarget !== undefined
  ) {
    problem(
      ["autoscaling", "requestsPerTarget"],
      service.autoscaling.requestsPerTarget,
      explain(
        `scales on one target group's request count, and with strategy "${service.deployment.strategy}" every deployment moves the traffic to the other group (half the time the service would count no requests and scale in under full load)`,
        'requestsPerTarget only with deployment.strategy "rolling"',
        "remove it (CPU target tracking stays), or deploy by rolling",
      ),
    );
  }
  const health = service.public?.healthCheck;
  if (health && health.timeoutSeconds >= health.intervalSeconds) {
    problem(
      ["public", "healthCheck", "timeoutSeconds"],
      health.timeoutSeconds,
      explain(
        `is not below intervalSeconds ${health.intervalSeconds}`,
        `less than ${health.intervalSeconds}`,
        "the load balancer requires a timeout shorter than the interval",
      ),
    );
  }
  if (!service.public && service.autoscaling.requestsPerTarget !== undefined) {
    problem(
      ["autoscaling", "requestsPerTarget"],
      service.autoscaling.requestsPerTarget,
      explain(
        "needs the load balancer's request count, and this service is not public",
        "no requestsPerTarget on a service without `public`",
        "remove it (a queue consumer scales on autoscaling.backlogPerTask)",
      ),
    );
  }
  if (service.public?.containerPort === DATABASE_PORT) {
    problem(
      ["public", "containerPort"],
      service.public.containerPort,
      explain(
        "is the database's port, so the network rules for the two could not be told apart",
        `any unprivileged port but ${DATABASE_PORT}, below 32768`,
        "use 8080",
      ),
    );
  }
}

export type DeploymentSettings = ServiceSettings["deployment"];

/**
 * What is wrong with a service's `deployment`, field by field (paths below `deployment`):
 * a strategy other than `rolling` needs a load balancer to shift traffic on, and the
 * strategy-specific settings belong to their strategy only.
 */
export function deploymentProblems(
  deployment: DeploymentSettings,
  isPublic: boolean,
): { path: string[]; value: unknown; message: string }[] {
  const problems: { path: string[]; value: unknown; message: string }[] = [];
  const { strategy } = deployment;
  if (strategy !== "rolling" && !isPublic) {
    problems.push({
      path: ["strategy"],
      value: strategy,
      message: explain(
        `needs a load balancer to shift traffic between two target groups, and this service is not public (a worker)`,
        '"rolling" for a service without `public`',
        'set deployment.strategy to "rolling" (or remove it), or make the service public',
      ),
    });
  }
  if (strategy === "rolling" && deployment.bakeTimeMinutes !== undefined) {
    problems.push({
      path: ["bakeTimeMinutes"],
      value: deployment.bakeTimeMinutes,
      message: explain(
        'is a setting of the blueGreen, canary and linear strategies, and the strategy is "rolling"',
        'no bakeTimeMinutes with strategy "rolling"',
        'remove it, or set deployment.strategy to "blueGreen", "canary" or "linear"',
      ),
    });
  }
  for (const own of ["canary", "linear"] as const) {
    if (deployment[own] !== undefined && strategy !== own) {
      problems.push({
        path: [own],
        value: deployment[own],
        message: explain(
          `is a setting of the ${own} strategy, and the strategy is "${strategy}"`,
          `deployment.${own} only with strategy "${own}"`,
          `remove deployment.${own}, or set deployment.strategy to "${own}"`,
        ),
      });
    }
  }
  return problems;
}

/** A deployment as ECS runs it: the strategy with every default filled in. */
export type DeploymentPlan =
  | { readonly strategy: "rolling" }
  | {
      readonly strategy: "blueGreen";
      readonly bakeTimeMinutes: number;
    }
  | {
      readonly strategy: "canary";
      readonly bakeTimeMinutes: number;
      readonly canary: { readonly percent: number; readonly intervalMinutes: number };
    }
  | {
      readonly strategy: "linear";
      readonly bakeTimeMinutes: number;
      readonly linear: { readonly stepPercent: number; readonly intervalMinutes: number };
    };

/** The deployment `settings` ask for, defaults filled in (the settings passed `deploymentProblems`). */
export function deploymentPlan(settings: DeploymentSettings): DeploymentPlan {
  const bakeTimeMinutes = settings.bakeTimeMinutes ?? DEFAULT_BAKE_TIME_MINUTES;
  switch (settings.strategy) {
    case "rolling":
      return { strategy: "rolling" };
    case "blueGreen":
      return { strategy: "blueGreen", bakeTimeMinutes };
    case "canary":
      return {
        strategy: "canary",
        bakeTimeMinutes,
        canary: settings.canary ?? DEFAULT_CANARY,
      };
    case "linear":
      return {
        strategy: "linear",
        bakeTimeMinutes,
        linear: settings.linear ?? DEFAULT_LINEAR,
      };
  }
}
