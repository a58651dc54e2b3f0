import { DataAwsCallerIdentity } from "@cdktf/provider-aws/lib/data-aws-caller-identity";
import { Aspects, TerraformOutput, TerraformResource, TerraformVariable } from "cdktf";
import type { Construct } from "constructs";
import type { BackendConfig } from "../config/backend";
import { arn, ciNames, imageRepository } from "../config/names";
import type { EnvironmentConfig } from "../config/schema";
import { PermissionsBoundary } from "../ci-identity/permissions-boundary";
import { MonthlyBudget } from "../cost/budget";
import { DataKey, type KeyUsingService } from "../data-key/data-key";
import { Database, DATABASE_PORT } from "../database/database";
import { KeyValueStore } from "../key-value-store/key-value-store";
import { LoadBalancer, type ServiceTarget } from "../load-balancer/load-balancer";
import { Queue } from "../messaging/queue";
import { Topic } from "../messaging/topic";
import { Monitoring } from "../monitoring/monitoring";
import { Network } from "../network/network";
import { RulesReplacedFirst } from "../network/security-group";
import { TrafficRule } from "../network/traffic-rule";
import { requiredEndpoints } from "../network/vpc-endpoints";
import { Cluster } from "../service/cluster";
import { FargateService } from "../service/fargate-service";
import { rulePriority, type ServiceSettings } from "../service/settings";
import { TrafficShiftRole } from "../service/traffic-shift-role";
import { loadBalancedVariables } from "../lib/variables";
import { LEGACY_ADDRESSES } from "./legacy-addresses";
import { PlatformStack } from "./platform-stack";

/** Git SHAs (7 to 40 hex digits) or release versions such as v1.4.2; never a moving tag. */
export const IMAGE_TAG_PATTERN = "^([0-9a-f]{7,40}|v[0-9]+\\.[0-9]+\\.[0-9]+)$";

/**
 * One whole environment in its own state, built from its declaration: the network, the data
 * (database, tables, topics, queues), the load balancer, one ECS service per declared service and
 * the monitoring. Everything a service may reach or do (grants, key use, security-group rules,
 * endpoints, environment variables, alarms) derives from its `uses` and `public` settings.
 */
export class EnvironmentStack extends PlatformStack {
  public readonly imageTag: TerraformVariable;
  public readonly network: Network;
  public readonly loadBalancer: LoadBalancer;
  public readonly cluster: Cluster;
  public readonly services: Record<string, PlacedService> = {};
  public readonly dataKey: DataKey;
  public readonly database?: Database;
  public readonly tables: Record<string, KeyValueStore> = {};
  public readonly topics: Record<string, Topic> = {};
  public readonly queues: Record<string, Queue> = {};
  public readonly monitoring: Monitoring;
  public readonly budget: MonthlyBudget;
  private readonly namePrefix: string;
  private readonly accountId: string;

