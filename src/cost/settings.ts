/** Settings of an environment's cost: its monthly budget and the usage its estimate assumes. */
import { z } from "zod";
import { explain } from "../config/fields";

const amount = (what: string, max: number) =>
  z
    .number(explain("is not a number", `0 to ${max}`, `set ${what}`))
    .min(0, explain("is negative", `0 to ${max}`, `set ${what}`))
    .max(max, explain("is too large", `0 to ${max}`, `set ${what}`));

/**
 * What the environment is assumed to do in a month, for the usage part of the estimate (the
 * fixed part, what runs whether or not anyone calls it, needs no assumption). Each is a total for
 * the environment unless its name says otherwise; the estimate prints the ones it used.
 */
export const UsageSchema = z.strictObject({
  /** Requests through the load balancer (and the WAF). @default 1,000,000 */
  requestsPerMonth: amount("requests per month", 1e12).default(1_000_000),
  /** Average bytes per request and response, for the ALB's processed-bytes LCUs. @default 20 KB */
  kilobytesPerRequest: amount("kilobytes per request", 1e6).default(20),
  /** Bytes through NAT gateways (image pulls, AWS APIs without endpoint, internet). @default 20 */
  natGigabytesPerMonth: amount("GB per month", 1e7).default(20),
  /** Bytes through interface endpoints (in an environment without NAT). @default 20 */
  endpointGigabytesPerMonth: amount("GB per month", 1e7).default(20),
  /** Hours each service runs at its autoscaling maximum instead of its minimum. @default 0 */
  scaleOutHoursPerMonth: amount("hours per month (at most 730)", 730).default(0),
  /** Application logs per running task (Container Insights' performance events included). @default 1 */
  logGigabytesPerTaskMonth: amount("GB per task and month", 1e5).default(1),
  /** VPC flow logs. @default 5 */
  flowLogGigabytesPerMonth: amount("GB per month", 1e6).default(5),
  /** WAF request logs. @default 1 */
  firewallLogGigabytesPerMonth: amount("GB per month", 1e6).default(1),
  /** Database logs (PostgreSQL and upgrade logs). @default 0.5 */
  databaseLogGigabytesPerMonth: amount("GB per month", 1e5).default(0.5),
  /** Backup storage beyond the database's size (that much is free). @default 0 */
  databaseBackupGigabytes: amount("GB", 1e6).default(0),
  /** DynamoDB on-demand writes and reads (request units) over all tables. @default 1M / 5M */
  tableWritesPerMonth: amount("write request units per month", 1e13).default(1_000_000),
  tableReadsPerMonth: amount("read request units per month", 1e13).default(5_000_000),
  /** Data stored over all tables (point-in-time recovery is priced on the same size). @default 1 */
  tableGigabytes: amount("GB", 1e7).default(1),
  /** SQS requests over all work queues (send, receive, delete: three per message). @default 3M */
  queueRequestsPerMonth: amount("requests per month", 1e13).default(3_000_000),
  /** SNS publishes over all topics that deliver to queues. @default 1M */
  topicPublishesPerMonth: amount("publishes per month", 1e13).default(1_000_000),
  /** KMS requests over all keys (services cache data keys). @default 100,000 */
  kmsRequestsPerMonth: amount("requests per month", 1e12).default(100_000),
  /** Container Insights metrics: per cluster, and per service (service and task family). */
  containerInsightsMetricsPerCluster: amount("metrics", 1e4).default(8),
  containerInsightsMetricsPerService: amount("metrics", 1e4).default(18),
  /** Images kept in each image repository (and in each of its replicas). @default 5 */
  imageGigabytes: amount("GB", 1e6).default(5),
  /** Images pushed per month, each copied once to every replica region. @default 2 */
  imagePushGigabytesPerMonth: amount("GB per month", 1e6).default(2),
  /** Objects kept in each bucket (load balancer access logs, Terraform state). @default 5 */
  bucketGigabytes: amount("GB", 1e7).default(5),
});
export type Usage = z.output<typeof UsageSchema>;

/**
 * The usage a stack that is not an environment (state, shared) is estimated with: the defaults,
 * but a lock table's traffic and a state bucket's size are small.
 */
export const SUPPORT_STACK_USAGE: Usage = UsageSchema.parse({
  tableWritesPerMonth: 10_000,
  tableReadsPerMonth: 10_000,
  tableGigabytes: 0.01,
  bucketGigabytes: 1,
});

export const CostSchema = z.strictObject({
  /**
   * The most the environment should cost in a month, in USD. An AWS budget alerts the environment's
   * alerts topic at 80% forecast and 100% actual, and synth compares it with the estimate: a
   * non-production environment over budget gets a warning, a production one an error.
   */
  monthlyBudgetUsd: z
    .number(explain("is missing", "a monthly amount in USD, e.g. 150", "set cost.monthlyBudgetUsd"))
    .positive(explain("is not positive", "a monthly amount in USD above 0", "set the amount"))
    .max(1_000_000, explain("is too large", "up to 1,000,000", "set the monthly amount in USD")),
  /**
   * Why a production environment may be estimated above its budget (a reviewed decision): the
   * over-budget finding becomes a warning. Raise the budget instead where you can.
   * @default - none: over budget fails synth in production
   */
  overBudgetAccepted: z
    .string()
    .min(10, explain("is too short", "a sentence: who accepted it and why", "write the reason"))
    .optional(),
  /** The usage the estimate assumes; see `UsageSchema`. @default its defaults */
  usage: UsageSchema.prefault({}),
});
export type CostSettings = z.output<typeof CostSchema>;
