/**
 * The configuration schema: every setting a user may change, with its default, its unit and
 * what it costs or protects. Parsed once, at the edge (`load.ts`); everything downstream gets
 * the parsed, defaulted, cross-checked `EnvironmentConfig` / `ProjectConfig`.
 */
import { z } from "zod";
import { GitHubSchema, roleArn, roleName } from "../ci-identity/settings";
import { CostSchema } from "../cost/settings";
import { checkDatabase, DatabaseSchema } from "../database/settings";
import { TableSchema } from "../key-value-store/settings";
import { MAX_AZ_COUNT, planSubnets, SubnetPlanError } from "../lib/subnet-plan";
import { LoadBalancerSchema } from "../load-balancer/settings";
import { QueueSchema, TopicSchema } from "../messaging/settings";
import { MonitoringSchema } from "../monitoring/settings";
import { NetworkSchema } from "../network/settings";
import { GuardrailsSchema } from "../rules/settings";
import { checkService, rulePriority, ServiceSchema } from "../service/settings";
import {
  accountIds,
  AWS_REGION_PATTERN,
  dataName,
  exactName,
  explain,
  region,
  serviceName,
  tags,
} from "./fields";

/**
 * What an environment protects. `production` turns on every protection (TLS, deletion protection,
 * Multi-AZ, alarm recipients, retention minimums: `src/config/tier.ts`); `non-production` lets an
 * environment be cheap and torn down. Policy follows the tier, never the environment's name.
 */
export const TIERS = ["production", "non-production"] as const;
export type Tier = (typeof TIERS)[number];

const EnvironmentObject = z.strictObject({
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

  loadBalancer: LoadBalancerSchema.prefault({}),
  /**
   * The environment's PostgreSQL database, reachable only by services that declare
   * `uses.database`.
   * @default - no database
   */
  database: DatabaseSchema.optional(),
  /** DynamoDB tables by name. @default {} */
  tables: z.record(dataName("table"), TableSchema).default({}),
  /** SNS topics by name. @default {} */
  topics: z.record(dataName("topic"), TopicSchema).default({}),
  /** SQS queues (each with its dead-letter queue) by name. @default {} */
  queues: z.record(dataName("queue"), QueueSchema).default({}),
  /**
   * The services by name, each with what it `uses`: everything they may reach and do derives
   * from these declarations. At least one.
   */
  services: z
    .record(serviceName, ServiceSchema)
    .refine((services) => Object.keys(services).length > 0, {
      error: explain(
        "is empty",
        "at least one service",
        "declare one, e.g. services: { api: { public: {} } }",
      ),
    }),
  monitoring: MonitoringSchema.prefault({}),
  /**
   * What the environment may cost a month, and the usage its estimate assumes (`npm run cost`):
   * an AWS budget alerts at 80% forecast and 100% actual; synth compares the estimate with it.
   */
  cost: CostSchema,
  guardrails: GuardrailsSchema.prefault({}),
});

export const EnvironmentSchema = EnvironmentObject.superRefine((env, ctx) => {
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
  const certificate = env.loadBalancer.tls?.certificateArn?.split(":");
  if (certificate && certificate[3] !== env.region) {
    ctx.addIssue({
      code: "custom",
      path: ["loadBalancer", "tls", "certificateArn"],
      input: env.loadBalancer.tls?.certificateArn,
      message: explain(
        `is a certificate of ${certificate[3]}`,
        `a certificate of ${env.region}: a load balancer serves certificates of its own region only`,
        `request or import the certificate in ACM in ${env.region}, or use hostedZoneId to have one made`,
      ),
    });
  } else if (certificate && !env.allowedAccountIds.includes(certificate[4]!)) {
    ctx.addIssue({
      code: "custom",
      path: ["loadBalancer", "tls", "certificateArn"],
      input: env.loadBalancer.tls?.certificateArn,
      message: explain(
        `belongs to account ${certificate[4]}`,
        `a certificate of account ${env.allowedAccountIds.join(" or ")}: ACM certificates are not shared across accounts`,
        "request or import it in the environment's account",
      ),
    });
  }
  for (const [name, service] of Object.entries(env.services)) {
    checkService(service, ctx, ["services", name]);
  }
  if (env.database) checkDatabase(env.database, ctx, ["database"]);
  checkReferences(env, ctx);
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
}).transform((env) => ({
  ...env,
  network: {
    ...env.network,
    availabilityZones:
      env.network.availabilityZones ?? defaultZones(env.region, env.network.azCount),
  },
}));

type EnvironmentShape = z.output<typeof EnvironmentObject>;