  constructor(
    scope: Construct,
    private readonly env: EnvironmentConfig,
    backend: BackendConfig,
  ) {
    super(scope, env.name, {
      project: env.project.name,
      region: env.region,
      allowedAccountIds: env.allowedAccountIds,
      tags: {
        ...env.project.tags,
        ...env.tags,
        Project: env.project.name,
        Environment: env.name,
        ManagedBy: "cdktf",
      },
      backend: { kind: "s3", config: backend, stack: env.name },
    });
    const namePrefix = `${env.project.name}-${env.name}`;
    this.namePrefix = namePrefix;
    // Every role this stack creates carries the CI permissions boundary, which the deploy role
    // may not create roles without (docs/ci-cd.md): apply the account's identity first (`shared`
    // in the shared account, `identity-<account>` in any other).
    Aspects.of(this).add(
      new PermissionsBoundary(
        arn.policy(env.allowedAccountIds[0]!, ciNames(env.project).boundaryPolicy),
      ),
    );
    // A replaced security group's rules are recreated before the old ones go (PLAT-11).
    Aspects.of(this).add(new RulesReplacedFirst());
    const accountId = new DataAwsCallerIdentity(this, "account").accountId;
    this.accountId = accountId;

    this.imageTag = new TerraformVariable(this, "image_tag", {
      type: "string",
      description:
        "The service image to run: a tag of the shared repository (the commit SHA CI pushed, or vX.Y.Z). " +
        "Changing it is a release: the plan replaces the task definition and updates the service, nothing else.",
      validation: [
        {
          condition: `\${can(regex("${IMAGE_TAG_PATTERN.replace(/\\/g, "\\\\")}", var.image_tag))}`,
          errorMessage:
            "image_tag must be a commit SHA (7-40 lower-case hex digits) or vX.Y.Z, never a moving tag such as latest.",
        },
      ],
    });

    const services = Object.values(env.services);
    const anyUses = (kind: "tables" | "queues" | "topics") =>
      services.some((svc) => Object.keys(svc.uses[kind]).length > 0);
    const usesDatabase = services.some((svc) => svc.uses.database);
    const longestLogRetention = Math.max(...services.map((svc) => svc.logRetentionDays));

    this.dataKey = new DataKey(this, "data-key", {
      namePrefix,
      region: env.region,
      accountId,
      services: keyUsingServices(env),
      topicsDeliverToQueues: Object.values(env.queues).some((q) => q.subscribesTo.length > 0),
      // The key outlives what it protects: kept where the tier or any protected data needs it.
      preventDestroy:
        env.tier === "production" ||
        env.database?.deletionProtection === true ||
        Object.values(env.tables).some((t) => t.deletionProtection),
    });
    const kmsKeyArn = this.dataKey.key.arn;

    this.network = new Network(this, "network", {
      namePrefix,
      region: env.region,
      accountId,
      cidr: env.network.cidr,
      availabilityZones: env.network.availabilityZones,
      subnetPrefixLengths: env.network.subnetPrefixLengths,
      natGateways: env.network.natGateways,
      servicePorts: [...new Set(services.flatMap((svc) => svc.public?.containerPort ?? []))],
      databasePort: usesDatabase ? DATABASE_PORT : undefined,
      flowLogs: { ...env.network.flowLogs, kmsKeyArn },
      // Without NAT, exactly what the declared uses call gets an endpoint.
      endpointServices: requiredEndpoints({
        database: usesDatabase,
        tables: anyUses("tables"),
        queues: anyUses("queues"),
        topics: anyUses("topics"),
      }),
    });

    if (env.database) {
      this.database = new Database(this, "database", {
        ...env.database,
        namePrefix,
        region: env.region,
        accountId,
        vpcId: this.network.vpc.id,
        subnetIds: this.network.subnetIds("isolated"),
        kmsKeyArn,
        // The database's logs are kept as long as the longest-kept service's.
        logRetentionDays: longestLogRetention,
      });
    }
    for (const [name, table] of Object.entries(env.tables)) {
      this.tables[name] = new KeyValueStore(this, `table-${name}`, {
        ...table,
        name,
        tableName: `${namePrefix}-${name}`,
        region: env.region,
        kmsKeyArn,
      });
    }
    for (const name of Object.keys(env.topics)) {
      this.topics[name] = new Topic(this, `topic-${name}`, {
        name,
        topicName: `${namePrefix}-${name}`,
        region: env.region,
        kmsKeyArn,
      });
    }
    for (const [name, queue] of Object.entries(env.queues)) {
      this.queues[name] = new Queue(this, `queue-${name}`, {
        ...queue,
        name,
        queueName: `${namePrefix}-${name}`,
        region: env.region,
        kmsKeyArn,
        subscribesTo: queue.subscribesTo.map((topic) => this.topics[topic]!),
      });
    }

    this.loadBalancer = new LoadBalancer(this, "load-balancer", {
      namePrefix,
      region: env.region,
      accountId,
      vpcId: this.network.vpc.id,
      subnetIds: this.network.subnetIds("public"),
      idleTimeoutSeconds: env.loadBalancer.idleTimeoutSeconds,
      deletionProtection: env.loadBalancer.deletionProtection,
      accessLogRetentionDays: env.loadBalancer.accessLogRetentionDays,
      tls: env.loadBalancer.tls,
      waf: env.loadBalancer.waf?.enabled ? env.loadBalancer.waf : undefined,
      kmsKeyArn,
      wafLogRetentionDays: longestLogRetention,
      vpcCidr: env.network.cidr,
    });

    this.cluster = new Cluster(this, "cluster", { name: namePrefix });
    for (const [name, settings] of Object.entries(env.services)) {
      this.services[name] = this.createService(name, settings);
    }

    this.monitoring = new Monitoring(this, "monitoring", {
      namePrefix,
      region: env.region,
      accountId,
      kmsKeyArn,
      key: this.dataKey,
      alarmEmails: env.monitoring.alarmEmails,
      alarmWebhookUrl: env.monitoring.alarmWebhookUrl,
      thresholds: env.monitoring.alarms,
      resources: {
        loadBalancerArnSuffix: this.loadBalancer.alb.arnSuffix,
        clusterName: this.cluster.cluster.name,
        services: Object.entries(env.services).map(([name, settings]) => ({
          name,
          serviceName: this.services[name]!.service.name,
          minTaskCount: settings.autoscaling.minCount,
          logGroupName: this.services[name]!.logGroup.name,
          targetGroupArnSuffix: this.services[name]!.target?.targetGroup.arnSuffix,
          alternateTargetGroupArnSuffix:
            this.services[name]!.target?.alternateTargetGroup?.arnSuffix,
          consumes: Object.entries(settings.uses.queues)
            .filter(([, access]) => access === "consume")
            .map(([queue]) => queue),
        })),
        queues: Object.entries(this.queues).map(([name, queue]) => ({
          name,
          queueName: queue.queue.name,
          deadLetterQueueName: queue.deadLetterQueue.name,
        })),
        database: this.database && {
          identifier: this.database.instance.identifier,
          allocatedStorageGiB: env.database!.allocatedStorageGiB,
        },
      },
    });
    for (const [name, service] of Object.entries(this.services)) {
      const alarms = this.monitoring.deploymentAlarms(name);
      if (alarms.length > 0) service.rollBackOn(alarms.map((alarm) => alarm.alarmName));
    }

    // The environment's spend, measured against its declared budget, alerting the same topic.
    this.budget = new MonthlyBudget(this, "budget", {
      name: `${namePrefix}-monthly`,
      accountId,
      monthlyUsd: env.cost.monthlyBudgetUsd,
      tag: { key: "Environment", value: env.name },
      alerts: this.monitoring,
    });

    this.moveLegacyAddresses();
    this.outputs(imageRepository(env.project, env.region).url);
  }

