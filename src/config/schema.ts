/**
 * The configuration schema: every setting a user may change, with its default, its unit and
 * what it costs or protects. Parsed once, at the edge (`load.ts`); everything downstream gets
 * the parsed, defaulted, cross-checked `EnvironmentConfig` / `ProjectConfig`.
 */
import { z } from "zod";
import { describeMemoryValues, FARGATE_CPU_UNITS, validMemoryFor } from "../lib/fargate";
import { MAX_AZ_COUNT, planSubnets, SubnetPlanError } from "../lib/subnet-plan";
import {
  accountIds,
  AWS_REGION_PATTERN,
  explain,
  integerBetween,
  region,
  retentionDays,
  tags,
  vpcCidr,
} from "./rules";

/**
 * What an environment protects. `production` turns on every protection (TLS, deletion protection,
 * Multi-AZ, alarm recipients, retention minimums: `src/config/tier.ts`); `non-production` lets an
 * environment be cheap and torn down. Policy follows the tier, never the environment's name.
 */
export const TIERS = ["production", "non-production"] as const;
export type Tier = (typeof TIERS)[number];

/** NAT gateway modes; see `Network` for what each costs. */
export const NAT_MODES = ["none", "single", "perAz"] as const;
export type NatMode = (typeof NAT_MODES)[number];

const subnetPrefixLength = (tier: string) =>
  integerBetween(
    16,
    28,
    `AWS subnets are /16 to /28; set network.subnetPrefixLengths.${tier} inside that range`,
  );

export const NetworkSchema = z.strictObject({
  /**
   * The VPC's IPv4 range. Give each environment its own so they can be peered later.
   * @default "10.0.0.0/16"
   */
  cidr: vpcCidr.default("10.0.0.0/16"),
  /**
   * How many AZs carry a subnet of each tier. 3 survives the loss of an AZ with capacity to spare;
   * with NAT `perAz` each extra AZ adds a NAT gateway.
   * @default 2
   */
  azCount: z
    .literal(
      [2, 3],
      explain(
        "is not a supported AZ count",
        "2 or 3",
        "set network.azCount to 2 (cheaper) or 3 (more resilient)",
      ),
    )
    .default(2),
  /**
   * The AZ names to use, `azCount` of them, all in the environment's region.
   * @default - the region's `a`, `b` (and `c`) zones
   */
  availabilityZones: z
    .array(
      z
        .string()
        .regex(
          /^[a-z]{2}-[a-z]+-\d[a-z]$/,
          explain(
            "is not an AZ name",
            "a zone name such as eu-west-1a",
            "use the zone name, not its id",
          ),
        ),
    )
    .optional(),
  /**
   * NAT gateways for the private subnets' egress to the internet:
   * - `none`: no NAT; the private subnets reach AWS only through VPC endpoints (created for you);
   * - `single`: one NAT in the first AZ; if that AZ fails, private egress fails everywhere;
   * - `perAz`: one NAT per AZ, the production choice.
   * @default "single"
   */
  natGateways: z
    .enum(
      NAT_MODES,
      explain(
        "is not a NAT mode",
        NAT_MODES.map((m) => `"${m}"`).join(", "),
        'use "perAz" for prod, "single" or "none" to save cost',
      ),
    )
    .default("single"),
  /**
   * The prefix length of each tier's subnets. Private subnets hold one ENI per Fargate task,
   * so they are the largest.
   * @default { private: 20, public: 24, isolated: 24 }
   */
  subnetPrefixLengths: z
    .strictObject({
      private: subnetPrefixLength("private").default(20),
      public: subnetPrefixLength("public").default(24),
      isolated: subnetPrefixLength("isolated").default(24),
    })
    .prefault({}),
  flowLogs: z
    .strictObject({
      /**
       * Days CloudWatch keeps VPC flow logs.
       * @default 30
       */
      retentionDays: retentionDays.default(30),
      /**
       * Which traffic is logged. `REJECT` is cheaper and still shows blocked flows.
       * @default "ALL"
       */
      trafficType: z
        .enum(
          ["ALL", "ACCEPT", "REJECT"],
          explain("is not a flow log traffic type", '"ALL", "ACCEPT" or "REJECT"', 'use "ALL"'),
        )
        .default("ALL"),
      /**
       * Seconds over which flows are aggregated into one record: 60 or 600.
       * @default 600
       */
      maxAggregationIntervalSeconds: z
        .literal(
          [60, 600],
          explain("is not an aggregation interval", "60 or 600", "use 600 (cheaper) or 60 (finer)"),
        )
        .default(600),
    })
    .prefault({}),
});

