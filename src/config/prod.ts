import type { EnvironmentInput } from "./schema";

/**
 * Production: three AZs and one NAT gateway per AZ, so losing an AZ loses neither capacity
 * behind the load balancer nor egress from the surviving ones.
 */
export const prod: EnvironmentInput = {
  region: "eu-west-1",
  allowedAccountIds: ["222222222222"],
  tags: { DataClassification: "confidential" },
  network: {
    cidr: "10.20.0.0/16",
    azCount: 3,
    natGateways: "perAz",
    flowLogs: { retentionDays: 365, trafficType: "ALL", maxAggregationIntervalSeconds: 600 },
  },
  service: { containerPort: 8080 },
};
