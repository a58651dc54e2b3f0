import { describe, expect, it } from "vitest";
import { parseCidr, overlaps } from "../../src/lib/cidr";
import { planSubnets, SubnetPlanError, TIERS } from "../../src/lib/subnet-plan";

const defaults = { private: 20, public: 24, isolated: 24 };

describe("planSubnets", () => {
  it("gives every tier one subnet per AZ, disjoint and inside the VPC", () => {
    const plan = planSubnets({
      vpcCidr: "10.20.0.0/16",
      availabilityZones: ["eu-west-1a", "eu-west-1b", "eu-west-1c"],
      prefixLengths: defaults,
    });
    const all = TIERS.flatMap((tier) => plan[tier]);
    expect(all).toHaveLength(9);
    const vpc = parseCidr("10.20.0.0/16")!;
    for (const [i, a] of all.entries()) {
      expect(overlaps(vpc, parseCidr(a.cidr)!)).toBe(true);
      for (const b of all.slice(i + 1))
        expect(overlaps(parseCidr(a.cidr)!, parseCidr(b.cidr)!)).toBe(false);
    }
    expect(plan.private.map((s) => s.cidr)).toEqual([
      "10.20.0.0/20",
      "10.20.16.0/20",
      "10.20.32.0/20",
    ]);
    expect(plan.public.map((s) => s.availabilityZone)).toEqual([
      "eu-west-1a",
      "eu-west-1b",
      "eu-west-1c",
    ]);
  });

  it("keeps existing subnets' CIDRs when a third AZ is added", () => {
    const input = { vpcCidr: "10.0.0.0/16", prefixLengths: defaults };
    const two = planSubnets({ ...input, availabilityZones: ["eu-west-1a", "eu-west-1b"] });
    const three = planSubnets({
      ...input,
      availabilityZones: ["eu-west-1a", "eu-west-1b", "eu-west-1c"],
    });
    for (const tier of TIERS) {
      expect(three[tier].slice(0, 2)).toEqual(two[tier]);
    }
  });

  it("rejects prefix lengths whose subnets overflow the VPC, naming the field", () => {
    const attempt = () =>
      planSubnets({
        vpcCidr: "10.0.0.0/20",
        availabilityZones: ["eu-west-1a", "eu-west-1b"],
        prefixLengths: defaults,
      });
    expect(attempt).toThrow(SubnetPlanError);
    expect(attempt).toThrow(/do not fit in 10.0.0.0\/20/);
    try {
      attempt();
    } catch (error) {
      expect((error as SubnetPlanError).field).toBe("subnetPrefixLengths");
    }
  });

  it("rejects an invalid VPC CIDR", () => {
    expect(() =>
      planSubnets({
        vpcCidr: "10.0.0.0/33",
        availabilityZones: ["eu-west-1a"],
        prefixLengths: defaults,
      }),
    ).toThrow(/not a valid IPv4 CIDR/);
  });
});