const seconds = (min: number, max: number, field: string) =>
  integerBetween(min, max, `set ${field} in seconds within that range`);

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

export const LoadBalancerSchema = z.strictObject({
  /**
   * HTTPS. Required in prod; without it staging serves plain HTTP (with a warning at synth).
   * @default - no TLS
   */
  tls: z
    .strictObject({
      /** The name clients use, e.g. `app.example.com`. */
      domainName: z
        .string()
        .regex(
          /^(?=.{1,253}$)([a-z0-9]([a-z0-9-]{0,61}[a-z0-9])?\.)+[a-z]{2,63}$/,
          explain(
            "is not a domain name",
            "a lower-case DNS name such as app.example.com",
            "fix the name",
          ),
        ),
      /**
       * The Route 53 public hosted zone of the domain: the certificate is validated by DNS there,
       * and an alias record points the domain at the load balancer.
       * @default - no DNS records are managed; `certificateArn` is required
       */
      hostedZoneId: z
        .string()
        .regex(
          /^Z[A-Z0-9]{1,32}$/,
          explain(
            "is not a hosted zone id",
            "Z followed by letters and digits",
            "copy it from Route 53",
          ),
        )
        .optional(),
      /**
       * An existing ACM certificate for the domain, in the environment's region.
       * @default - a new certificate validated through `hostedZoneId`
       */
      certificateArn: z
        .string()
        .regex(
          /^arn:aws:acm:[a-z0-9-]+:\d{12}:certificate\/[0-9a-f-]{36}$/,
          explain(
            "is not an ACM certificate ARN",
            "arn:aws:acm:<region>:<account>:certificate/<uuid>",
            "copy it from ACM",
          ),
        )
        .optional(),
    })
    .refine((tls) => tls.hostedZoneId !== undefined || tls.certificateArn !== undefined, {
      path: ["hostedZoneId"],
      error: explain(
        "is missing, and so is certificateArn",
        "a hostedZoneId (a certificate is issued and validated in it), a certificateArn, or both",
        "set loadBalancer.tls.hostedZoneId to the domain's Route 53 zone",
      ),
    })
    .optional(),
  /**
   * Seconds an idle client connection stays open. The service's keep-alive timeout must be longer.
   * @default 60
   */
  idleTimeoutSeconds: seconds(1, 4000, "loadBalancer.idleTimeoutSeconds").default(60),
  /**
   * Refuse to delete the load balancer (and with it the environment's address).
   * @default true
   */
  deletionProtection: z.boolean().default(true),
  /**
   * Days access logs are kept in their bucket.
   * @default 90
   */
  accessLogRetentionDays: integerBetween(1, 3650, "set the days to keep access logs").default(90),
  /**
   * A WAFv2 web ACL: AWS's common and known-bad-inputs rule groups and a per-IP rate limit.
   * Costs ~$5 per ACL, $1 per rule and $0.60 per million requests a month.
   * @default - none
   */
  waf: z
    .strictObject({
      enabled: z.boolean(),
      /** Requests per client IP per 5 minutes before it is blocked. @default 2000 */
      rateLimitPer5Minutes: integerBetween(10, 2_000_000_000, "AWS allows 10 or more").default(
        2000,
      ),
    })
    .optional(),
});

