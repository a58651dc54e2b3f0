/**
 * What deploying each Terraform type of the platform needs from AWS, as data: the one place that
 * says which service a type's API calls belong to. Derived from it:
 *
 * - the CI deploy roles' policies and their permissions boundary (`src/ci-identity/ci-identity.ts`):
 *   the services granted in the environment's region, the statements on resources named after the
 *   environment, the service-linked roles a deploy may create;
 * - the emulator endpoints of `npm run e2e` (`scripts/terraform/overrides.ts`).
 *
 * The guardrail PLAT-9 (`src/rules/aws-service-map.ts`) fails synth when a stack holds a resource
 * or data source type this file does not list: add the type below, with its service.
 */

/** How a deploy role is granted a service. */
export type Grant =
  /**
   * `<service>:*` on every resource, in the environment's region only: the service names what
   * Terraform creates by ids generated at creation (vpc-0abc..., key ids, listener ARNs) and many
   * of its Describe/List/Create calls have no resource-level permissions.
   */
  | "in-region"
  /**
   * Only on resources named after the environment, by a statement of the deploy role
   * (`src/ci-identity/ci-identity.ts`): the service holds data or identity.
   */
  | "by-name";

/** An AWS service, as IAM and the Terraform provider name it. */
export interface AwsService {
  /** The IAM service prefix of its actions (`elasticloadbalancing`). */
  readonly service: string;
  /**
   * Its API is regional (`aws:RequestedRegion` is where the resource is), not global (IAM,
   * Route 53, STS: their calls name us-east-1 whatever the region).
   */
  readonly regional: boolean;
  readonly grant: Grant;
  /** The AWS provider's `endpoints` keys its client uses (`elbv2`); e2e points them at moto. */
  readonly endpoints: readonly string[];
}

/** What deploying one resource type needs. */
export interface AwsResourceNeeds extends AwsService {
  /**
   * The service-linked role AWS creates on the first use of the type in an account, by its
   * service name (`iam:AWSServiceName`), which the deploy role may therefore create.
   */
  readonly serviceLinkedRole?: string;
  /** Other services that creating it calls with the caller's permissions. */
  readonly alsoCalls?: readonly AwsService[];
}

const service = (
  name: string,
  regional: boolean,
  grant: Grant,
  endpoints: readonly string[] = [name],
): AwsService => ({ service: name, regional, grant, endpoints });

/**
 * Every service the platform uses, in the order the policies list them: the services granted in
 * the region first, then those granted by name.
 */
export const AWS_SERVICES = {
  ec2: service("ec2", true, "in-region"),
  elasticloadbalancing: service("elasticloadbalancing", true, "in-region", ["elbv2"]),
  ecs: service("ecs", true, "in-region"),
  applicationAutoscaling: service("application-autoscaling", true, "in-region", ["appautoscaling"]),
  rds: service("rds", true, "in-region"),
  kms: service("kms", true, "in-region"),
  wafv2: service("wafv2", true, "in-region"),
  acm: service("acm", true, "in-region"),
  cloudwatch: service("cloudwatch", true, "in-region"),
  logs: service("logs", true, "in-region"),
  s3: service("s3", true, "by-name"),
  dynamodb: service("dynamodb", true, "by-name"),
  sqs: service("sqs", true, "by-name"),
  sns: service("sns", true, "by-name"),
  secretsmanager: service("secretsmanager", true, "by-name"),
  iam: service("iam", false, "by-name"),
  route53: service("route53", false, "by-name"),
  ecr: service("ecr", true, "by-name"),
  // Budgets are global: one API (us-east-1), ARNs without a region.
  budgets: service("budgets", false, "by-name"),
  sts: service("sts", false, "by-name"),
} as const satisfies Record<string, AwsService>;

const {
  ec2,
  elasticloadbalancing,
  ecs,
  applicationAutoscaling,
  rds,
  kms,
  wafv2,
  acm,
  cloudwatch,
  logs,
  s3,
  dynamodb,
  sqs,
  sns,
  secretsmanager,
  iam,
  route53,
  ecr,
  budgets,
} = AWS_SERVICES;

