import { allocateBlocks, CidrAllocationError, formatCidr, parseCidr, type Cidr } from "./cidr";

/** The three subnet tiers of the traffic matrix, in allocation order. */
export const TIERS = ["private", "public", "isolated"] as const;
export type Tier = (typeof TIERS)[number];

/**
 * Address space is reserved for this many AZs in every tier, whatever `azCount` is, so that
 * growing from 2 to 3 AZs adds subnets without moving (and so replacing) the existing ones.
 */
export const MAX_AZ_COUNT = 3;

export interface SubnetPlanInput {
  readonly vpcCidr: string;
  /** Full AZ names, e.g. `eu-west-1a`; 2 or 3 of them. */
  readonly availabilityZones: readonly string[];
  readonly prefixLengths: Readonly<Record<Tier, number>>;
}

export interface PlannedSubnet {
  readonly tier: Tier;
  readonly availabilityZone: string;
  /** Zero-based position of the AZ in the plan; the reserved slot the CIDR comes from. */
  readonly azIndex: number;
  readonly cidr: string;
}

export type SubnetPlan = Readonly<Record<Tier, readonly PlannedSubnet[]>>;

export class SubnetPlanError extends Error {
  constructor(
    /** The config field at fault, relative to `network`. */
    readonly field: string,
    message: string,
  ) {
    super(message);
  }
}

/**
 * Computes every subnet's CIDR from the VPC CIDR: for each tier in `TIERS` order, `MAX_AZ_COUNT`
 * aligned blocks of the tier's prefix length, of which the first `availabilityZones.length` are used.
 * Throws a `SubnetPlanError` when the blocks overflow the VPC; the blocks never overlap.
 */
export function planSubnets(input: SubnetPlanInput): SubnetPlan {
  const vpc: Cidr | undefined = parseCidr(input.vpcCidr);
  if (!vpc) throw new SubnetPlanError("cidr", `${input.vpcCidr} is not a valid IPv4 CIDR`);
  if (input.availabilityZones.length > MAX_AZ_COUNT) {
    throw new SubnetPlanError(
      "availabilityZones",
      `at most ${MAX_AZ_COUNT} AZs are supported, got ${input.availabilityZones.length}`,
    );
  }

  const requests = TIERS.flatMap((tier) =>
    Array.from({ length: MAX_AZ_COUNT }, (_, azIndex) => ({
      name: `${tier}[${azIndex}]`,
      prefixLength: input.prefixLengths[tier],
    })),
  );

  let blocks: Cidr[];
  try {
    blocks = allocateBlocks(vpc, requests);
  } catch (error) {
    if (!(error instanceof CidrAllocationError)) throw error;
    const sizes = TIERS.map((tier) => `${tier} /${input.prefixLengths[tier]}`).join(", ");
    throw new SubnetPlanError(
      "subnetPrefixLengths",
      `${MAX_AZ_COUNT} subnets each of ${sizes} do not fit in ${formatCidr(vpc)} (${error.message}); ` +
        `use longer prefix lengths or a larger VPC CIDR`,
    );
  }

  const plan = {} as Record<Tier, PlannedSubnet[]>;
  TIERS.forEach((tier, tierIndex) => {
    plan[tier] = input.availabilityZones.map((availabilityZone, azIndex) => ({
      tier,
      availabilityZone,
      azIndex,
      cidr: formatCidr(blocks[tierIndex * MAX_AZ_COUNT + azIndex]!),
    }));
  });
  return plan;
}
