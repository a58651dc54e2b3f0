/**
 * The dated price table the cost estimate reads: AWS list prices (USD, on-demand, no free tier
 * counted, no tax) for exactly the SKUs the platform synthesizes, in the regions its stacks use.
 *
 * Each row names its unit, where the price is published and when it was read. The machine this
 * table was written on reaches no AWS endpoint, so the rows carry the date of the public price
 * they were taken from, not the day they were typed; refresh them from the AWS Price List bulk
 * files before quoting a figure (docs/cost.md, "Refreshing the price table"). A region without a
 * column is refused by the estimate, never priced at 0.
 */

/** The regions with a column in the table. */
export const PRICED_REGIONS = ["eu-west-1", "us-east-1"] as const;
export type PricedRegion = (typeof PRICED_REGIONS)[number];

export interface PriceRow {
  /** What one unit is. */
  readonly unit: string;
  /** The AWS pricing page (and Price List offer code) that publishes it. */
  readonly source: string;
  /** When the published price was read (YYYY-MM). */
  readonly read: string;
  readonly usd: Readonly<Record<PricedRegion, number>>;
}

const page = (service: string, offer: string) =>
  `https://aws.amazon.com/${service}/pricing/ (Price List offer ${offer})`;
const VPC = page("vpc", "AmazonVPC");
const EC2 = page("ec2", "AmazonEC2");
const ELB = page("elasticloadbalancing", "AWSELB");
const FARGATE = page("fargate", "AmazonECS");
const RDS = page("rds/postgresql", "AmazonRDS");
const CLOUDWATCH = page("cloudwatch", "AmazonCloudWatch");
const READ = "2025-06";

const row = (unit: string, source: string, euWest1: number, usEast1: number): PriceRow => ({
  unit,
  source,
  read: READ,
  usd: { "eu-west-1": euWest1, "us-east-1": usEast1 },
});

/** Hours in the month every estimate is for (AWS's own convention: 24 x 365 / 12). */
export const HOURS_PER_MONTH = 730;

