/**
 * A monthly cost estimate of one synthesized stack (`cdk.tf.json`): what Terraform will create,
 * priced from the dated table in `prices.ts`. The fixed part (what runs whether or not anyone
 * calls it: gateways, load balancers, tasks at their minimum, the database, keys, alarms) is
 * priced exactly; the usage part from the stated `Usage` assumptions. Every resource type is
 * either priced or listed as free with the reason; any other type, region or size is refused
 * (`UnpricedError`), never priced at 0.
 */
import {
  block,
  list,
  StackModel,
  type Resource,
  type StackJson,
  type Values,
} from "../rules/model";
import {
  DATABASE_INSTANCE_HOUR,
  HOURS_PER_MONTH,
  isPricedRegion,
  PRICES,
  type PriceRow,
  type PricedRegion,
  type Sku,
} from "./prices";
import type { Usage } from "./settings";

export type ChargeKind = "fixed" | "usage";

export interface LineItem {
  /** The construct the resource belongs to (`network`, `service-api`, `database`). */
  readonly concept: string;
  readonly address: string;
  readonly kind: ChargeKind;
  /** What is counted, in words, with the assumption it rests on. */
  readonly description: string;
  readonly quantity: number;
  readonly unit: string;
  readonly usdPerUnit: number;
  readonly usd: number;
}

export interface ConceptTotal {
  readonly fixedUsd: number;
  readonly usageUsd: number;
  readonly totalUsd: number;
}

export interface StackEstimate {
  readonly stack: string;
  readonly regions: readonly string[];
  readonly items: readonly LineItem[];
  readonly byConcept: Readonly<Record<string, ConceptTotal>>;
  readonly fixedUsd: number;
  readonly usageUsd: number;
  readonly totalUsd: number;
  /** The assumptions the stack was estimated with. */
  readonly usage: Usage;
  /** The names of those the usage part read. */
  readonly assumed: readonly (keyof Usage)[];
}

/** A resource, region or size the price table cannot price. */
export class UnpricedError extends Error {
  constructor(message: string) {
    super(message);
    this.name = "UnpricedError";
  }
}

/** Resource types that cost nothing themselves, each with the reason. */
export const FREE: Readonly<Record<string, string>> = {
  aws_acm_certificate: "public ACM certificates are free",
  aws_acm_certificate_validation: "a waiter, not an AWS resource",
  aws_appautoscaling_scheduled_action: "Application Auto Scaling is free",
  aws_appautoscaling_target: "Application Auto Scaling is free",
  aws_budgets_budget: "budgets without actions are free",
  aws_cloudwatch_query_definition: "saved queries are free; running one is Logs Insights per GB",
  aws_db_parameter_group: "configuration",
  aws_db_subnet_group: "configuration",
  aws_default_network_acl: "VPC configuration",
  aws_default_route_table: "VPC configuration",
  aws_default_security_group: "VPC configuration",
  aws_dynamodb_table_item: "priced with its table",
  aws_ecr_lifecycle_policy: "configuration",
  aws_ecr_replication_configuration: "the copies are priced on the repositories",
  aws_ecr_repository_policy: "configuration",
  aws_ecs_cluster_capacity_providers: "configuration",
  aws_ecs_task_definition: "priced by the services that run it",
  aws_flow_log: "priced by the log group it delivers to",
  aws_iam_openid_connect_provider: "IAM is free",
  aws_iam_policy: "IAM is free",
  aws_iam_role: "IAM is free",
  aws_iam_role_policy: "IAM is free",
  aws_iam_role_policy_attachment: "IAM is free",
  aws_internet_gateway: "free (data transfer out is not estimated)",
  aws_kms_alias: "free",
  aws_lb_listener: "priced with the load balancer",
  aws_lb_listener_certificate: "additional listener certificates are free",
  aws_lb_listener_rule: "priced with the load balancer (rule evaluations in LCUs)",
  aws_lb_target_group: "priced with the load balancer",
  aws_network_acl: "VPC configuration",
  aws_network_acl_rule: "VPC configuration",
  aws_route: "VPC configuration",
  aws_route53_record: "records are free; queries to alias records of AWS resources are free",
  aws_route_table: "VPC configuration",
  aws_route_table_association: "VPC configuration",
  aws_s3_bucket_lifecycle_configuration: "configuration",
  aws_s3_bucket_ownership_controls: "configuration",
  aws_s3_bucket_policy: "configuration",
  aws_dynamodb_resource_policy: "configuration",
  aws_s3_bucket_public_access_block: "configuration",
  aws_s3_bucket_server_side_encryption_configuration: "configuration",
  aws_s3_bucket_versioning: "configuration (old versions are in the bucket's size)",
  aws_security_group: "VPC configuration",
  aws_sns_topic_policy: "configuration",
  aws_sns_topic_subscription: "email and SQS deliveries are free at this volume",
  aws_sqs_queue_policy: "configuration",
  aws_sqs_queue_redrive_allow_policy: "configuration",
  aws_sqs_queue_redrive_policy: "configuration",
  aws_subnet: "VPC configuration",
  aws_vpc: "VPC configuration",
  aws_vpc_security_group_egress_rule: "VPC configuration",
  aws_vpc_security_group_ingress_rule: "VPC configuration",
  aws_wafv2_web_acl_association: "priced with the web ACL",
  aws_wafv2_web_acl_logging_configuration: "priced by the log group it delivers to",
};