/**
 * Terraform resource type -> what deploying it needs. A type missing here fails synth (PLAT-9).
 * Adding one of a service granted by name also needs a statement of the deploy role that covers it
 * (`BY_NAME_COVERAGE` in `src/ci-identity/ci-identity.ts`); the shared stack refuses otherwise.
 */
export const AWS_RESOURCE_TYPES: Readonly<Record<string, AwsResourceNeeds>> = {
  // Network
  aws_vpc: ec2,
  aws_subnet: ec2,
  aws_internet_gateway: ec2,
  aws_eip: ec2,
  aws_nat_gateway: ec2,
  aws_route_table: ec2,
  aws_route_table_association: ec2,
  aws_route: ec2,
  aws_default_route_table: ec2,
  aws_default_network_acl: ec2,
  aws_default_security_group: ec2,
  aws_network_acl: ec2,
  aws_network_acl_rule: ec2,
  aws_security_group: ec2,
  aws_vpc_security_group_ingress_rule: ec2,
  aws_vpc_security_group_egress_rule: ec2,
  aws_vpc_endpoint: ec2,
  // Delivering to CloudWatch Logs: the caller passes the role (iam:PassRole), nothing more.
  aws_flow_log: ec2,
  // Load balancing
  aws_lb: { ...elasticloadbalancing, serviceLinkedRole: "elasticloadbalancing.amazonaws.com" },
  aws_lb_listener: elasticloadbalancing,
  aws_lb_listener_rule: elasticloadbalancing,
  aws_lb_listener_certificate: elasticloadbalancing,
  aws_lb_target_group: elasticloadbalancing,
  aws_acm_certificate: acm,
  aws_acm_certificate_validation: acm,
  aws_wafv2_web_acl: wafv2,
  aws_wafv2_web_acl_association: wafv2,
  // WAF creates the log delivery with the caller's logs:CreateLogDelivery and PutResourcePolicy.
  aws_wafv2_web_acl_logging_configuration: { ...wafv2, alsoCalls: [logs] },
  // Containers
  aws_ecs_cluster: { ...ecs, serviceLinkedRole: "ecs.amazonaws.com" },
  aws_ecs_cluster_capacity_providers: ecs,
  aws_ecs_service: { ...ecs, serviceLinkedRole: "ecs.amazonaws.com" },
  aws_ecs_task_definition: ecs,
  aws_appautoscaling_target: {
    ...applicationAutoscaling,
    serviceLinkedRole: "ecs.application-autoscaling.amazonaws.com",
  },
  aws_appautoscaling_policy: applicationAutoscaling,
  aws_appautoscaling_scheduled_action: applicationAutoscaling,
  // Database: RDS creates the master user's secret (manage_master_user_password) and the grants
  // on its KMS key with the caller's permissions.
  aws_db_instance: {
    ...rds,
    serviceLinkedRole: "rds.amazonaws.com",
    alsoCalls: [secretsmanager, kms],
  },
  aws_db_subnet_group: rds,
  aws_db_parameter_group: rds,
  aws_kms_key: kms,
  aws_kms_alias: kms,
  // Data named after the environment
  // Bucket tags are read and written through S3 Control (ListTagsForResource, TagResource).
  aws_s3_bucket: { ...s3, endpoints: ["s3", "s3control"] },
  aws_s3_bucket_lifecycle_configuration: s3,
  aws_s3_bucket_ownership_controls: s3,
  aws_s3_bucket_policy: s3,
  aws_s3_bucket_public_access_block: s3,
  aws_s3_bucket_server_side_encryption_configuration: s3,
  aws_s3_bucket_versioning: s3,
  aws_dynamodb_table: dynamodb,
  aws_dynamodb_resource_policy: dynamodb,
  aws_sqs_queue: sqs,
  aws_sqs_queue_policy: sqs,
  aws_sqs_queue_redrive_policy: sqs,
  aws_sqs_queue_redrive_allow_policy: sqs,
  aws_sns_topic: sns,
  aws_sns_topic_policy: sns,
  aws_sns_topic_subscription: sns,
  aws_route53_record: route53,
  // Observability
  aws_cloudwatch_metric_alarm: cloudwatch,
  aws_cloudwatch_dashboard: cloudwatch,
  aws_cloudwatch_log_group: logs,
  aws_cloudwatch_log_metric_filter: logs,
  aws_cloudwatch_query_definition: logs,
  aws_budgets_budget: budgets,
  // Identity
  aws_iam_role: iam,
  aws_iam_role_policy: iam,
  aws_iam_role_policy_attachment: iam,
  aws_iam_policy: iam,
  aws_iam_openid_connect_provider: iam,
  // Images (shared stack)
  aws_ecr_repository: ecr,
  aws_ecr_repository_policy: ecr,
  aws_ecr_lifecycle_policy: ecr,
  aws_ecr_replication_configuration: ecr,
};

