import type { EnvironmentInput } from "../schema";

/**
 * Staging: production's shape at a fraction of its cost. One NAT gateway (its AZ is a single
 * point of failure for egress, acceptable here), the API's one task on-demand and any more on
 * Fargate Spot, the worker on Spot (its queue waits out a reclaim), a single-AZ database
 * with a week of backups, logs kept 30 days.
 */
const staging: EnvironmentInput = {
  tier: "non-production",
  region: "eu-west-1",
  allowedAccountIds: ["111111111111"],
  tags: { DataClassification: "internal" },
  network: {
    cidr: "10.10.0.0/16",
    azCount: 2,
    natGateways: "single",
    flowLogs: { retentionDays: 30, trafficType: "ALL", maxAggregationIntervalSeconds: 600 },
  },
  loadBalancer: {
    // A zone of staging's own account: a hosted zone belongs to one account, and each
    // environment's provider may act only in its own.
    tls: { domainName: "staging.orbit.example.com", hostedZoneId: "Z0EXAMPLE0STAGINGZONE" },
    deletionProtection: false,
    // The same WAF as prod, so a rule that blocks real traffic shows up here first.
    waf: { enabled: true, rateLimitPer5Minutes: 2000 },
  },
  // Staging data can be rebuilt: no deletion protection, so the environment can be torn down.
  // A final snapshot is still taken on deletion.
  database: {
    engineVersion: "16",
    instanceClass: "db.t4g.micro",
    multiAz: false,
    backupRetentionDays: 7,
    deletionProtection: false,
  },
  // What the services share: one table, and an events topic fanned out to a work queue.
  tables: { items: { deletionProtection: false } },
  topics: { events: {} },
  queues: {
    events: { subscribesTo: ["events"], maxReceiveCount: 5, visibilityTimeoutSeconds: 30 },
  },
  services: {
    // The items API behind the load balancer: PostgreSQL, the table, and item events out.
    api: {
      public: { containerPort: 8080 },
      cpu: 512,
      memoryMiB: 1024,
      desiredCount: 1,
      autoscaling: { minCount: 1, maxCount: 2 },
      // The first task on-demand, so a Spot reclaim never leaves the smoke test that gates every
      // production release without a target; tasks beyond it go 1:3 to on-demand and Spot.
      capacity: { fargateBase: 1, fargateWeight: 1, fargateSpotWeight: 3 },
      logRetentionDays: 30,
      uses: { database: true, tables: { items: "readWrite" }, topics: { events: "publish" } },
    },
    // The same image's worker: drains the events queue into the table; no ingress at all.
    worker: {
      command: ["node", "--enable-source-maps", "dist/worker.js"],
      cpu: 256,
      memoryMiB: 1024,
      desiredCount: 1,
      autoscaling: { minCount: 1, maxCount: 2, backlogPerTask: 100 },
      capacity: { fargateBase: 0, fargateWeight: 0, fargateSpotWeight: 1 },
      logRetentionDays: 30,
      uses: { queues: { events: "consume" }, tables: { items: "write" } },
    },
  },
  // Alarm thresholds default to the seed's values (src/config/schema.ts, AlarmsSchema).
  monitoring: { alarmEmails: ["platform-alerts@example.com"] },
  // `npm run cost` estimates about $140 a month (docs/cost.md), 70% of the budget: the forecast
  // alert (80%) fires only for spend beyond the plan.
  cost: {
    monthlyBudgetUsd: 200,
    usage: { requestsPerMonth: 500_000, natGigabytesPerMonth: 10 },
  },
};

export default staging;