interface Charge {
  readonly kind: ChargeKind;
  readonly description: string;
  readonly quantity: number;
  readonly price: PriceRow;
}

type Pricer = (resource: Resource, context: PricingContext) => Charge[];

/** What a pricer may look at: the whole stack, the usage assumed, and counts to share it by. */
interface PricingContext {
  readonly stack: StackModel;
  readonly usage: Usage;
  /** How many resources of a type share an environment-wide usage assumption. */
  readonly count: (type: string, filter?: (r: Resource) => boolean) => number;
}

const H = HOURS_PER_MONTH;
const fixed = (description: string, quantity: number, price: PriceRow): Charge => ({
  kind: "fixed",
  description,
  quantity,
  price,
});
const used = (description: string, quantity: number, price: PriceRow): Charge => ({
  kind: "usage",
  description,
  quantity,
  price,
});

/** The tasks a service runs: its autoscaling minimum (else its desired count) and maximum. */
function taskCounts(stack: StackModel, service: Resource): { min: number; max: number } {
  const target = stack.scalingTargetOf(service);
  const desired = Number(service.values.desired_count ?? 1);
  return {
    min: Number(target?.values.min_capacity ?? desired),
    max: Number(target?.values.max_capacity ?? desired),
  };
}

/** The share of a service's tasks on FARGATE_SPOT, from its capacity provider strategy. */
function spotShare(service: Resource, tasks: number): number {
  const strategy = list(service.values.capacity_provider_strategy) as Values[];
  if (strategy.length === 0) return 0;
  const weight = (provider: string) =>
    strategy
      .filter((s) => s.capacity_provider === provider)
      .reduce((sum, s) => sum + Number(s.weight ?? 0), 0);
  const base = strategy.reduce((sum, s) => sum + Number(s.base ?? 0), 0);
  const spotBase = strategy
    .filter((s) => s.capacity_provider === "FARGATE_SPOT")
    .reduce((sum, s) => sum + Number(s.base ?? 0), 0);
  const total = weight("FARGATE") + weight("FARGATE_SPOT");
  const rest = Math.max(0, tasks - base);
  const spotTasks =
    Math.min(tasks, spotBase) + (total > 0 ? (rest * weight("FARGATE_SPOT")) / total : 0);
  return tasks > 0 ? spotTasks / tasks : 0;
}