export const DatabaseSchema = z.strictObject({
  /**
   * PostgreSQL major version. Minor versions upgrade automatically in the maintenance window;
   * a major upgrade is a deliberate change of this value.
   * @default "16"
   */
  engineVersion: z
    .enum(
      ["14", "15", "16", "17"],
      explain(
        "is not a supported PostgreSQL major version",
        '"14", "15", "16" or "17"',
        'use "16"',
      ),
    )
    .default("16"),
  /**
   * @default "db.t4g.micro" - 2 vCPU burstable, 1 GiB; fine for staging, small for prod
   */
  instanceClass: z
    .string()
    .regex(
      /^db\.[a-z0-9]+\.[a-z0-9]+$/,
      explain(
        "is not an RDS instance class",
        "e.g. db.t4g.micro or db.m7g.large",
        "copy it from the RDS pricing page",
      ),
    )
    .default("db.t4g.micro"),
  /** @default 20 */
  allocatedStorageGiB: integerBetween(20, 65536, "gp3 needs at least 20 GiB").default(20),
  /**
   * Storage autoscaling grows up to this; it never shrinks.
   * @default 100
   */
  maxAllocatedStorageGiB: integerBetween(
    20,
    65536,
    "set the storage autoscaling ceiling in GiB",
  ).default(100),
  /**
   * A synchronous standby in another AZ with automatic failover (~60-120 s). Doubles the instance cost.
   * @default false
   */
  multiAz: z.boolean().default(false),
  /**
   * Days of automated backups, which is also the point-in-time-recovery window.
   * @default 7
   */
  backupRetentionDays: integerBetween(1, 35, "RDS keeps 1 to 35 days of automated backups").default(
    7,
  ),
  /** UTC, at least 30 minutes, not overlapping the maintenance window. @default "02:00-03:00" */
  backupWindow: z
    .string()
    .regex(
      /^([01]\d|2[0-3]):[0-5]\d-([01]\d|2[0-3]):[0-5]\d$/,
      explain("is not a window", "hh:mm-hh:mm in UTC", 'use e.g. "02:00-03:00"'),
    )
    .default("02:00-03:00"),
  /** UTC. @default "sun:03:30-sun:04:30" */
  maintenanceWindow: z
    .string()
    .regex(
      /^(mon|tue|wed|thu|fri|sat|sun):([01]\d|2[0-3]):[0-5]\d-(mon|tue|wed|thu|fri|sat|sun):([01]\d|2[0-3]):[0-5]\d$/,
      explain(
        "is not a maintenance window",
        "ddd:hh:mm-ddd:hh:mm in UTC",
        'use e.g. "sun:03:30-sun:04:30"',
      ),
    )
    .default("sun:03:30-sun:04:30"),
  /**
   * Refuse deletion (RDS deletion protection and Terraform `prevent_destroy`).
   * @default true
   */
  deletionProtection: z.boolean().default(true),
  /** @default "app" */
  databaseName: z
    .string()
    .regex(
      /^[a-z][a-z0-9_]{0,62}$/,
      explain("is not a database name", "a-z, 0-9 and _, starting with a letter", 'use "app"'),
    )
    .default("app"),
  /** The master user; its password is generated and kept in Secrets Manager by RDS. @default "app_admin" */
  masterUsername: z
    .string()
    .regex(
      /^[a-z][a-z0-9_]{0,15}$/,
      explain("is not a username", "1 to 16 characters of a-z, 0-9 and _", 'use "app_admin"'),
    )
    .refine((name) => !["admin", "postgres", "rdsadmin"].includes(name), {
      error: explain("is reserved by RDS", "any other name", 'use "app_admin"'),
    })
    .default("app_admin"),
  /** Days Performance Insights keeps its data: 7 is free. @default 7 */
  performanceInsightsRetentionDays: z
    .literal(
      [7, 31, 93, 186, 372, 731],
      explain(
        "is not a retention Performance Insights offers",
        "7 (free), 31, 93, 186, 372 or 731",
        "use 7",
      ),
    )
    .default(7),
  /** Enhanced monitoring resolution. @default 60 */
  monitoringIntervalSeconds: z
    .literal(
      [0, 1, 5, 10, 15, 30, 60],
      explain("is not a monitoring interval", "0 (off), 1, 5, 10, 15, 30 or 60", "use 60"),
    )
    .default(60),
});