export const PRICES = {
  natGatewayHour: row("NAT gateway-hour", VPC, 0.048, 0.045),
  natGatewayGigabyte: row("GB processed by a NAT gateway", VPC, 0.048, 0.045),
  publicIpv4Hour: row("public IPv4 address-hour (in use or idle)", VPC, 0.005, 0.005),
  interfaceEndpointHour: row("interface endpoint-hour, per AZ", VPC, 0.011, 0.01),
  interfaceEndpointGigabyte: row("GB processed by an interface endpoint", VPC, 0.01, 0.01),
  loadBalancerHour: row("Application Load Balancer-hour", ELB, 0.0252, 0.0225),
  loadBalancerCapacityUnitHour: row("ALB LCU-hour", ELB, 0.008, 0.008),
  fargateVcpuHour: row("Fargate Linux/x86 vCPU-hour, on-demand", FARGATE, 0.04048, 0.04048),
  fargateGigabyteHour: row("Fargate Linux/x86 GB-hour, on-demand", FARGATE, 0.004445, 0.004445),
  fargateArmVcpuHour: row("Fargate Linux/ARM vCPU-hour, on-demand", FARGATE, 0.03238, 0.03238),
  fargateArmGigabyteHour: row("Fargate Linux/ARM GB-hour, on-demand", FARGATE, 0.00356, 0.00356),
  // Spot prices move with spare capacity; these are observed prices of the date, about 70% off.
  fargateSpotVcpuHour: row("Fargate Spot Linux vCPU-hour", FARGATE, 0.01291, 0.01244),
  fargateSpotGigabyteHour: row("Fargate Spot Linux GB-hour", FARGATE, 0.00142, 0.00137),
  databaseGp3GigabyteMonth: row("RDS gp3 storage GB-month, single-AZ", RDS, 0.127, 0.115),
  databaseBackupGigabyteMonth: row(
    "RDS backup storage GB-month beyond the database's size",
    RDS,
    0.095,
    0.095,
  ),
  kmsKeyMonth: row("KMS customer-managed key-month", page("kms", "awskms"), 1, 1),
  kmsTenThousandRequests: row("10,000 KMS requests", page("kms", "awskms"), 0.03, 0.03),
  secretMonth: row(
    "Secrets Manager secret-month",
    page("secrets-manager", "AWSSecretsManager"),
    0.4,
    0.4,
  ),
  alarmMetricMonth: row("CloudWatch standard-resolution alarm metric-month", CLOUDWATCH, 0.1, 0.1),
  highResolutionAlarmMetricMonth: row(
    "CloudWatch high-resolution alarm metric-month",
    CLOUDWATCH,
    0.3,
    0.3,
  ),
  dashboardMonth: row("CloudWatch dashboard-month", CLOUDWATCH, 3, 3),
  customMetricMonth: row("CloudWatch custom metric-month (first 10,000)", CLOUDWATCH, 0.3, 0.3),
  logsIngestedGigabyte: row(
    "CloudWatch Logs GB ingested (standard, and vended first tier)",
    CLOUDWATCH,
    0.57,
    0.5,
  ),
  logsStoredGigabyteMonth: row("CloudWatch Logs GB-month archived", CLOUDWATCH, 0.03, 0.03),
  webAclMonth: row("WAF web ACL-month", page("waf", "awswaf"), 5, 5),
  webAclRuleMonth: row("WAF rule or managed rule group-month", page("waf", "awswaf"), 1, 1),
  webAclMillionRequests: row("million requests inspected by WAF", page("waf", "awswaf"), 0.6, 0.6),
  tableMillionWriteUnits: row(
    "million DynamoDB on-demand write request units",
    page("dynamodb", "AmazonDynamoDB"),
    0.7068,
    0.625,
  ),
  tableMillionReadUnits: row(
    "million DynamoDB on-demand read request units",
    page("dynamodb", "AmazonDynamoDB"),
    0.1414,
    0.125,
  ),
  tableGigabyteMonth: row(
    "DynamoDB standard storage GB-month",
    page("dynamodb", "AmazonDynamoDB"),
    0.283,
    0.25,
  ),
  tableBackupGigabyteMonth: row(
    "DynamoDB point-in-time recovery GB-month",
    page("dynamodb", "AmazonDynamoDB"),
    0.226,
    0.2,
  ),
  queueMillionRequests: row(
    "million SQS standard-queue requests",
    page("sqs", "AWSQueueService"),
    0.4,
    0.4,
  ),
  topicMillionPublishes: row("million SNS publishes", page("sns", "AmazonSNS"), 0.5, 0.5),
  imageGigabyteMonth: row("ECR storage GB-month", page("ecr", "AmazonECR"), 0.1, 0.1),
  interRegionGigabyte: row("GB transferred to another region (ECR replication)", EC2, 0.02, 0.02),
  bucketGigabyteMonth: row(
    "S3 Standard GB-month (first 50 TB)",
    page("s3", "AmazonS3"),
    0.023,
    0.023,
  ),
} as const satisfies Record<string, PriceRow>;

export type Sku = keyof typeof PRICES;

/**
 * RDS for PostgreSQL instance-hours, single-AZ, by class; Multi-AZ (one standby) is twice the
 * instance and twice the storage. A class without a row is refused, never priced at 0.
 */
export const DATABASE_INSTANCE_HOUR: Readonly<Record<string, PriceRow>> = {
  "db.t4g.micro": row("db.t4g.micro instance-hour", RDS, 0.018, 0.016),
  "db.t4g.small": row("db.t4g.small instance-hour", RDS, 0.036, 0.032),
  "db.t4g.medium": row("db.t4g.medium instance-hour", RDS, 0.072, 0.065),
  "db.t4g.large": row("db.t4g.large instance-hour", RDS, 0.144, 0.129),
  "db.m7g.large": row("db.m7g.large instance-hour", RDS, 0.188, 0.168),
  "db.r7g.large": row("db.r7g.large instance-hour", RDS, 0.264, 0.239),
};

/** Whether the table has a column for `region`. */
export function isPricedRegion(region: string): region is PricedRegion {
  return (PRICED_REGIONS as readonly string[]).includes(region);
}
