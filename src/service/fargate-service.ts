import { AppautoscalingPolicy } from "@cdktf/provider-aws/lib/appautoscaling-policy";
import { AppautoscalingTarget } from "@cdktf/provider-aws/lib/appautoscaling-target";
import { CloudwatchLogGroup } from "@cdktf/provider-aws/lib/cloudwatch-log-group";
import { EcsCluster } from "@cdktf/provider-aws/lib/ecs-cluster";
import { EcsClusterCapacityProviders } from "@cdktf/provider-aws/lib/ecs-cluster-capacity-providers";
import {
  EcsService,
  type EcsServiceCapacityProviderStrategy,
} from "@cdktf/provider-aws/lib/ecs-service";
import { EcsTaskDefinition } from "@cdktf/provider-aws/lib/ecs-task-definition";
import { SecurityGroup } from "@cdktf/provider-aws/lib/security-group";
import { VpcSecurityGroupEgressRule } from "@cdktf/provider-aws/lib/vpc-security-group-egress-rule";
import type { ITerraformDependable } from "cdktf";
import { Construct } from "constructs";
import { TaskRoles } from "./task-roles";

/** The container's name in the task definition; the target group registers it. */
export const CONTAINER_NAME = "app";

/**
 * The image's own health check, run by the ECS agent inside the container. The service image
 * ships a small Node.js script for it (service/src/healthcheck.ts), so it needs no curl.
 */
export const CONTAINER_HEALTH_CHECK = ["CMD", "node", "/app/dist/healthcheck.js"];

/** The numeric uid:gid the container runs as: the `node` user of the official Node.js images. */
export const CONTAINER_USER = "1000:1000";

export interface FargateServiceProps {
  readonly namePrefix: string;
  readonly region: string;
  readonly vpcId: string;
  /** Private subnets; tasks get no public IP. */
  readonly subnetIds: readonly string[];
  /** The repository's URL; the image is `<url>:<imageTag>`. */
  readonly repositoryUrl: string;
  /** For the execution role's pull permission. */
  readonly repositoryArn: string;
  /** The release to run, e.g. a commit SHA. Changing it changes only the task definition. */
  readonly imageTag: string;
  readonly containerPort: number;
  readonly cpu: number;
  readonly memoryMiB: number;
  readonly cpuArchitecture: "X86_64" | "ARM64";
  readonly desiredCount: number;
  readonly autoscaling: {
    readonly minCount: number;
    readonly maxCount: number;
    readonly cpuTargetPercent: number;
    readonly requestsPerTarget?: number;
    readonly scaleInCooldownSeconds: number;
    readonly scaleOutCooldownSeconds: number;
  };
  readonly deployment: {
    readonly minimumHealthyPercent: number;
    readonly maximumPercent: number;
    readonly healthCheckGracePeriodSeconds: number;
  };
  readonly capacity: {
    readonly fargateBase: number;
    readonly fargateWeight: number;
    readonly fargateSpotWeight: number;
  };
  readonly stopTimeoutSeconds: number;
  readonly logRetentionDays: number;
  /**
   * Encrypts the service's log group.
   * @default - CloudWatch's own encryption
   */
  readonly logKmsKeyArn?: string;
  /** The target group the service registers its tasks in. */
  readonly targetGroupArn: string;
  /** The load balancer's listeners: the service waits for them (the target group needs one). */
  readonly listeners: readonly ITerraformDependable[];
  /**
   * `<alb arn_suffix>/<target group arn_suffix>`, for scaling on requests per target.
   * @default - no request-count scaling
   */
  readonly requestCountResourceLabel?: string;
  /**
   * Plain environment variables beside `PORT` and `APP_VERSION`.
   * @default {}
   */
  readonly environment?: Readonly<Record<string, string>>;
  /**
   * Environment variables ECS fills from Secrets Manager at start: name -> `valueFrom`
   * (`<secret arn>:<json key>::`). The execution role may read exactly `secretArns`.
   * @default {}
   */
  readonly secrets?: Readonly<Record<string, string>>;
  readonly secretArns?: readonly string[];
  /** The key the secrets are encrypted with; the execution role may decrypt with it. */
  readonly secretsKmsKeyArn?: string;
  readonly accountId: string;
}

