/** Settings of a Fargate service (`FargateService`): size, port, scaling, deployment, health check. */
import { z } from "zod";
import { describeMemoryValues, FARGATE_CPU_UNITS, validMemoryFor } from "../lib/fargate";
import {
  explain,
  integerBetween,
  retentionDays,
  seconds,
} from "../config/fields";

export const ServiceSchema = z.strictObject({
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
    "set service.desiredCount between the autoscaling bounds",
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
      /** @default 300 */
      scaleInCooldownSeconds: seconds(
        0,
        3600,
        "service.autoscaling.scaleInCooldownSeconds",
      ).default(300),
      /** @default 60 */
      scaleOutCooldownSeconds: seconds(
        0,
        3600,
        "service.autoscaling.scaleOutCooldownSeconds",
      ).default(60),
    })
    .prefault({}),
  deployment: z
    .strictObject({
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
        "service.deployment.healthCheckGracePeriodSeconds",
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
  healthCheck: z
    .strictObject({
      /**
       * The load balancer's health check path: liveness, answered without the database.
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
      intervalSeconds: seconds(5, 300, "service.healthCheck.intervalSeconds").default(10),
      /** @default 5 */
      timeoutSeconds: seconds(2, 120, "service.healthCheck.timeoutSeconds").default(5),
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
  deregistrationDelaySeconds: seconds(0, 3600, "service.deregistrationDelaySeconds").default(30),
  /**
   * Seconds between SIGTERM and SIGKILL. The service must drain within it (its own shutdown
   * timeout is shorter).
   * @default 30
   */
  stopTimeoutSeconds: seconds(
    2,
    120,
    "service.stopTimeoutSeconds (Fargate allows up to 120)",
  ).default(30),
  /**
   * Days the service's logs are kept in CloudWatch.
   * @default 30
   */
  logRetentionDays: retentionDays.default(30),
});

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
        `use one of those, or change service.cpu`,
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
        `${minCount} to ${maxCount} (service.autoscaling.minCount..maxCount)`,
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
  if (service.healthCheck.timeoutSeconds >= service.healthCheck.intervalSeconds) {
    problem(
      ["healthCheck", "timeoutSeconds"],
      service.healthCheck.timeoutSeconds,
      explain(
        `is not below intervalSeconds ${service.healthCheck.intervalSeconds}`,
        `less than ${service.healthCheck.intervalSeconds}`,
        "the load balancer requires a timeout shorter than the interval",
      ),
    );
  }
}
