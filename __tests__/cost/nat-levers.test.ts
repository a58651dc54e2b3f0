import { describe, expect, it } from "vitest";
import { estimateStack, type StackEstimate } from "../../src/cost/estimate";
import { PRICES } from "../../src/cost/prices";
import { UsageSchema } from "../../src/cost/settings";
import { environmentStack } from "../helpers";

/**
 * The NAT mode is the largest lever of a small environment (seed 003 dropped a gateway to save
 * about $45 a month). Staging estimated in each mode: the differences are exactly the price
 * table's rows for what each mode adds or removes.
 */
const estimateOf = (natGateways: "none" | "single" | "perAz"): StackEstimate => {
  const stack = environmentStack("staging", { network: { natGateways } });
  // Traffic aside: the fixed cost of each mode is what differs.
  const usage = UsageSchema.parse({ natGigabytesPerMonth: 0, endpointGigabytesPerMonth: 0 });
  // As `cdktf synth` writes it, construct paths included (they name each item's concept).
  for (const child of stack.node.root.node.children) (child as typeof stack).prepareStack?.();
  return estimateStack("staging", stack.toTerraform() as never, usage);
};
const eu = (sku: keyof typeof PRICES) => PRICES[sku].usd["eu-west-1"];
const network = (e: StackEstimate) => e.byConcept.network!.fixedUsd;

describe("staging's estimate in each NAT mode", () => {
  const none = estimateOf("none");
  const single = estimateOf("single");
  const perAz = estimateOf("perAz");

  it("single -> perAz adds one gateway and its public address per further AZ", () => {
    const azs = perAz.items.filter(
      (i) => i.address.startsWith("aws_nat_gateway.") && i.kind === "fixed",
    ).length;
    expect(azs).toBe(2);
    expect(network(perAz) - network(single)).toBeCloseTo(
      (azs - 1) * 730 * (eu("natGatewayHour") + eu("publicIpv4Hour")),
      1,
    );
  });

  it("none -> single adds a gateway and its address, and removes every interface endpoint", () => {
    const endpoints = none.items.filter(
      (i) => i.address.startsWith("aws_vpc_endpoint.") && i.kind === "fixed",
    );
    expect(endpoints.length).toBeGreaterThan(0);
    const endpointHours = endpoints.reduce((sum, i) => sum + i.quantity, 0);
    expect(single.items.some((i) => i.address.startsWith("aws_vpc_endpoint."))).toBe(false);
    expect(network(single) - network(none)).toBeCloseTo(
      730 * (eu("natGatewayHour") + eu("publicIpv4Hour")) -
        endpointHours * eu("interfaceEndpointHour"),
      1,
    );
  });

  it("the mode changes only the network's cost", () => {
    for (const [concept, total] of Object.entries(single.byConcept)) {
      if (concept !== "network") expect(perAz.byConcept[concept], concept).toEqual(total);
    }
  });
});