  /**
   * One declared service: its place behind the load balancer (if public), its ECS service, and
   * exactly the access its `uses` declares: each resource grants it (`table.grant(roles, ...)`),
   * the database admits it, and its environment names what it uses.
   */
  private createService(name: string, settings: ServiceSettings): PlacedService {
    const { env } = this;
    const { uses } = settings;
    // Every strategy but rolling shifts traffic between two target groups (settings refuse it
    // for a service without `public`).
    const shiftsTraffic = settings.deployment.strategy !== "rolling";
    const target = settings.public
      ? this.loadBalancer.addService({
          name,
          containerPort: settings.public.containerPort,
          healthCheck: settings.public.healthCheck,
          deregistrationDelaySeconds: settings.public.deregistrationDelaySeconds,
          paths: settings.public.paths,
          hosts: settings.public.hosts,
          priority: rulePriority(name, settings.public),
          alternate: shiftsTraffic,
        })
      : undefined;
    const shiftRole =
      target?.alternateTargetGroup && target.testRule
        ? new TrafficShiftRole(this, `traffic-shift-${name}`, {
            namePrefix: `${this.namePrefix}-${name}`,
            targetGroupArns: [target.targetGroup.arn, target.alternateTargetGroup.arn],
            listenerRuleArns: [target.rule.arn, target.testRule.arn],
          })
        : undefined;
    const database = uses.database ? this.database! : undefined;
    const connection = database?.connection();
    // What the service uses, as the constructs that own it: each grants access and names itself.
    const tables = Object.entries(uses.tables).map(([t, access]) => ({
      access,
      it: this.tables[t]!,
    }));
    const queues = Object.entries(uses.queues).map(([q, access]) => ({
      access,
      it: this.queues[q]!,
    }));
    const topics = Object.entries(uses.topics).map(([t, access]) => ({
      access,
      it: this.topics[t]!,
    }));
    const consumed = queues.filter((q) => q.access === "consume").map((q) => q.it);
    const variablesOf = (used: readonly { it: { environment(): Record<string, string> } }[]) =>
      Object.assign({}, ...used.map((u) => u.it.environment())) as Record<string, string>;
    const repository = imageRepository(env.project, env.region);

    const service = new FargateService(this, `service-${name}`, {
      ...settings,
      namePrefix: this.namePrefix,
      name,
      region: env.region,
      accountId: this.accountId,
      vpcId: this.network.vpc.id,
      subnetIds: this.network.subnetIds("private"),
      cluster: this.cluster,
      // Addressed from configuration, not read from the shared stack's state: a deploy role may
      // read its own stack's state and no other (docs/ci-cd.md).
      repositoryUrl: repository.url,
      repositoryArn: repository.arn,
      imageTag: this.imageTag.stringValue,
      logKmsKeyArn: this.dataKey.key.arn,
      loadBalancing: target && {
        targetGroupArn: target.targetGroup.arn,
        containerPort: settings.public!.containerPort,
        dependsOn: [
          target.rule,
          ...(target.testRule && shiftRole ? [target.testRule, shiftRole.policy] : []),
        ],
        requestCountResourceLabel: target.resourceLabel,
        trafficShift: shiftRole && {
          alternateTargetGroupArn: target.alternateTargetGroup!.arn,
          productionListenerRuleArn: target.rule.arn,
          testListenerRuleArn: target.testRule!.arn,
          roleArn: shiftRole.role.arn,
        },
      },
      backlogScaling:
        settings.autoscaling.backlogPerTask !== undefined
          ? {
              queueName: consumed[0]!.queue.name,
              messagesPerTask: settings.autoscaling.backlogPerTask,
            }
          : undefined,
      environment: {
        AWS_REGION: env.region,
        // Only a public service has a load balancer to agree with.
        ...(settings.public
          ? loadBalancedVariables({
              idleTimeoutSeconds: env.loadBalancer.idleTimeoutSeconds,
              healthCheckPath: settings.public.healthCheck.path,
            })
          : {}),
        ...connection?.environment,
        ...variablesOf(tables),
        ...variablesOf(queues),
        ...variablesOf(topics),
      },
      secrets: connection?.secrets,
      secretArns: database ? [database.masterSecretArn] : undefined,
      secretsKmsKeyArn: database ? this.dataKey.key.arn : undefined,
    });
    for (const { it, access } of tables) it.grant(service.roles, access);
    for (const { it, access } of queues) it.grant(service.roles, access);
    for (const { it, access } of topics) it.grant(service.roles, access);
    if (target) {
      new TrafficRule(this, `alb-to-${name}`, {
        fromSecurityGroupId: this.loadBalancer.securityGroup.id,
        toSecurityGroupId: service.securityGroup.id,
        port: settings.public!.containerPort,
        description: `Load balancer to ${name} (requests and health checks)`,
      });
    }
    if (database) {
      database.grantConnect(service.roles);
      new TrafficRule(this, `${name}-to-database`, {
        fromSecurityGroupId: service.securityGroup.id,
        toSecurityGroupId: database.securityGroup.id,
        port: DATABASE_PORT,
        description: `${name} to PostgreSQL`,
      });
    }
    return Object.assign(service, { target });
  }

