import { DataAwsCallerIdentity } from "@cdktf/provider-aws/lib/data-aws-caller-identity";
import { Aspects, TerraformOutput, TerraformVariable } from "cdktf";
import type { Construct } from "constructs";
import type { BackendConfig } from "../config/backend";
import { arn, ciNames, imageRepository } from "../config/names";
import type { EnvironmentConfig } from "../config/schema";
import { PermissionsBoundary } from "../ci-identity/permissions-boundary";
import { DataKey } from "../data-key/data-key";
import { Database, DATABASE_PORT } from "../database/database";
import { FargateService } from "../service/fargate-service";
import { KeyValueStore } from "../key-value-store/key-value-store";
import { Messaging } from "../messaging/messaging";
import { Monitoring } from "../monitoring/monitoring";
import { LoadBalancer } from "../load-balancer/load-balancer";
import { Network } from "../network/network";
import { TrafficRule } from "../network/traffic-rule";
import { DEFAULT_INTERFACE_ENDPOINTS } from "../network/vpc-endpoints";
import { PlatformStack } from "./platform-stack";

/** Git SHAs (7 to 40 hex digits) or release versions such as v1.4.2; never a moving tag. */
export const IMAGE_TAG_PATTERN = "^([0-9a-f]{7,40}|v[0-9]+\\.[0-9]+\\.[0-9]+)$";

/** One whole environment (`staging` or `prod`) in its own state. */
export class EnvironmentStack extends PlatformStack {
  public readonly imageTag: TerraformVariable;
  public readonly network: Network;
  public readonly loadBalancer: LoadBalancer;
  public readonly service: FargateService;
  public readonly dataKey: DataKey;
  public readonly database: Database;
  public readonly keyValueStore: KeyValueStore;
  public readonly messaging: Messaging;
  public readonly monitoring: Monitoring;

