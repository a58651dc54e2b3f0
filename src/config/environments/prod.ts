import type { EnvironmentInput } from "../schema";

/**
 * Production: three AZs and one NAT gateway per AZ, so losing an AZ loses neither capacity
 * behind the load balancer nor egress from the surviving ones. Three tasks on on-demand Fargate,
 * scaling 2..10 on CPU; the API deploys by canary with a bake time, the worker rolls at full
 * capacity; logs kept a year; WAF in front; a Multi-AZ
 * database with 30 days of point-in-time recovery; nothing stateful can be deleted by an apply.
 */
const prod: EnvironmentInput = {
  tier: "production",
  region: "eu-west-1",
  allowedAccountIds: ["222222222222"],
  // The GitHub environment whose required reviewers approve every prod deploy.
  githubEnvironment: "production",
  tags: { DataClassification: "confidential" },
  network: {
    cidr: "10.20.0.0/16",
    azCount: 3,
    natGateways: "perAz",
    flowLogs: { retentionDays: 365, trafficType: "ALL", maxAggregationIntervalSeconds: 600 },
  },
  loadBalancer: {
    tls: { domainName: "orbit.example.com", hostedZoneId: "Z0EXAMPLE0ORBIT0ZONE" },
    deletionProtection: true,
    waf: { enabled: true, rateLimitPer5Minutes: 2000 },
  },
  database: {
    engineVersion: "16",
    instanceClass: "db.t4g.medium",
    allocatedStorageGiB: 50,
    maxAllocatedStorageGiB: 500,
    multiAz: true,
    backupRetentionDays: 30,
    deletionProtection: true,
  },
  tables: { items: { deletionProtection: true } },
  topics: { events: {} },
  queues: {
    events: { subscribesTo: ["events"], maxReceiveCount: 5, visibilityTimeoutSeconds: 30 },
  },
  services: {
    api: {
      public: { containerPort: 8080 },
      cpu: 512,
      memoryMiB: 1024,
      desiredCount: 3,
      autoscaling: { minCount: 2, maxCount: 10, cpuTargetPercent: 70 },
      // Canary: a tenth of production traffic to the new tasks for 5 minutes, then all of it,
      // then 5 minutes with the old tasks still running; any deployment alarm rolls back
      // (docs/releasing.md argues canary over blue/green).
      deployment: {
        strategy: "canary",
        canary: { percent: 10, intervalMinutes: 5 },
        bakeTimeMinutes: 5,
        minimumHealthyPercent: 100,
        maximumPercent: 200,
      },
      capacity: { fargateBase: 0, fargateWeight: 1, fargateSpotWeight: 0 },
      logRetentionDays: 365,
      uses: { database: true, tables: { items: "readWrite" }, topics: { events: "publish" } },
    },
    worker: {
      command: ["node", "--enable-source-maps", "dist/worker.js"],
      cpu: 256,
      memoryMiB: 1024,
      desiredCount: 2,
      autoscaling: { minCount: 2, maxCount: 6, backlogPerTask: 100 },
      capacity: { fargateBase: 0, fargateWeight: 1, fargateSpotWeight: 0 },
      logRetentionDays: 365,
      uses: { queues: { events: "consume" }, tables: { items: "write" } },
    },
  },
  // Alarm thresholds default to the seed's values (src/config/schema.ts, AlarmsSchema).
  monitoring: { alarmEmails: ["platform-oncall@example.com"] },
  // `npm run cost` estimates about $420 a month at this traffic (docs/cost.md), 76% of the budget:
  // the forecast alert (80%) fires only for spend beyond the plan.
  cost: {
    monthlyBudgetUsd: 550,
    usage: {
      requestsPerMonth: 20_000_000,
      natGigabytesPerMonth: 50,
      scaleOutHoursPerMonth: 60,
      tableWritesPerMonth: 5_000_000,
      tableReadsPerMonth: 50_000_000,
      tableGigabytes: 10,
      topicPublishesPerMonth: 5_000_000,
      queueRequestsPerMonth: 15_000_000,
    },
  },
};

export default prod;