/**
 * Every name a service `uses` or a queue `subscribesTo` exists in the environment; a queue
 * consumer that scales on backlog consumes exactly one queue; public services' listener rule
 * priorities are distinct.
 */
function checkReferences(env: EnvironmentShape, ctx: z.RefinementCtx): void {
  const missing = (path: (string | number)[], name: string, what: string, known: string[]) =>
    ctx.addIssue({
      code: "custom",
      path,
      input: name,
      message: explain(
        `refers to ${what} "${name}", which this environment does not declare`,
        known.length > 0
          ? `a ${what} of ${what}s: ${known.map((k) => `"${k}"`).join(", ")}`
          : `none: the environment declares no ${what}s`,
        `declare it under ${what}s, or fix the name`,
      ),
    });
  const names = {
    table: Object.keys(env.tables),
    queue: Object.keys(env.queues),
    topic: Object.keys(env.topics),
  };
  for (const [queue, settings] of Object.entries(env.queues)) {
    settings.subscribesTo.forEach((topic, i) => {
      if (!names.topic.includes(topic))
        missing(["queues", queue, "subscribesTo", i], topic, "topic", names.topic);
    });
  }
  const priorities = new Map<number, string>();
  const routesOf = new Map<string, string>();
  for (const [name, service] of Object.entries(env.services)) {
    const at = ["services", name, "uses"];
    if (service.uses.database && !env.database) {
      ctx.addIssue({
        code: "custom",
        path: [...at, "database"],
        input: true,
        message: explain(
          "asks for the database, and the environment declares none",
          "true only with a `database` section in the environment",
          "add database: {} to the environment, or drop uses.database",
        ),
      });
    }
    for (const kind of ["table", "queue", "topic"] as const) {
      for (const used of Object.keys(service.uses[`${kind}s`])) {
        if (!names[kind].includes(used))
          missing([...at, `${kind}s`, used], used, kind, names[kind]);
      }
    }
    const consumed = Object.entries(service.uses.queues).filter(([, a]) => a === "consume");
    if (service.autoscaling.backlogPerTask !== undefined && consumed.length !== 1) {
      ctx.addIssue({
        code: "custom",
        path: ["services", name, "autoscaling", "backlogPerTask"],
        input: service.autoscaling.backlogPerTask,
        message: explain(
          `needs exactly one queue the service consumes, and it consumes ${consumed.length}`,
          'one entry "consume" under uses.queues',
          "declare the queue it works off, or drop backlogPerTask",
        ),
      });
    }
    if (service.public) {
      const priority = rulePriority(name, service.public);
      const routes = JSON.stringify([service.public.paths, service.public.hosts ?? []]);
      const sameRoutes = [...routesOf.entries()].find(([, r]) => r === routes)?.[0];
      const samePriority = priorities.get(priority);
      if (samePriority || sameRoutes) {
        ctx.addIssue({
          code: "custom",
          path: ["services", name, "public", samePriority ? "priority" : "paths"],
          input: samePriority ? priority : service.public.paths,
          message: samePriority
            ? explain(
                `is also service ${samePriority}'s listener rule priority`,
                "a priority no other public service has",
                "set public.priority on one of them",
              )
            : explain(
                `(${JSON.stringify(service.public.paths)}, hosts ${JSON.stringify(service.public.hosts ?? "any")}) are service ${sameRoutes}'s too, so one of them would never get a request`,
                "paths or hosts of its own",
                'route each service its own paths (e.g. "/api/*") or hosts',
              ),
        });
      }
      priorities.set(priority, name);
      routesOf.set(name, routes);
    }
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
   * The role an administrator acts as in each account, with that account's own credentials, to
   * apply what CI never applies: `shared` in the shared account, `identity-<account>` in every
   * other account CI deploys to (and environments by hand). The state roles of the stacks of an
   * account trust this role of that account by name (`aws:PrincipalArn`). With AWS Organizations,
   * `OrganizationAccountAccessRole` (assumed from the management account); with IAM Identity
   * Center, a role you create for administrators (the generated `AWSReservedSSO_*` names change).
   * @default "OrganizationAccountAccessRole"
   */
  administratorRoleName: roleName.default("OrganizationAccountAccessRole"),
  /**
   * The one role besides the state roles that may read and write any state object, clear a lock
   * item, or change the state bucket's and lock table's policies (the bucket and table deny every
   * other principal): restore a state version, force-unlock, apply the `state` stack. In the
   * account of the state bucket (`backend.tf.json`'s `assume_role.role_arn`).
   * @default - the administrator role (`administratorRoleName`) of the shared account
   */
  stateBreakGlassRoleArn: roleArn.optional(),
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