  constructor(scope: Construct, env: EnvironmentConfig, backend: BackendConfig) {
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
    // The image in this region: the repository itself, or its replica (the shared stack).
    const repository = imageRepository(env.project, env.region);
    // Every role this stack creates carries the CI permissions boundary, which the deploy role
    // may not create roles without (docs/ci-cd.md): apply the shared stack first.
    Aspects.of(this).add(
      new PermissionsBoundary(
        arn.policy(env.allowedAccountIds[0]!, ciNames(env.project).boundaryPolicy),
      ),
    );
    const { service: svc } = env;
    const accountId = new DataAwsCallerIdentity(this, "account").accountId;

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

    this.dataKey = new DataKey(this, "data-key", { namePrefix, region: env.region, accountId });
    const kmsKeyArn = this.dataKey.key.arn;

    this.network = new Network(this, "network", {
      namePrefix,
      region: env.region,
      accountId,
      cidr: env.network.cidr,
      availabilityZones: env.network.availabilityZones,
      subnetPrefixLengths: env.network.subnetPrefixLengths,
      natGateways: env.network.natGateways,
      servicePort: svc.containerPort,
      databasePort: DATABASE_PORT,
      flowLogs: { ...env.network.flowLogs, kmsKeyArn },
      // Without NAT, everything the service calls needs an endpoint.
      interfaceEndpoints: [...DEFAULT_INTERFACE_ENDPOINTS, "sqs", "sns"],
      gatewayEndpoints: ["s3", "dynamodb"],
    });

    this.database = new Database(this, "database", {
      ...env.database,
      namePrefix,
      region: env.region,
      accountId,
      vpcId: this.network.vpc.id,
      subnetIds: this.network.subnetIds("isolated"),
      kmsKeyArn,
      logRetentionDays: svc.logRetentionDays,
    });

    this.keyValueStore = new KeyValueStore(this, "key-value-store", {
      ...env.keyValueStore,
      tableName: `${namePrefix}-items`,
      kmsKeyArn,
    });

    this.messaging = new Messaging(this, "messaging", { ...env.messaging, namePrefix, kmsKeyArn });

    this.loadBalancer = new LoadBalancer(this, "load-balancer", {
      namePrefix,
      region: env.region,
      accountId,
      vpcId: this.network.vpc.id,
      subnetIds: this.network.subnetIds("public"),
      targetPort: svc.containerPort,
      healthCheck: svc.healthCheck,
      deregistrationDelaySeconds: svc.deregistrationDelaySeconds,
      idleTimeoutSeconds: env.loadBalancer.idleTimeoutSeconds,
      deletionProtection: env.loadBalancer.deletionProtection,
      accessLogRetentionDays: env.loadBalancer.accessLogRetentionDays,
      tls: env.loadBalancer.tls,
      waf: env.loadBalancer.waf?.enabled ? env.loadBalancer.waf : undefined,
      kmsKeyArn,
      wafLogRetentionDays: svc.logRetentionDays,
    });

    this.service = new FargateService(this, "service", {
      namePrefix,
      region: env.region,
      vpcId: this.network.vpc.id,
      subnetIds: this.network.subnetIds("private"),
      // Addressed from configuration, not read from the shared stack's state: a deploy role may
      // read its own stack's state and no other (docs/ci-cd.md).
      repositoryUrl: repository.url,
      repositoryArn: repository.arn,
      imageTag: this.imageTag.stringValue,
      containerPort: svc.containerPort,
      cpu: svc.cpu,
      memoryMiB: svc.memoryMiB,
      cpuArchitecture: svc.cpuArchitecture,
      desiredCount: svc.desiredCount,
      autoscaling: svc.autoscaling,
      deployment: svc.deployment,
      capacity: svc.capacity,
      stopTimeoutSeconds: svc.stopTimeoutSeconds,
      logRetentionDays: svc.logRetentionDays,
      logKmsKeyArn: kmsKeyArn,
      targetGroupArn: this.loadBalancer.targetGroup.arn,
      listeners: this.loadBalancer.listeners,
      requestCountResourceLabel: `${this.loadBalancer.alb.arnSuffix}/${this.loadBalancer.targetGroup.arnSuffix}`,
      accountId,
      environment: {
        DB_HOST: this.database.instance.address,
        DB_PORT: String(DATABASE_PORT),
        DB_NAME: env.database.databaseName,
        DB_SSL: "verify-full",
        TABLE_NAME: this.keyValueStore.table.name,
        QUEUE_URL: this.messaging.queue.url,
        TOPIC_ARN: this.messaging.topic.arn,
        DB_SECRET_ARN: this.database.masterSecretArn,
      },
      // The master credentials, by JSON key of the secret RDS manages: never in plain text.
      secrets: {
        DB_USERNAME: `${this.database.masterSecretArn}:username::`,
        DB_PASSWORD: `${this.database.masterSecretArn}:password::`,
      },
      secretArns: [this.database.masterSecretArn],
      secretsKmsKeyArn: kmsKeyArn,
    });
    this.grantServiceAccess();

    this.monitoring = new Monitoring(this, "monitoring", {
      namePrefix,
      region: env.region,
      kmsKeyArn,
      alarmEmails: env.monitoring.alarmEmails,
      alarmWebhookUrl: env.monitoring.alarmWebhookUrl,
      thresholds: env.monitoring.alarms,
      resources: {
        loadBalancerArnSuffix: this.loadBalancer.alb.arnSuffix,
        targetGroupArnSuffix: this.loadBalancer.targetGroup.arnSuffix,
        clusterName: this.service.cluster.name,
        serviceName: this.service.service.name,
        minTaskCount: svc.autoscaling.minCount,
        databaseIdentifier: this.database.instance.identifier,
        databaseAllocatedStorageGiB: env.database.allocatedStorageGiB,
        queueName: this.messaging.queue.name,
        deadLetterQueueName: this.messaging.deadLetterQueue.name,
        logGroupName: this.service.logGroup.name,
      },
    });
    this.service.rollBackOn(this.monitoring.deploymentAlarms.map((alarm) => alarm.alarmName));

    new TrafficRule(this, "alb-to-service", {
      fromSecurityGroupId: this.loadBalancer.securityGroup.id,
      toSecurityGroupId: this.service.securityGroup.id,
      port: svc.containerPort,
      description: "Load balancer to the service tasks (requests and health checks)",
    });
    new TrafficRule(this, "service-to-database", {
      fromSecurityGroupId: this.service.securityGroup.id,
      toSecurityGroupId: this.database.securityGroup.id,
      port: DATABASE_PORT,
      description: "Service tasks to PostgreSQL",
    });

    this.outputs(repository.url);
  }