function fargateTasks(
  label: string,
  kind: ChargeKind,
  tasks: number,
  hours: number,
  taskDefinition: Resource,
  spot: number,
): Charge[] {
  const vcpu = Number(taskDefinition.values.cpu) / 1024;
  const gb = Number(taskDefinition.values.memory) / 1024;
  const arm = block(taskDefinition.values.runtime_platform)?.cpu_architecture === "ARM64";
  if (arm && spot > 0)
    throw new UnpricedError(`${taskDefinition.address}: Fargate Spot on ARM64 has no row`);
  const onDemand = tasks * (1 - spot) * hours;
  const onSpot = tasks * spot * hours;
  const what = `${label}: ${tasks} task(s) x ${vcpu} vCPU / ${gb} GB x ${hours} h`;
  const charges: Charge[] = [];
  if (onDemand > 0)
    charges.push(
      {
        kind,
        description: `${what}, on-demand vCPU`,
        quantity: onDemand * vcpu,
        price: arm ? PRICES.fargateArmVcpuHour : PRICES.fargateVcpuHour,
      },
      {
        kind,
        description: `${what}, on-demand memory`,
        quantity: onDemand * gb,
        price: arm ? PRICES.fargateArmGigabyteHour : PRICES.fargateGigabyteHour,
      },
    );
  if (onSpot > 0)
    charges.push(
      {
        kind,
        description: `${what}, Spot vCPU`,
        quantity: onSpot * vcpu,
        price: PRICES.fargateSpotVcpuHour,
      },
      {
        kind,
        description: `${what}, Spot memory`,
        quantity: onSpot * gb,
        price: PRICES.fargateSpotGigabyteHour,
      },
    );
  return charges;
}

/** Months of logs a log group keeps at steady state (never-expiring groups: a year is counted). */
const retainedMonths = (group: Resource) => {
  const days = Number(group.values.retention_in_days ?? 0);
  return days > 0 ? days / (365 / 12) : 12;
};

/** What writes to a log group, and how many GB a month that is by the usage assumptions. */
function logIngestion(group: Resource, { stack, usage }: PricingContext): [string, number] {
  const mentions = (value: unknown) =>
    JSON.stringify(value ?? "").includes(`aws_cloudwatch_log_group.${group.name}.`);
  if (stack.resources("aws_flow_log").some((f) => mentions(f.values.log_destination)))
    return ["VPC flow logs", usage.flowLogGigabytesPerMonth];
  if (
    stack
      .resources("aws_wafv2_web_acl_logging_configuration")
      .some((l) => mentions(l.values.log_destination_configs))
  )
    return ["WAF request logs", usage.firewallLogGigabytesPerMonth];
  if (String(group.values.name ?? "").startsWith("/aws/rds/"))
    return ["database logs", usage.databaseLogGigabytesPerMonth];
  for (const service of stack.resources("aws_ecs_service")) {
    const definition = stack.resolve(service.values.task_definition);
    if (definition && mentions(definition.values.container_definitions)) {
      const { min } = taskCounts(stack, service);
      return [
        `logs of ${min} task(s) at ${usage.logGigabytesPerTaskMonth} GB each`,
        min * usage.logGigabytesPerTaskMonth,
      ];
    }
  }
  throw new UnpricedError(
    `${group.address}: nothing known writes to this log group (a flow log, a WAF, RDS or a service's task definition), so its usage has no assumption`,
  );
}