const attributeName = z
  .string()
  .regex(
    /^[A-Za-z0-9_.-]{1,255}$/,
    explain("is not an attribute name", "1 to 255 of A-Z, a-z, 0-9, _ . -", 'use e.g. "pk"'),
  );
const keyAttribute = z.strictObject({
  name: attributeName,
  type: z
    .enum(["S", "N", "B"], explain("is not a key type", '"S", "N" or "B"', 'use "S"'))
    .default("S"),
});

export const KeyValueStoreSchema = z.strictObject({
  /** @default { name: "pk", type: "S" } */
  partitionKey: keyAttribute.default({ name: "pk", type: "S" }),
  /** @default { name: "sk", type: "S" } */
  sortKey: keyAttribute.default({ name: "sk", type: "S" }),
  /**
   * The attribute holding an item's expiry (epoch seconds); DynamoDB deletes expired items.
   * @default "expiresAt"
   */
  ttlAttribute: attributeName.default("expiresAt"),
  /** Refuse deletion (DynamoDB deletion protection and `prevent_destroy`). @default true */
  deletionProtection: z.boolean().default(true),
});

export const MessagingSchema = z.strictObject({
  /**
   * Receives before a message moves to the dead-letter queue.
   * @default 5
   */
  maxReceiveCount: integerBetween(
    1,
    1000,
    "3 to 10 separates poison messages from transient failures",
  ).default(5),
  /**
   * Seconds a received message is hidden from other consumers; longer than the slowest handling.
   * @default 30
   */
  visibilityTimeoutSeconds: integerBetween(
    0,
    43200,
    "set it above the slowest message handling",
  ).default(30),
  /**
   * Seconds the main queue keeps a message (the dead-letter queue always keeps 14 days).
   * @default 345600 (4 days)
   */
  messageRetentionSeconds: integerBetween(
    60,
    1209600,
    "SQS keeps messages 60 s to 14 days",
  ).default(345600),
});

const threshold = (min: number, max: number, fix: string) =>
  z
    .number()
    .min(min, explain("is too low", `${min} to ${max}`, fix))
    .max(max, explain("is too high", `${min} to ${max}`, fix));
const minutes = (field: string) => integerBetween(1, 1440, `set ${field} in minutes`);

/** Alarm thresholds and durations; the defaults are the values of the seed's alarm table. */
export const AlarmsSchema = z.strictObject({
  /** ALB target 5xx responses per minute. @default 50 for 1 minute */
  target5xxPerMinute: threshold(1, 1_000_000, "set the 5xx count per minute").default(50),
  target5xxMinutes: minutes("target5xxMinutes").default(1),
  /** p99 of target response time, seconds. @default 1 for 2 minutes */
  latencyP99Seconds: threshold(0.01, 60, "set the p99 latency in seconds").default(1),
  latencyMinutes: minutes("latencyMinutes").default(2),
  /** Alarm when fewer tasks run than the autoscaling minimum, for this many minutes. @default 1 */
  runningTasksMinutes: minutes("runningTasksMinutes").default(1),
  /** @default 85 for 3 minutes */
  memoryPercent: threshold(1, 100, "set a percentage").default(85),
  memoryMinutes: minutes("memoryMinutes").default(3),
  /** @default 85 for 5 minutes */
  cpuPercent: threshold(1, 100, "set a percentage").default(85),
  cpuMinutes: minutes("cpuMinutes").default(5),
  /** Unhealthy targets at or above this, for this many minutes. @default 1 for 1 minute */
  unhealthyHosts: integerBetween(1, 1000, "set a count of targets").default(1),
  unhealthyMinutes: minutes("unhealthyMinutes").default(1),
  /** 5xx generated by the load balancer itself (no healthy target, timeouts) per minute. @default 10 */
  elb5xxPerMinute: threshold(1, 1_000_000, "set the count per minute").default(10),
  /** @default 80 for 5 minutes */
  databaseCpuPercent: threshold(1, 100, "set a percentage").default(80),
  databaseCpuMinutes: minutes("databaseCpuMinutes").default(5),
  /** Free storage below this share of the allocated storage. @default 10 */
  databaseFreeStoragePercent: threshold(1, 90, "set a percentage of allocated storage").default(10),
  /** @default 80 */
  databaseConnections: integerBetween(
    1,
    100_000,
    "set it below the instance class's max_connections",
  ).default(80),
  /** @default 100 for 10 minutes */
  queueVisibleMessages: integerBetween(1, 10_000_000, "set a message count").default(100),
  queueVisibleMinutes: minutes("queueVisibleMinutes").default(10),
  /** Age of the oldest message, seconds. @default 600 */
  queueOldestMessageSeconds: integerBetween(60, 1_209_600, "set the age in seconds").default(600),
  /** ERROR lines in the service's logs per 5 minutes. @default 10 */
  errorLogLinesPer5Minutes: integerBetween(1, 1_000_000, "set a line count").default(10),
});

