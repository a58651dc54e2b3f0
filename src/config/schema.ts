/**
 * The configuration schema: every setting a user may change, with its default, its unit and
 * what it costs or protects. Parsed once, at the edge (`load.ts`); everything downstream gets
 * the parsed, defaulted, cross-checked `EnvironmentConfig` / `ProjectConfig`.
 */
import { z } from "zod";
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

export const ENVIRONMENT_NAMES = ["staging", "prod"] as const;
export type EnvironmentName = (typeof ENVIRONMENT_NAMES)[number];

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
    .default({ private: 20, public: 24, isolated: 24 }),
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
    .default({ retentionDays: 30, trafficType: "ALL", maxAggregationIntervalSeconds: 600 }),
});

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
});

export const EnvironmentSchema = z
  .strictObject({
    /** The AWS region of every resource of the environment. */
    region,
    /**
     * The only account(s) the environment's provider may act in (`allowed_account_ids`), so a plan
     * run with the wrong credentials fails before it reads anything.
     */
    allowedAccountIds: accountIds,
    /**
     * Extra tags for every resource; `Project`, `Environment` and `ManagedBy` are always set.
     * @default {}
     */
    tags,
    network: NetworkSchema.default(NetworkSchema.parse({})),
    service: ServiceSchema.default(ServiceSchema.parse({})),
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
  /** Region of the `shared` stack (ECR, CI roles); the environments must use it too. */
  region,
  /** The account(s) of the `state` and `shared` stacks. */
  sharedAccountIds: accountIds,
  tags,
});

export type EnvironmentInput = z.input<typeof EnvironmentSchema>;
export type EnvironmentSettings = z.output<typeof EnvironmentSchema>;
export type ProjectInput = z.input<typeof ProjectSchema>;
export type ProjectConfig = z.output<typeof ProjectSchema>;

/** An environment's settings with the project-wide values it inherits. */
export interface EnvironmentConfig extends EnvironmentSettings {
  readonly name: EnvironmentName;
  readonly project: ProjectConfig;
}

export interface PlatformConfig {
  readonly project: ProjectConfig;
  readonly environments: Readonly<Record<EnvironmentName, EnvironmentConfig>>;
}