/**
 * Terraform data source type -> the service it reads, or `null` when the provider computes it
 * without an API call. A data source type missing here fails synth (PLAT-9) too: e2e needs its
 * endpoint.
 */
export const AWS_DATA_SOURCES: Readonly<Record<string, AwsService | null>> = {
  aws_caller_identity: AWS_SERVICES.sts,
  aws_elb_service_account: null,
  aws_region: null,
  aws_partition: null,
};

/** This file, for messages that tell where to add a type. */
export const AWS_SERVICES_FILE = "src/lib/aws-services.ts";

/** What deploying `type` needs; throws for a type this file does not list. */
export function resourceNeeds(type: string): AwsResourceNeeds {
  const needs = Object.hasOwn(AWS_RESOURCE_TYPES, type) ? AWS_RESOURCE_TYPES[type] : undefined;
  if (!needs) {
    throw new Error(
      `${type} is not in AWS_RESOURCE_TYPES: add it, with its service, to ${AWS_SERVICES_FILE}`,
    );
  }
  return needs;
}

/** The types of `types` this file does not list. */
export function unknownResourceTypes(types: Iterable<string>): string[] {
  return [...new Set(types)].filter((t) => !Object.hasOwn(AWS_RESOURCE_TYPES, t)).sort();
}

/** The data source types of `types` this file does not list (only `aws_` types are the provider's). */
export function unknownDataSourceTypes(types: Iterable<string>): string[] {
  return [...new Set(types)]
    .filter((t) => t.startsWith("aws_") && !Object.hasOwn(AWS_DATA_SOURCES, t))
    .sort();
}

const listed = (types: Iterable<string>): AwsResourceNeeds[] =>
  [...types].flatMap((t) => (Object.hasOwn(AWS_RESOURCE_TYPES, t) ? [AWS_RESOURCE_TYPES[t]!] : []));

/**
 * Every service deploying `types` calls (each type's own and those it calls besides), in the
 * order of `AWS_SERVICES`, so policies derived from them read the same whatever the order of the
 * types. Types this file does not list add nothing (never more permissions): PLAT-9 fails the
 * synth on them.
 */
export function servicesFor(types: Iterable<string>): AwsService[] {
  const used = new Set<string>();
  for (const needs of listed(types)) {
    used.add(needs.service);
    for (const other of needs.alsoCalls ?? []) used.add(other.service);
  }
  return Object.values(AWS_SERVICES).filter((s) => used.has(s.service));
}

/** The service-linked roles deploying `types` may create, by service name, sorted (unlisted types add none). */
export function serviceLinkedRolesFor(types: Iterable<string>): string[] {
  const roles = new Set<string>();
  for (const needs of listed(types)) {
    if (needs.serviceLinkedRole) roles.add(needs.serviceLinkedRole);
  }
  return [...roles].sort();
}