/**
 * An ECS Fargate service behind a load balancer target group, in the private subnets.
 *
 * - Cluster with Container Insights and the FARGATE and FARGATE_SPOT capacity providers.
 * - One container, image `<repository>:<imageTag>`, listening on `containerPort`, which also
 *   becomes its `PORT` variable; logs to `/ecs/<prefix>`; a health check without curl; non-root,
 *   read-only root filesystem with a writable `/tmp`; `stopTimeout` for graceful shutdown.
 * - Rolling deploys within min/max percent, with the circuit breaker rolling back a release
 *   whose tasks do not become healthy; `wait_for_steady_state` makes that apply fail too.
 * - Target-tracking autoscaling on CPU (and optionally requests per target); Terraform ignores
 *   `desired_count` after creation, since autoscaling owns it.
 * - Its security group admits nothing by itself (the stack adds the load balancer's ingress and
 *   each dependency's egress) and allows HTTPS out for AWS APIs, through NAT or endpoints.
 *
 * Cost per month (eu-west-1, on-demand, 730 h): $0.04048 per vCPU-hour and $0.004445 per GB-hour,
 * so a 0.5 vCPU / 1 GB task is ~$18; ARM64 ~20% less; Fargate Spot up to 70% less. Container
 * Insights adds custom metrics (~$0.30 each per month) and log ingestion.
 */
export class FargateService extends Construct {
  public readonly cluster: EcsCluster;
  public readonly logGroup: CloudwatchLogGroup;
  public readonly roles: TaskRoles;
  public readonly taskDefinition: EcsTaskDefinition;
  public readonly securityGroup: SecurityGroup;
  public readonly service: EcsService;
  public readonly scalingTarget: AppautoscalingTarget;

  constructor(
    scope: Construct,
    id: string,
    private readonly props: FargateServiceProps,
  ) {
    super(scope, id);
    this.logGroup = new CloudwatchLogGroup(this, "logs", {
      name: `/ecs/${props.namePrefix}`,
      retentionInDays: props.logRetentionDays,
      kmsKeyId: props.logKmsKeyArn,
    });
    this.roles = new TaskRoles(this, "roles", {
      namePrefix: props.namePrefix,
      region: props.region,
      accountId: props.accountId,
      repositoryArn: props.repositoryArn,
      logGroupArn: this.logGroup.arn,
      secretArns: props.secretArns,
      secretsKmsKeyArn: props.secretsKmsKeyArn,
    });
    const capacityProviders = this.createCluster();
    this.cluster = capacityProviders.cluster;
    this.taskDefinition = this.createTaskDefinition();
    this.securityGroup = this.createSecurityGroup();
    this.service = this.createService([...props.listeners, capacityProviders.association]);
    this.scalingTarget = this.createAutoscaling();
  }

  /**
   * Rolls a deployment back when any of these alarms fires during it, even if the new tasks pass
   * their health checks (a release that answers 5xx, say).
   */
  public rollBackOn(alarmNames: readonly string[]): void {
    this.service.putAlarms({ alarmNames: [...alarmNames], enable: true, rollback: true });
  }

  private createCluster() {
    const cluster = new EcsCluster(this, "cluster", {
      name: this.props.namePrefix,
      setting: [{ name: "containerInsights", value: "enabled" }],
    });
    const association = new EcsClusterCapacityProviders(this, "capacity-providers", {
      clusterName: cluster.name,
      capacityProviders: ["FARGATE", "FARGATE_SPOT"],
    });
    return { cluster, association };
  }

  /** The container definition, exactly as ECS will report it back, so plans show no drift. */
  public containerDefinition(): Record<string, unknown> {
    const { props } = this;
    const environment = {
      ...props.environment,
      PORT: String(props.containerPort),
      APP_VERSION: props.imageTag,
    };
    return {
      name: CONTAINER_NAME,
      image: `${props.repositoryUrl}:${props.imageTag}`,
      essential: true,
      portMappings: [
        {
          name: "http",
          containerPort: props.containerPort,
          hostPort: props.containerPort,
          protocol: "tcp",
        },
      ],
      environment: Object.keys(environment)
        .sort()
        .map((name) => ({ name, value: environment[name as keyof typeof environment] })),
      secrets: Object.keys(props.secrets ?? {})
        .sort()
        .map((name) => ({ name, valueFrom: props.secrets![name] })),
      logConfiguration: {
        logDriver: "awslogs",
        options: {
          "awslogs-group": this.logGroup.name,
          "awslogs-region": props.region,
          "awslogs-stream-prefix": CONTAINER_NAME,
          // A full log buffer must not block the event loop (and with it /health).
          mode: "non-blocking",
          "max-buffer-size": "25m",
        },
      },
      healthCheck: {
        command: CONTAINER_HEALTH_CHECK,
        interval: 15,
        timeout: 5,
        retries: 3,
        startPeriod: 30,
      },
      stopTimeout: props.stopTimeoutSeconds,
      user: CONTAINER_USER,
      readonlyRootFilesystem: true,
      mountPoints: [{ sourceVolume: "tmp", containerPath: "/tmp", readOnly: false }],
      // An init process as PID 1 reaps zombies and forwards SIGTERM to the app.
      linuxParameters: { initProcessEnabled: true },
    };
  }