const PRICERS: Readonly<Record<string, Pricer>> = {
  aws_nat_gateway: (_, { usage, count }) => [
    fixed(`NAT gateway x ${H} h`, H, PRICES.natGatewayHour),
    used(
      `${usage.natGigabytesPerMonth} GB processed, shared by ${count("aws_nat_gateway")} gateway(s)`,
      usage.natGigabytesPerMonth / count("aws_nat_gateway"),
      PRICES.natGatewayGigabyte,
    ),
  ],
  aws_eip: () => [fixed(`public IPv4 address x ${H} h`, H, PRICES.publicIpv4Hour)],
  aws_lb: (lb, { usage }) => {
    if (lb.values.load_balancer_type && lb.values.load_balancer_type !== "application")
      throw new UnpricedError(`${lb.address}: only Application Load Balancers have rows`);
    const nodes = lb.values.internal === true ? 0 : list(lb.values.subnets).length;
    const perSecond = usage.requestsPerMonth / (H * 3600);
    const gigabytesPerHour = (usage.requestsPerMonth * usage.kilobytesPerRequest) / 1e6 / H;
    // An LCU is 25 new connections per second or 1 GB per hour (targets in a VPC), whichever the
    // traffic uses more of; each request is counted as a new connection (no keep-alive: the worst case).
    const capacityUnits = Math.max(perSecond / 25, gigabytesPerHour);
    return [
      fixed(`load balancer x ${H} h`, H, PRICES.loadBalancerHour),
      fixed(
        `${nodes} public IPv4 address(es), one per AZ, x ${H} h`,
        nodes * H,
        PRICES.publicIpv4Hour,
      ),
      used(
        `${usage.requestsPerMonth} requests of ${usage.kilobytesPerRequest} KB: ${capacityUnits.toFixed(3)} LCU x ${H} h`,
        capacityUnits * H,
        PRICES.loadBalancerCapacityUnitHour,
      ),
    ];
  },
  aws_wafv2_web_acl: (acl, { usage }) => {
    const rules = list(acl.values.rule).length;
    return [
      fixed("web ACL", 1, PRICES.webAclMonth),
      fixed(`${rules} rule(s) and managed rule groups`, rules, PRICES.webAclRuleMonth),
      used(
        `${usage.requestsPerMonth} requests inspected`,
        usage.requestsPerMonth / 1e6,
        PRICES.webAclMillionRequests,
      ),
    ];
  },
  aws_vpc_endpoint: (endpoint, { usage, count }) => {
    if (endpoint.values.vpc_endpoint_type !== "Interface") return [];
    const zones = list(endpoint.values.subnet_ids).length;
    const interfaces = count("aws_vpc_endpoint", (e) => e.values.vpc_endpoint_type === "Interface");
    return [
      fixed(
        `interface endpoint in ${zones} AZ(s) x ${H} h`,
        zones * H,
        PRICES.interfaceEndpointHour,
      ),
      used(
        `${usage.endpointGigabytesPerMonth} GB processed, shared by ${interfaces} interface endpoint(s)`,
        usage.endpointGigabytesPerMonth / interfaces,
        PRICES.interfaceEndpointGigabyte,
      ),
    ];
  },
  aws_ecs_service: (service, { stack, usage }) => {
    const definition = stack.resolve(service.values.task_definition);
    if (!definition)
      throw new UnpricedError(`${service.address}: its task definition is not in the stack`);
    if (service.values.launch_type && service.values.launch_type !== "FARGATE")
      throw new UnpricedError(`${service.address}: only Fargate has rows`);
    const { min, max } = taskCounts(stack, service);
    const charges = fargateTasks("minimum", "fixed", min, H, definition, spotShare(service, min));
    const extra = max - min;
    if (extra > 0 && usage.scaleOutHoursPerMonth > 0) {
      // The tasks beyond the minimum: the Spot tasks of `max` less those of `min`.
      const extraSpot = (spotShare(service, max) * max - spotShare(service, min) * min) / extra;
      charges.push(
        ...fargateTasks(
          `scale-out to ${max}`,
          "usage",
          extra,
          usage.scaleOutHoursPerMonth,
          definition,
          extraSpot,
        ),
      );
    }
    return charges;
  },
  // A target-tracking policy makes two CloudWatch alarms (scale out, scale in), each on the
  // policy's metric or on every metric its metric math reads.
  aws_appautoscaling_policy: (policy) => {
    if (policy.values.policy_type !== "TargetTrackingScaling") return [];
    const configuration = block(policy.values.target_tracking_scaling_policy_configuration);
    const metrics = list(block(configuration?.customized_metric_specification)?.metrics).filter(
      (m) => (m as Values).metric_stat !== undefined,
    ).length;
    const perAlarm = Math.max(1, metrics);
    return [
      fixed(
        `2 target-tracking alarms on ${perAlarm} metric(s) each`,
        2 * perAlarm,
        PRICES.alarmMetricMonth,
      ),
    ];
  },
  aws_ecs_cluster: (cluster, { stack, usage }) => {
    const insights = list(cluster.values.setting).some(
      (s) => (s as Values).name === "containerInsights" && (s as Values).value !== "disabled",
    );
    if (!insights) return [];
    const services = stack
      .resources("aws_ecs_service")
      .filter((s) => String(s.values.cluster).includes(`aws_ecs_cluster.${cluster.name}.`)).length;
    const metrics =
      usage.containerInsightsMetricsPerCluster +
      services * usage.containerInsightsMetricsPerService;
    return [
      used(
        `Container Insights: ${metrics} metrics (${services} service(s))`,
        metrics,
        PRICES.customMetricMonth,
      ),
    ];
  },
  aws_db_instance: (db, { usage }) => {
    const engine = String(db.values.engine);
    if (engine !== "postgres")
      throw new UnpricedError(`${db.address}: engine ${engine} has no rows`);
    const instanceClass = String(db.values.instance_class);
    const instance = DATABASE_INSTANCE_HOUR[instanceClass];
    if (!instance)
      throw new UnpricedError(
        `${db.address}: instance class ${instanceClass} has no row in DATABASE_INSTANCE_HOUR (src/cost/prices.ts); add it from the RDS for PostgreSQL pricing page`,
      );
    if (db.values.storage_type !== "gp3")
      throw new UnpricedError(
        `${db.address}: storage type ${String(db.values.storage_type)} has no row`,
      );
    if (
      db.values.performance_insights_enabled === true &&
      Number(db.values.performance_insights_retention_period ?? 7) > 7
    )
      throw new UnpricedError(
        `${db.address}: Performance Insights beyond the free 7 days has no row`,
      );
    const copies = db.values.multi_az === true ? 2 : 1;
    const az = copies === 2 ? "Multi-AZ (primary and standby)" : "single-AZ";
    const storage = Number(db.values.allocated_storage);
    return [
      fixed(`${instanceClass}, ${az}, x ${H} h`, copies * H, instance),
      fixed(
        `${storage} GB gp3 allocated, ${az}`,
        copies * storage,
        PRICES.databaseGp3GigabyteMonth,
      ),
      ...(db.values.manage_master_user_password === true
        ? [fixed("master user secret (RDS-managed)", 1, PRICES.secretMonth)]
        : []),
      used(
        `${usage.databaseBackupGigabytes} GB of backups beyond the database's size`,
        usage.databaseBackupGigabytes,
        PRICES.databaseBackupGigabyteMonth,
      ),
    ];
  },
  aws_dynamodb_table: (table, { usage, count }) => {
    if (table.values.billing_mode !== "PAY_PER_REQUEST")
      throw new UnpricedError(
        `${table.address}: only on-demand (PAY_PER_REQUEST) tables have rows`,
      );
    const tables = count("aws_dynamodb_table");
    const share = (n: number) => n / tables;
    const pitr = block(table.values.point_in_time_recovery)?.enabled === true;
    return [
      used(
        `${usage.tableWritesPerMonth} writes over ${tables} table(s)`,
        share(usage.tableWritesPerMonth) / 1e6,
        PRICES.tableMillionWriteUnits,
      ),
      used(
        `${usage.tableReadsPerMonth} reads over ${tables} table(s)`,
        share(usage.tableReadsPerMonth) / 1e6,
        PRICES.tableMillionReadUnits,
      ),
      used(
        `${usage.tableGigabytes} GB over ${tables} table(s)`,
        share(usage.tableGigabytes),
        PRICES.tableGigabyteMonth,
      ),
      ...(pitr
        ? [
            used(
              "point-in-time recovery of the same size",
              share(usage.tableGigabytes),
              PRICES.tableBackupGigabyteMonth,
            ),
          ]
        : []),
    ];
  },
  aws_sqs_queue: (queue, { usage, count }) => {
    // Work queues carry the traffic; a dead-letter queue holds what failed (no assumption: 0).
    const isWork = (q: Resource) => q.values.redrive_policy !== undefined;
    if (!isWork(queue))
      return [used("dead-letter queue: failed messages only", 0, PRICES.queueMillionRequests)];
    const work = count("aws_sqs_queue", isWork);
    return [
      used(
        `${usage.queueRequestsPerMonth} requests over ${work} work queue(s)`,
        usage.queueRequestsPerMonth / work / 1e6,
        PRICES.queueMillionRequests,
      ),
    ];
  },
  aws_sns_topic: (topic, { stack, usage }) => {
    const deliversToQueues = (t: Resource) =>
      stack
        .resources("aws_sns_topic_subscription")
        .some((s) => s.values.protocol === "sqs" && stack.refersTo(s.values.topic_arn, t));
    if (!deliversToQueues(topic))
      return [
        used(
          "notifications only (alarms, budgets): a few hundred",
          0,
          PRICES.topicMillionPublishes,
        ),
      ];
    const topics = stack.resources("aws_sns_topic").filter(deliversToQueues).length;
    return [
      used(
        `${usage.topicPublishesPerMonth} publishes over ${topics} topic(s) that deliver to queues`,
        usage.topicPublishesPerMonth / topics / 1e6,
        PRICES.topicMillionPublishes,
      ),
    ];
  },
  aws_kms_key: (_, { usage, count }) => [
    fixed("customer-managed key", 1, PRICES.kmsKeyMonth),
    used(
      `${usage.kmsRequestsPerMonth} requests over ${count("aws_kms_key")} key(s)`,
      usage.kmsRequestsPerMonth / count("aws_kms_key") / 1e4,
      PRICES.kmsTenThousandRequests,
    ),
  ],
  aws_secretsmanager_secret: () => [fixed("secret", 1, PRICES.secretMonth)],
  aws_cloudwatch_metric_alarm: (alarm) => {
    const metrics = Math.max(
      1,
      list(alarm.values.metric_query).filter((q) => (q as Values).metric !== undefined).length,
    );
    const highResolution = Number(alarm.values.period ?? 60) < 60;
    return [
      fixed(
        `alarm on ${metrics} metric(s)`,
        metrics,
        highResolution ? PRICES.highResolutionAlarmMetricMonth : PRICES.alarmMetricMonth,
      ),
    ];
  },
  aws_cloudwatch_dashboard: () => [fixed("dashboard", 1, PRICES.dashboardMonth)],
  aws_cloudwatch_log_metric_filter: (filter) => {
    const metrics = list(filter.values.metric_transformation).length;
    return [fixed(`${metrics} custom metric(s) from logs`, metrics, PRICES.customMetricMonth)];
  },
  aws_cloudwatch_log_group: (group, context) => {
    const [source, gigabytes] = logIngestion(group, context);
    const months = retainedMonths(group);
    return [
      used(`${source}: ${gigabytes} GB ingested`, gigabytes, PRICES.logsIngestedGigabyte),
      used(
        `kept ${months.toFixed(1)} month(s): up to ${(gigabytes * months).toFixed(1)} GB stored (before compression)`,
        gigabytes * months,
        PRICES.logsStoredGigabyteMonth,
      ),
    ];
  },
  aws_s3_bucket: (_, { usage }) => [
    used(`${usage.bucketGigabytes} GB stored`, usage.bucketGigabytes, PRICES.bucketGigabyteMonth),
  ],
  aws_ecr_repository: (repository, { stack, usage }) => {
    const replicas = stack
      .resources("aws_ecr_replication_configuration")
      .flatMap((c) => list(block(c.values.replication_configuration)?.rule))
      .flatMap((rule) => list((rule as Values).destination)).length;
    const isSource = repository.values.provider === undefined;
    return [
      used(`${usage.imageGigabytes} GB of images`, usage.imageGigabytes, PRICES.imageGigabyteMonth),
      ...(isSource && replicas > 0
        ? [
            used(
              `${usage.imagePushGigabytesPerMonth} GB pushed, copied to ${replicas} region(s)`,
              usage.imagePushGigabytesPerMonth * replicas,
              PRICES.interRegionGigabyte,
            ),
          ]
        : []),
    ];
  },
};