export const MonitoringSchema = z.strictObject({
  /**
   * Addresses that receive every alarm and its all-clear. Each must confirm the subscription mail.
   * @default []
   */
  alarmEmails: z
    .array(z.email(explain("is not an email address", "name@example.com", "fix the address")))
    .default([]),
  /**
   * An HTTPS endpoint (chat or paging webhook) subscribed to the alerts topic.
   * @default - none
   */
  alarmWebhookUrl: z
    .url({
      protocol: /^https$/,
      error: explain("is not an HTTPS URL", "https://...", "use the webhook's HTTPS URL"),
    })
    .optional(),
  alarms: AlarmsSchema.prefault({}),
});

/** Settings of the synth-time guardrails (src/rules/). */
export const GuardrailsSchema = z.strictObject({
  /**
   * Task memory below this is a warning: Node.js with a connection pool was OOM-killed at 512 MiB
   * (seed 000).
   * @default 1024
   */
  memoryHeadroomMiB: integerBetween(
    128,
    122880,
    "set the memory the runtime needs, in MiB",
  ).default(1024),
  /**
   * Seconds a new task takes to pull its image and start listening, for the deploy-time estimate.
   * @default 60
   */
  taskStartSeconds: integerBetween(1, 900, "measure a task start and round up").default(60),
  /**
   * The longest a worst-case rolling deployment may take, in seconds.
   * @default 900
   */
  deployBudgetSeconds: integerBetween(
    60,
    7200,
    "set the longest acceptable deploy in seconds",
  ).default(900),
});

const roleName = z
  .string()
  .regex(
    /^[\w+=,.@-]{1,64}$/,
    explain(
      "is not an IAM role name",
      "1 to 64 characters of letters, digits and + = , . @ _ -",
      'use the role\'s name, not its ARN, e.g. "OrganizationAccountAccessRole"',
    ),
  );

/**
 * An exact name: a wildcard gets its own error (what it would open up), anything else that does not
 * match `pattern` gets `invalid`.
 */
const exactName = (what: string, pattern: RegExp, invalid: string) =>
  z.string().superRefine((value, ctx) => {
    if (/[*?[\]]/.test(value)) {
      ctx.addIssue({
        code: "custom",
        message: explain(
          `is not an exact ${what}`,
          `the ${what} itself: no *, ? or other wildcard`,
          "name it exactly; a wildcard would let workflows of other repositories or branches assume the CI roles",
        ),
      });
    } else if (!pattern.test(value)) {
      ctx.addIssue({ code: "custom", message: invalid });
    }
  });

export const GitHubSchema = z.strictObject({
  owner: exactName(
    "GitHub owner",
    /^[A-Za-z0-9](?:[A-Za-z0-9]|-(?=[A-Za-z0-9])){0,38}$/,
    explain(
      "is not a GitHub user or organization name",
      "1 to 39 letters, digits and single hyphens, not starting or ending with -",
      'use the owner part of github.com/<owner>/<repository>, e.g. "example-org"',
    ),
  ),
  repository: exactName(
    "GitHub repository",
    /^(?!\.\.?$)[A-Za-z0-9._-]{1,100}$/,
    explain(
      "is not a GitHub repository name",
      "1 to 100 letters, digits, ., _ and -",
      'use the repository part of github.com/<owner>/<repository>, e.g. "orbit"',
    ),
  ),
  /**
   * The branch whose pushes build, publish and deploy.
   * @default "main"
   */
  releaseBranch: exactName(
    "branch name",
    /^(?!\/|.*\/$|.*\.\.|.*\/\/)[A-Za-z0-9._/-]{1,100}$/,
    explain(
      "is not a usable branch name",
      "letters, digits, ., _, - and /, not starting or ending with /",
      'use "main"',
    ),
  ).default("main"),
});