  /** Exactly what the service uses, on exactly these resources. */
  private grantServiceAccess(): void {
    const { roles } = this.service;
    const table = this.keyValueStore.table.arn;
    roles.grant("table-read-write", {
      Effect: "Allow",
      Action: [
        "dynamodb:GetItem",
        "dynamodb:BatchGetItem",
        "dynamodb:Query",
        "dynamodb:PutItem",
        "dynamodb:UpdateItem",
        "dynamodb:DeleteItem",
        "dynamodb:BatchWriteItem",
        "dynamodb:ConditionCheckItem",
      ],
      Resource: [table, `${table}/index/*`],
    });
    roles.grant("queue-consume-produce", {
      Effect: "Allow",
      Action: [
        "sqs:SendMessage",
        "sqs:ReceiveMessage",
        "sqs:DeleteMessage",
        "sqs:GetQueueAttributes",
      ],
      Resource: this.messaging.queue.arn,
    });
    roles.grant("events-publish", {
      Effect: "Allow",
      Action: "sns:Publish",
      Resource: this.messaging.topic.arn,
    });
    // The service re-reads the database secret after RDS rotates it (see service/README.md).
    roles.grant("database-secret-read", {
      Effect: "Allow",
      Action: "secretsmanager:GetSecretValue",
      Resource: this.database.masterSecretArn,
    });
    // SQS and SNS need data keys to encrypt what the service sends, and Secrets Manager decrypts
    // the secret: always through those services, never by calling KMS directly.
    roles.grant("data-key-use", {
      Effect: "Allow",
      Action: ["kms:Decrypt", "kms:GenerateDataKey"],
      Resource: this.dataKey.key.arn,
      Condition: {
        StringEquals: {
          "kms:ViaService": ["sqs", "sns", "secretsmanager"].map(
            (s) => `${s}.${this.region}.amazonaws.com`,
          ),
        },
      },
    });
  }

  private outputs(repositoryUrl: string): void {
    const output = (id: string, value: string, description: string) =>
      new TerraformOutput(this, id, { value, description });
    output("service_url", this.loadBalancer.url, "Where the service answers");
    // Named like the variable (construct ids can't be): PR plans read it to plan with what runs.
    output(
      "image-tag-output",
      this.imageTag.stringValue,
      "The image tag deployed",
    ).overrideLogicalId("image_tag");
    output("alb_dns_name", this.loadBalancer.alb.dnsName, "The load balancer's DNS name");
    output("cluster_name", this.service.cluster.name, "The ECS cluster");
    output("service_name", this.service.service.name, "The ECS service");
    output("ecr_repository_url", repositoryUrl, "The image repository (shared stack)");
    output("vpc_id", this.network.vpc.id, "The environment's VPC");
    new TerraformOutput(this, "private_subnet_ids", {
      value: this.network.subnetIds("private"),
      description: "Subnets of the service tasks (for one-off tasks)",
    });
    output("database_endpoint", this.database.instance.address, "PostgreSQL host (private)");
    output(
      "database_secret_arn",
      this.database.masterSecretArn,
      "Secrets Manager secret of the master user",
    );
    output("table_name", this.keyValueStore.table.name, "DynamoDB table");
    output("queue_url", this.messaging.queue.url, "SQS work queue");
    output("dead_letter_queue_url", this.messaging.deadLetterQueue.url, "SQS dead-letter queue");
    output("topic_arn", this.messaging.topic.arn, "SNS events topic");
    output("alerts_topic_arn", this.monitoring.topic.arn, "SNS topic every alarm notifies");
    output("dashboard_name", this.monitoring.dashboard.dashboardName, "CloudWatch dashboard");
  }
}