/** The region of each provider alias of a stack (`aws` for the default provider). */
function providerRegions(json: StackJson): Map<string, string> {
  const providers = list((json.provider as Record<string, unknown> | undefined)?.aws) as Values[];
  return new Map(
    providers.map((p) => [p.alias ? `aws.${String(p.alias)}` : "aws", String(p.region)]),
  );
}

/** `quantity x price` in the region, or a refusal naming the row and the region. */
function priceIn(region: string, row: PriceRow, where: string): number {
  if (!isPricedRegion(region))
    throw new UnpricedError(
      `${where}: region ${region} has no column in the price table (src/cost/prices.ts); add one from the AWS Price List (docs/cost.md)`,
    );
  return row.usd[region as PricedRegion];
}

/** The concept a resource belongs to: its top-level construct (`network`, `service-api`). */
function conceptOf(resource: Resource, stack: string): string {
  const parts = resource.path.split("/");
  return parts[0] === stack && parts.length > 2 ? parts[1]! : "stack";
}

const round = (usd: number) => Math.round(usd * 100) / 100;

/** The monthly estimate of one synthesized stack. */
export function estimateStack(name: string, json: StackJson, usage: Usage): StackEstimate {
  const stack = new StackModel(name, json);
  const regions = providerRegions(json);
  const assumed = new Set<keyof Usage>();
  const context: PricingContext = {
    stack,
    // Records which assumptions the pricers read, so the report prints only those.
    usage: new Proxy(usage, {
      get: (target, key) => {
        assumed.add(key as keyof Usage);
        return target[key as keyof Usage];
      },
    }),
    count: (type, filter = () => true) => stack.resources(type).filter(filter).length,
  };
  const items: LineItem[] = [];
  for (const type of Object.keys(json.resource ?? {}).sort()) {
    const pricer = PRICERS[type];
    if (!pricer && !(type in FREE))
      throw new UnpricedError(
        `${name}: resource type ${type} is neither priced nor listed as free in src/cost/estimate.ts; price it (add its SKU to src/cost/prices.ts) or list it in FREE with the reason`,
      );
    if (!pricer) continue;
    for (const resource of stack.resources(type)) {
      const region = regions.get(String(resource.values.provider ?? "aws"));
      if (!region) throw new UnpricedError(`${resource.address}: no provider region in ${name}`);
      for (const charge of pricer(resource, context)) {
        const usdPerUnit = priceIn(region, charge.price, resource.address);
        items.push({
          concept: conceptOf(resource, name),
          address: resource.address,
          kind: charge.kind,
          description: charge.description,
          quantity: charge.quantity,
          unit: charge.price.unit,
          usdPerUnit,
          usd: charge.quantity * usdPerUnit,
        });
      }
    }
  }
  const byConcept: Record<string, { fixedUsd: number; usageUsd: number; totalUsd: number }> = {};
  for (const item of items) {
    const total = (byConcept[item.concept] ??= { fixedUsd: 0, usageUsd: 0, totalUsd: 0 });
    if (item.kind === "fixed") total.fixedUsd += item.usd;
    else total.usageUsd += item.usd;
    total.totalUsd += item.usd;
  }
  const sum = (kind?: ChargeKind) =>
    round(items.filter((i) => !kind || i.kind === kind).reduce((s, i) => s + i.usd, 0));
  return {
    stack: name,
    regions: [...new Set(regions.values())],
    items,
    byConcept: Object.fromEntries(
      Object.entries(byConcept)
        .sort(([a], [b]) => a.localeCompare(b))
        .map(([concept, t]) => [
          concept,
          { fixedUsd: round(t.fixedUsd), usageUsd: round(t.usageUsd), totalUsd: round(t.totalUsd) },
        ]),
    ),
    fixedUsd: sum("fixed"),
    usageUsd: sum("usage"),
    totalUsd: sum(),
    usage,
    assumed: [...assumed].sort(),
  };
}

/** The SKUs the estimate can use, for the docs and the table test. */
export const PRICED_TYPES = Object.keys(PRICERS);
export type { Sku };
