/** Settings of the network (`Network`): VPC range, AZs, NAT, subnet sizes, flow logs. */
import { z } from "zod";
import { explain, integerBetween, retentionDays, vpcCidr } from "../config/fields";

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