  private createTaskDefinition(): EcsTaskDefinition {
    const { props } = this;
    return new EcsTaskDefinition(this, "task", {
      family: props.namePrefix,
      requiresCompatibilities: ["FARGATE"],
      networkMode: "awsvpc",
      cpu: String(props.cpu),
      memory: String(props.memoryMiB),
      runtimePlatform: { operatingSystemFamily: "LINUX", cpuArchitecture: props.cpuArchitecture },
      executionRoleArn: this.roles.executionRole.arn,
      taskRoleArn: this.roles.taskRole.arn,
      containerDefinitions: JSON.stringify([this.containerDefinition()]),
      volume: [{ name: "tmp" }],
    });
  }

  private createSecurityGroup(): SecurityGroup {
    const sg = new SecurityGroup(this, "sg", {
      name: `${this.props.namePrefix}-service`,
      description: "Service tasks: ingress only from the load balancer; egress only as declared",
      vpcId: this.props.vpcId,
      tags: { Name: `${this.props.namePrefix}-service` },
    });
    new VpcSecurityGroupEgressRule(this, "egress-https", {
      securityGroupId: sg.id,
      description: "HTTPS to AWS APIs (through NAT gateways or VPC endpoints)",
      ipProtocol: "tcp",
      fromPort: 443,
      toPort: 443,
      cidrIpv4: "0.0.0.0/0",
    });
    return sg;
  }

  private capacityProviderStrategy(): EcsServiceCapacityProviderStrategy[] {
    const { fargateBase, fargateWeight, fargateSpotWeight } = this.props.capacity;
    return [
      { capacityProvider: "FARGATE", base: fargateBase, weight: fargateWeight },
      { capacityProvider: "FARGATE_SPOT", base: 0, weight: fargateSpotWeight },
    ].filter((strategy) => strategy.weight > 0 || strategy.base > 0);
  }

  private createService(dependsOn: ITerraformDependable[]): EcsService {
    const { props } = this;
    return new EcsService(this, "service", {
      name: props.namePrefix,
      cluster: this.cluster.arn,
      taskDefinition: this.taskDefinition.arn,
      desiredCount: props.desiredCount,
      capacityProviderStrategy: this.capacityProviderStrategy(),
      platformVersion: "LATEST",
      deploymentController: { type: "ECS" },
      deploymentMinimumHealthyPercent: props.deployment.minimumHealthyPercent,
      deploymentMaximumPercent: props.deployment.maximumPercent,
      deploymentCircuitBreaker: { enable: true, rollback: true },
      healthCheckGracePeriodSeconds: props.deployment.healthCheckGracePeriodSeconds,
      networkConfiguration: {
        subnets: [...props.subnetIds],
        securityGroups: [this.securityGroup.id],
        assignPublicIp: false,
      },
      loadBalancer: [
        {
          targetGroupArn: props.targetGroupArn,
          containerName: CONTAINER_NAME,
          containerPort: props.containerPort,
        },
      ],
      // An apply whose tasks never become healthy fails instead of reporting success.
      waitForSteadyState: true,
      enableExecuteCommand: false,
      enableEcsManagedTags: true,
      propagateTags: "SERVICE",
      // Autoscaling owns the task count once the service exists.
      lifecycle: { ignoreChanges: ["desired_count"] },
      dependsOn,
    });
  }

  private createAutoscaling(): AppautoscalingTarget {
    const { autoscaling } = this.props;
    const target = new AppautoscalingTarget(this, "scaling-target", {
      serviceNamespace: "ecs",
      scalableDimension: "ecs:service:DesiredCount",
      resourceId: `service/${this.cluster.name}/${this.service.name}`,
      minCapacity: autoscaling.minCount,
      maxCapacity: autoscaling.maxCount,
    });
    const tracking = (id: string, metric: string, targetValue: number, resourceLabel?: string) =>
      new AppautoscalingPolicy(this, id, {
        name: `${this.props.namePrefix}-${id}`,
        policyType: "TargetTrackingScaling",
        serviceNamespace: target.serviceNamespace,
        scalableDimension: target.scalableDimension,
        resourceId: target.resourceId,
        targetTrackingScalingPolicyConfiguration: {
          predefinedMetricSpecification: {
            predefinedMetricType: metric,
            ...(resourceLabel ? { resourceLabel } : {}),
          },
          targetValue,
          scaleInCooldown: autoscaling.scaleInCooldownSeconds,
          scaleOutCooldown: autoscaling.scaleOutCooldownSeconds,
        },
      });
    tracking("cpu-scaling", "ECSServiceAverageCPUUtilization", autoscaling.cpuTargetPercent);
    if (autoscaling.requestsPerTarget !== undefined && this.props.requestCountResourceLabel) {
      tracking(
        "requests-scaling",
        "ALBRequestCountPerTarget",
        autoscaling.requestsPerTarget,
        this.props.requestCountResourceLabel,
      );
    }
    return target;
  }
}
