/**
 * The configuration schema: every setting a user may change, with its default, its unit and
 * what it costs or protects. Parsed once, at the edge (`load.ts`); everything downstream gets
 * the parsed, defaulted, cross-checked `EnvironmentConfig` / `ProjectConfig`.
 */
import { z } from "zod";
import { GitHubSchema, roleName } from "../ci-identity/settings";
import { checkDatabase, DatabaseSchema } from "../database/settings";
import { KeyValueStoreSchema } from "../key-value-store/settings";
import { MAX_AZ_COUNT, planSubnets, SubnetPlanError } from "../lib/subnet-plan";
import { LoadBalancerSchema } from "../load-balancer/settings";
import { MessagingSchema } from "../messaging/settings";
import { MonitoringSchema } from "../monitoring/settings";
import { NetworkSchema } from "../network/settings";
import { GuardrailsSchema } from "../rules/settings";
import { checkService, ServiceSchema } from "../service/settings";
import { accountIds, AWS_REGION_PATTERN, exactName, explain, region, tags } from "./fields";

/**
 * What an environment protects. `production` turns on every protection (TLS, deletion protection,
 * Multi-AZ, alarm recipients, retention minimums: `src/config/tier.ts`); `non-production` lets an
 * environment be cheap and torn down. Policy follows the tier, never the environment's name.
 */
export const TIERS = ["production", "non-production"] as const;
export type Tier = (typeof TIERS)[number];

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
    checkService(env.service, ctx, ["service"]);
    checkDatabase(env.database, ctx, ["database"]);
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