export const EnvironmentSchema = z
  .strictObject({
    /** What the environment protects; see `TIERS`. Required: a deliberate choice per environment. */
    tier: z.enum(
      TIERS,
      explain(
        "is not a tier",
        TIERS.map((t) => `"${t}"`).join(" or "),
        'set tier: "production" for an environment customers use, "non-production" otherwise',
      ),
    ),
    /**
     * The AWS region of every resource of the environment. The image repository is replicated to
     * it when it differs from `project.region`.
     */
    region,
    /**
     * The only account(s) the environment's provider may act in (`allowed_account_ids`), so a plan
     * run with the wrong credentials fails before it reads anything.
     */
    allowedAccountIds: accountIds,
    /**
     * The GitHub environment whose jobs may deploy this environment: its deploy role trusts only
     * `repo:<owner>/<repository>:environment:<githubEnvironment>`. Give it required reviewers in
     * GitHub to make the deploy wait for a manual approval.
     * @default - the environment's name
     */
    githubEnvironment: exactName(
      "GitHub environment name",
      /^[A-Za-z0-9._-]{1,255}$/,
      explain(
        "is not a usable GitHub environment name",
        "1 to 255 letters, digits, ., _ and -",
        'use the name of the environment in the repository\'s settings, e.g. "production"',
      ),
    ).optional(),
    /**
     * Extra tags for every resource; `Project`, `Environment` and `ManagedBy` are always set.
     * @default {}
     */
    tags,
    network: NetworkSchema.prefault({}),
    service: ServiceSchema.prefault({}),
    loadBalancer: LoadBalancerSchema.prefault({}),
    database: DatabaseSchema.prefault({}),
    keyValueStore: KeyValueStoreSchema.prefault({}),
    messaging: MessagingSchema.prefault({}),
    monitoring: MonitoringSchema.prefault({}),
    guardrails: GuardrailsSchema.prefault({}),
  })
  .superRefine((env, ctx) => {
    const { network } = env;
    const zones = network.availabilityZones ?? defaultZones(env.region, network.azCount);
    if (network.availabilityZones) {
      if (zones.length !== network.azCount) {
        ctx.addIssue({
          code: "custom",
          path: ["network", "availabilityZones"],
          input: zones,
          message: explain(
            `names ${zones.length} zones but network.azCount is ${network.azCount}`,
            `exactly ${network.azCount} distinct zones of ${env.region}`,
            "make the list as long as azCount, or drop it to use the region's a/b/c zones",
          ),
        });
      }
      zones.forEach((zone, i) => {
        if (!zone.startsWith(env.region) || zone.length !== env.region.length + 1) {
          ctx.addIssue({
            code: "custom",
            path: ["network", "availabilityZones", i],
            input: zone,
            message: explain(
              `is not a zone of the environment's region ${env.region}`,
              `${env.region} followed by one letter, e.g. ${env.region}a`,
              "fix the zone name or the region",
            ),
          });
        } else if (zones.indexOf(zone) !== i) {
          ctx.addIssue({
            code: "custom",
            path: ["network", "availabilityZones", i],
            input: zone,
            message: explain("is listed twice", "distinct zones", "remove the duplicate"),
          });
        }
      });
    }
    checkService(env.service, ctx);
    if (env.database.maxAllocatedStorageGiB < env.database.allocatedStorageGiB) {
      ctx.addIssue({
        code: "custom",
        path: ["database", "maxAllocatedStorageGiB"],
        input: env.database.maxAllocatedStorageGiB,
        message: explain(
          `is below allocatedStorageGiB ${env.database.allocatedStorageGiB}`,
          `at least ${env.database.allocatedStorageGiB}`,
          "raise the ceiling or lower the initial size",
        ),
      });
    }
    if (!AWS_REGION_PATTERN.test(env.region) || zones.length > MAX_AZ_COUNT) return;
    try {
      planSubnets({
        vpcCidr: network.cidr,
        availabilityZones: zones,
        prefixLengths: network.subnetPrefixLengths,
      });
    } catch (error) {
      if (!(error instanceof SubnetPlanError)) throw error;
      // An unparsable CIDR is already reported by the field's own check.
      if (error.field === "cidr") return;
      ctx.addIssue({
        code: "custom",
        path: ["network", error.field],
        input: network.subnetPrefixLengths,
        message: error.message,
      });
    }
  })
  .transform((env) => ({
    ...env,
    network: {
      ...env.network,
      availabilityZones:
        env.network.availabilityZones ?? defaultZones(env.region, env.network.azCount),
    },
  }));

