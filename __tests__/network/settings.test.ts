import { describe, expect, it } from "vitest";
import { NetworkSchema } from "../../src/network/settings";

describe("network settings", () => {
  it("GIVEN nothing THEN 10.0.0.0/16 over two zones, and flow logs of all traffic kept 30 days", () => {
    const network = NetworkSchema.parse({});
    expect(network).toMatchObject({ cidr: "10.0.0.0/16", azCount: 2 });
    expect(network.availabilityZones).toBeUndefined();
    expect(network.flowLogs).toEqual({
      retentionDays: 30,
      trafficType: "ALL",
      maxAggregationIntervalSeconds: 600,
    });
  });

  it("refuses a zone id where a zone name belongs", () => {
    expect(NetworkSchema.safeParse({ availabilityZones: ["euw1-az1"] }).success).toBe(false);
    expect(NetworkSchema.safeParse({ availabilityZones: ["eu-west-1a"] }).success).toBe(true);
  });

  it("refuses an aggregation interval other than 60 or 600 seconds", () => {
    expect(
      NetworkSchema.safeParse({ flowLogs: { maxAggregationIntervalSeconds: 300 } }).success,
    ).toBe(false);
  });
});