  /**
   * Resources whose construct path changed when environments declared their services and data:
   * Terraform moves them in state instead of replacing them (`moved` blocks). Stateful ones keep
   * their AWS names, so nothing is lost.
   */
  private moveLegacyAddresses(): void {
    for (const { from, to } of LEGACY_ADDRESSES) {
      const target = this.node.tryFindChild(to.construct)?.node.tryFindChild(to.child);
      if (target instanceof TerraformResource) target.moveFromId(from);
    }
  }

  private outputs(repositoryUrl: string): void {
    const output = (id: string, value: string, description: string) =>
      new TerraformOutput(this, id, { value, description });
    const map = <T>(
      id: string,
      all: Record<string, T>,
      value: (item: T) => string,
      description: string,
    ) =>
      new TerraformOutput(this, id, {
        value: Object.fromEntries(Object.entries(all).map(([name, item]) => [name, value(item)])),
        description,
      });
    output("service_url", this.loadBalancer.url, "Where the public services answer");
    // Named like the variable (construct ids can't be): PR plans read it to plan with what runs.
    output(
      "image-tag-output",
      this.imageTag.stringValue,
      "The image tag deployed",
    ).overrideLogicalId("image_tag");
    output("alb_dns_name", this.loadBalancer.alb.dnsName, "The load balancer's DNS name");
    output("cluster_name", this.cluster.cluster.name, "The ECS cluster");
    map(
      "service_names",
      this.services,
      (s) => s.service.name,
      "ECS service of each declared service",
    );
    map(
      "task_role_arns",
      this.services,
      (s) => s.roles.taskRole.arn,
      "Task role of each declared service",
    );
    output("ecr_repository_url", repositoryUrl, "The image repository (shared stack)");
    output("vpc_id", this.network.vpc.id, "The environment's VPC");
    new TerraformOutput(this, "private_subnet_ids", {
      value: this.network.subnetIds("private"),
      description: "Subnets of the service tasks (for one-off tasks)",
    });
    if (this.database) {
      output("database_endpoint", this.database.instance.address, "PostgreSQL host (private)");
      output(
        "database_credentials_arn",
        this.database.masterSecretArn,
        "Secrets Manager secret of the master user",
      );
    }
    map("table_names", this.tables, (t) => t.table.name, "DynamoDB table of each declared table");
    map("queue_urls", this.queues, (q) => q.queue.url, "SQS queue of each declared queue");
    map(
      "dead_letter_queue_urls",
      this.queues,
      (q) => q.deadLetterQueue.url,
      "SQS dead-letter queue of each declared queue",
    );
    map("topic_arns", this.topics, (t) => t.topic.arn, "SNS topic of each declared topic");
    output("alerts_topic_arn", this.monitoring.topic.arn, "SNS topic every alarm notifies");
    output("dashboard_name", this.monitoring.dashboard.dashboardName, "CloudWatch dashboard");
  }
}

/** A declared service, and its place behind the load balancer when it is public. */
export type PlacedService = FargateService & { readonly target?: ServiceTarget };

/** The services that hold the environment's data encrypted with its key. */
function keyUsingServices(env: EnvironmentConfig): KeyUsingService[] {
  return [
    ...(env.database ? (["rds", "secretsmanager"] as const) : []),
    ...(Object.keys(env.tables).length > 0 ? (["dynamodb"] as const) : []),
    ...(Object.keys(env.queues).length > 0 ? (["sqs"] as const) : []),
    ...(Object.keys(env.topics).length > 0 ? (["sns"] as const) : []),
  ];
}