/** Rules across the service's fields; each names the field to change. */
function checkService(service: z.output<typeof ServiceSchema>, ctx: z.RefinementCtx): void {
  const problem = (path: (string | number)[], input: unknown, message: string) =>
    ctx.addIssue({ code: "custom", path: ["service", ...path], input, message });

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

/** The `a`, `b`, `c` zones of a region, the zones every commercial region has. */
export function defaultZones(regionName: string, count: number): string[] {
  return ["a", "b", "c"].slice(0, count).map((letter) => `${regionName}${letter}`);
}

export const ProjectSchema = z.strictObject({
  /**
   * Prefix of every resource name, e.g. `<name>-prod-alb`. Short, because AWS caps load balancer
   * and target group names at 32 characters.
   */
  name: z
    .string()
    .regex(
      /^[a-z][a-z0-9-]{1,10}[a-z0-9]$/,
      explain(
        "is not a valid project name",
        "3 to 12 characters of a-z, 0-9 and -, starting with a letter and not ending with -",
        'use a short lower-case name such as "orbit"',
      ),
    ),
  /**
   * Region of the `state` and `shared` stacks and of the image repository; environments elsewhere
   * pull from a replica in their own region.
   */
  region,
  /** The account of the `state` and `shared` stacks (and of the image repository). */
  sharedAccountIds: accountIds,
  tags,
  /** The repository whose GitHub Actions workflows may assume the CI roles. */
  github: GitHubSchema,
  /**
   * A role in every environment account other than the shared one that the `shared` stack assumes
   * to create the CI identity there (the OIDC provider, plan and deploy roles, the boundary).
   * AWS Organizations creates `OrganizationAccountAccessRole` in every account it creates.
   * @default "OrganizationAccountAccessRole"
   */
  accountAccessRoleName: roleName.default("OrganizationAccountAccessRole"),
});

export type EnvironmentInput = z.input<typeof EnvironmentSchema>;
export type EnvironmentSettings = z.output<typeof EnvironmentSchema>;
export type ProjectInput = z.input<typeof ProjectSchema>;
export type ProjectConfig = z.output<typeof ProjectSchema>;

/** An environment's settings with the project-wide values it inherits. */
export interface EnvironmentConfig extends EnvironmentSettings {
  /** The file name under `src/config/environments/`, which is also the stack's name. */
  readonly name: string;
  readonly project: ProjectConfig;
}

export interface PlatformConfig {
  readonly project: ProjectConfig;
  /** Accepted but questionable settings, printed at synth. */
  readonly warnings: readonly string[];
  /** Every environment by name, in release order: non-production first, then by name. */
  readonly environments: Readonly<Record<string, EnvironmentConfig>>;
}

/** The environments in release order: every non-production one first, then by name. */
export function environmentList(config: PlatformConfig): EnvironmentConfig[] {
  return Object.values(config.environments);
}

/** Every account the environments run in (in `region`, when given), once each. */
export function environmentAccounts(config: PlatformConfig, region?: string): string[] {
  const envs = Object.values(config.environments).filter(
    (env) => region === undefined || env.region === region,
  );
  return [...new Set(envs.flatMap((env) => env.allowedAccountIds))];
}
