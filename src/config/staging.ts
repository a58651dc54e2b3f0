import type { EnvironmentInput } from "./schema";

/**
 * Staging: production's shape at a fraction of its cost. One NAT gateway (its AZ is a single
 * point of failure for egress, acceptable here) and the same two-AZ layout as prod.
 */
export const staging: EnvironmentInput = {
  region: "eu-west-1",
  allowedAccountIds: ["111111111111"],
  tags: { DataClassification: "internal" },
  network: {
    cidr: "10.10.0.0/16",
    azCount: 2,
    natGateways: "single",
    flowLogs: { retentionDays: 30, trafficType: "ALL", maxAggregationIntervalSeconds: 600 },
  },
  service: { containerPort: 8080 },
};
