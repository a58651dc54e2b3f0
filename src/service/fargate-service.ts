import { AppautoscalingPolicy } from "@cdktf/provider-aws/lib/appautoscaling-policy";
import { AppautoscalingTarget } from "@cdktf/provider-aws/lib/appautoscaling-target";
import { CloudwatchLogGroup } from "@cdktf/provider-aws/lib/cloudwatch-log-group";
import {
  EcsService,
  type EcsServiceDeploymentConfiguration,
  type EcsServiceCapacityProviderStrategy,
} from "@cdktf/provider-aws/lib/ecs-service";
import { EcsTaskDefinition } from "@cdktf/provider-aws/lib/ecs-task-definition";
import type { SecurityGroup } from "@cdktf/provider-aws/lib/security-group";
import { VpcSecurityGroupEgressRule } from "@cdktf/provider-aws/lib/vpc-security-group-egress-rule";
import type { ITerraformDependable } from "cdktf";
import { Construct } from "constructs";
import type { Cluster } from "./cluster";
import { deploymentPlan, type ServiceSettings } from "./settings";
import { TaskRoles } from "./task-roles";
import { securityGroup } from "../network/security-group";

/** The container's name in the task definition; the target group registers it. */
export const CONTAINER_NAME = "app";

/**
 * The image's own health check, run by the ECS agent inside the container. The service image
 * ships a small Node.js script for it (service/src/healthcheck.ts), so it needs no curl.
 */
export const CONTAINER_HEALTH_CHECK = ["CMD", "node", "/app/dist/healthcheck.js"];

/** The numeric uid:gid the container runs as: the `node` user of the official Node.js images. */
export const CONTAINER_USER = "1000:1000";

/** Where a public service's traffic comes from: its target group on the shared load balancer. */
export interface ServiceLoadBalancing {
  /** The target group the service registers its tasks in. */
  readonly targetGroupArn: string;
  /** The port the container listens on: its `PORT`, the port mapping, the target group's. */
  readonly containerPort: number;
  /** The listener rule(s) forwarding to the target group: the service waits for them. */
  readonly dependsOn: readonly ITerraformDependable[];
  /** `<alb arn_suffix>/<target group arn_suffix>`, for scaling on requests per target. */
  readonly requestCountResourceLabel: string;
  /**
   * Where ECS shifts traffic in a blue/green, canary or linear deployment.
   * @default - none: only `deployment.strategy: "rolling"` is possible
   */
  readonly trafficShift?: TrafficShift;
}

/** The second half of an ECS-native blue/green: `load_balancer.advanced_configuration`. */
export interface TrafficShift {
  /** The target group the new tasks register in while the old ones still serve. */
  readonly alternateTargetGroupArn: string;
  /** The rule that forwards production traffic, by weight, to the two groups. */
  readonly productionListenerRuleArn: string;
  /** The rule on the test listener that reaches the new tasks first. */
  readonly testListenerRuleArn: string;
  /** The role ECS assumes to register tasks and change the two rules' weights. */
  readonly roleArn: string;
}

/** The queue a consumer scales on: its backlog per running task. */
export interface BacklogScaling {
  readonly queueName: string;
  readonly messagesPerTask: number;
}

/**
 * A service's settings (`./settings.ts`: size, scaling, deployment, capacity, logs; units and
 * defaults there) and its wiring. `public` and `uses` are the stack's business: it turns them
 * into `loadBalancing`, `environment`, `secrets` and grants.
 */
export interface FargateServiceProps
  extends Omit<ServiceSettings, "public" | "uses" | "autoscaling"> {
  /** `<project>-<environment>`. */
  readonly namePrefix: string;
  /** The service's declared name; its resources are named `<namePrefix>-<name>`. */
  readonly name: string;
  readonly region: string;
  readonly accountId: string;
  readonly vpcId: string;
  /** Private subnets; tasks get no public IP. */
  readonly subnetIds: readonly string[];
  /** The environment's cluster. */
  readonly cluster: Cluster;
  /** The repository's URL in the environment's region; the image is `<url>:<imageTag>`. */
  readonly repositoryUrl: string;
  /** For the execution role's pull permission. */
  readonly repositoryArn: string;
  /** The release to run, e.g. a commit SHA. Changing it changes only the task definition. */
  readonly imageTag: string;
  readonly autoscaling: Omit<ServiceSettings["autoscaling"], "backlogPerTask">;
  /**
   * Encrypts the service's log group.
   * @default - CloudWatch's own encryption
   */
  readonly logKmsKeyArn?: string;
  /**
   * Behind the load balancer.
   * @default - no load balancer, and no ingress at all (a worker)
   */
  readonly loadBalancing?: ServiceLoadBalancing;
  /**
   * Scale on the backlog of one queue.
   * @default - CPU (and, when public, requests per target) only
   */
  readonly backlogScaling?: BacklogScaling;
  /**
   * Plain environment variables beside `PORT`, `APP_VERSION`, `SERVICE_NAME` and
   * `SHUTDOWN_TIMEOUT_MS`.
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
}

/** Seconds the service keeps between its own drain deadline and the task's SIGKILL. */
export const SHUTDOWN_MARGIN_SECONDS = 5;

/**
 * An ECS Fargate service in the private subnets of the environment's cluster: behind its target
 * group on the shared load balancer (public), or reachable by nothing (a worker).
 *
 * - One container, image `<repository>:<imageTag>` with an optional `command`; a public one
 *   listens on `containerPort`, which also becomes its `PORT` variable; logs to
 *   `/ecs/<prefix>/<name>`; a health check without curl; non-root, read-only root filesystem with
 *   a writable `/tmp`; `stopTimeout` for graceful shutdown, and `SHUTDOWN_TIMEOUT_MS` derived
 *   from it so the service's own drain ends first.
 * - `deployment.strategy`: rolling deploys within min/max percent, or (public services only)
 *   ECS-native blue/green, canary or linear between two target groups (`trafficShift`) with a
 *   bake time. Either way the circuit breaker rolls back a release whose tasks do not become
 *   healthy, and the deployment alarms (`rollBackOn`) one that raises them;
 *   `wait_for_steady_state` makes that apply fail too.
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
    const name = `${props.namePrefix}-${props.name}`;
    this.logGroup = new CloudwatchLogGroup(this, "logs", {
      name: `/ecs/${props.namePrefix}/${props.name}`,
      retentionInDays: props.logRetentionDays,
      kmsKeyId: props.logKmsKeyArn,
    });
    this.roles = new TaskRoles(this, "roles", {
      namePrefix: name,
      region: props.region,
      accountId: props.accountId,
      repositoryArn: props.repositoryArn,
      logGroupArn: this.logGroup.arn,
      secretArns: props.secretArns,
      secretsKmsKeyArn: props.secretsKmsKeyArn,
    });
    this.taskDefinition = this.createTaskDefinition(name);
    this.securityGroup = this.createSecurityGroup(name);
    this.service = this.createService(name, [
      ...(props.loadBalancing?.dependsOn ?? []),
      props.cluster.capacityProviders,
    ]);
    this.scalingTarget = this.createAutoscaling(name);
  }

  /**
   * Rolls a deployment back when any of these alarms fires during it, even if the new tasks pass
   * their health checks (a release that answers 5xx, say).
   */
  public rollBackOn(alarmNames: readonly string[]): void {
    this.service.putAlarms({ alarmNames: [...alarmNames], enable: true, rollback: true });
  }

  /** The container definition, exactly as ECS will report it back, so plans show no drift. */
  public containerDefinition(): Record<string, unknown> {
    const { props } = this;
    const port = props.loadBalancing?.containerPort;
    const environment: Record<string, string> = {
      ...props.environment,
      SERVICE_NAME: props.name,
      APP_VERSION: props.imageTag,
      // The service's drain deadline, inside the SIGTERM-to-SIGKILL window (stopTimeout).
      SHUTDOWN_TIMEOUT_MS: String(
        Math.max(1, props.stopTimeoutSeconds - SHUTDOWN_MARGIN_SECONDS) * 1000,
      ),
      ...(port !== undefined ? { PORT: String(port) } : {}),
    };
    return {
      name: CONTAINER_NAME,
      image: `${props.repositoryUrl}:${props.imageTag}`,
      essential: true,
      ...(props.command ? { command: [...props.command] } : {}),
      portMappings:
        port === undefined
          ? []
          : [{ name: "http", containerPort: port, hostPort: port, protocol: "tcp" }],
      environment: Object.keys(environment)
        .sort()
        .map((name) => ({ name, value: environment[name] })),
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
      // A worker has no HTTP server to ask; ECS watches its process instead.
      ...(port === undefined ? {} : { healthCheck: {
        command: CONTAINER_HEALTH_CHECK,
        interval: 15,
        timeout: 5,
        retries: 3,
        startPeriod: 30,
      } }),
      stopTimeout: props.stopTimeoutSeconds,
      user: CONTAINER_USER,
      readonlyRootFilesystem: true,
      mountPoints: [{ sourceVolume: "tmp", containerPath: "/tmp", readOnly: false }],
      // An init process as PID 1 reaps zombies and forwards SIGTERM to the app.
      linuxParameters: { initProcessEnabled: true },
    };
  }

  private createTaskDefinition(family: string): EcsTaskDefinition {
    const { props } = this;
    return new EcsTaskDefinition(this, "task", {
      family,
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

  private createSecurityGroup(name: string): SecurityGroup {
    const sg = securityGroup(this, "sg", {
      name,
      description: this.props.loadBalancing
        ? "Service tasks: ingress only from the load balancer; egress only as declared"
        : "Worker tasks: no ingress at all; egress only as declared",
      vpcId: this.props.vpcId,
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

  private createService(name: string, dependsOn: ITerraformDependable[]): EcsService {
    const { props } = this;
    const lb = props.loadBalancing;
    return new EcsService(this, "service", {
      name,
      cluster: props.cluster.cluster.arn,
      taskDefinition: this.taskDefinition.arn,
      desiredCount: props.desiredCount,
      capacityProviderStrategy: this.capacityProviderStrategy(),
      // ECS refuses a change of a service's capacity provider strategy (say, the Spot weight in
      // the configuration) without forceNewDeployment, and the provider fails the plan before
      // that ("force_new_deployment should be true when capacity_provider_strategy is being
      // updated"). It only marks Terraform's UpdateService calls, which roll the tasks anyway
      // for a new task definition; any other update of the service now rolls them too, through
      // the same circuit breaker and alarms. Found by the e2e's second plan against moto.
      forceNewDeployment: true,
      platformVersion: "LATEST",
      deploymentController: { type: "ECS" },
      deploymentMinimumHealthyPercent: props.deployment.minimumHealthyPercent,
      deploymentMaximumPercent: props.deployment.maximumPercent,
      deploymentCircuitBreaker: { enable: true, rollback: true },
      ...this.deploymentConfiguration(),
      // Only a service with a load balancer has its health checks to wait for.
      ...(lb ? { healthCheckGracePeriodSeconds: props.deployment.healthCheckGracePeriodSeconds } : {}),
      networkConfiguration: {
        subnets: [...props.subnetIds],
        securityGroups: [this.securityGroup.id],
        assignPublicIp: false,
      },
      loadBalancer: lb
        ? [
            {
              targetGroupArn: lb.targetGroupArn,
              containerName: CONTAINER_NAME,
              containerPort: lb.containerPort,
              ...(lb.trafficShift
                ? {
                    advancedConfiguration: {
                      alternateTargetGroupArn: lb.trafficShift.alternateTargetGroupArn,
                      productionListenerRule: lb.trafficShift.productionListenerRuleArn,
                      testListenerRule: lb.trafficShift.testListenerRuleArn,
                      roleArn: lb.trafficShift.roleArn,
                    },
                  }
                : {}),
            },
          ]
        : [],
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

  /**
   * `deployment_configuration` of a blue/green, canary or linear deployment; nothing for a rolling
   * one (ECS's default strategy), so a rolling service's plan does not change. ECS keeps the
   * alarms (`rollBackOn`) and the circuit breaker watching through every phase, bake time included.
   */
  private deploymentConfiguration(): { deploymentConfiguration?: EcsServiceDeploymentConfiguration } {
    const plan = deploymentPlan(this.props.deployment);
    if (plan.strategy === "rolling") return {};
    if (!this.props.loadBalancing?.trafficShift) {
      throw new Error(
        `FargateService ${this.props.name}: deployment.strategy "${plan.strategy}" shifts traffic between two target groups, and loadBalancing.trafficShift is not set; pass the alternate target group, both listener rules and the role, or use "rolling"`,
      );
    }
    const bakeTimeInMinutes = String(plan.bakeTimeMinutes);
    switch (plan.strategy) {
      case "blueGreen":
        return { deploymentConfiguration: { strategy: "BLUE_GREEN", bakeTimeInMinutes } };
      case "canary":
        return {
          deploymentConfiguration: {
            strategy: "CANARY",
            bakeTimeInMinutes,
            canaryConfiguration: {
              canaryPercent: plan.canary.percent,
              canaryBakeTimeInMinutes: String(plan.canary.intervalMinutes),
            },
          },
        };
      case "linear":
        return {
          deploymentConfiguration: {
            strategy: "LINEAR",
            bakeTimeInMinutes,
            linearConfiguration: {
              stepPercent: plan.linear.stepPercent,
              stepBakeTimeInMinutes: String(plan.linear.intervalMinutes),
            },
          },
        };
    }
  }

  private createAutoscaling(name: string): AppautoscalingTarget {
    const { autoscaling, loadBalancing, backlogScaling } = this.props;
    const target = new AppautoscalingTarget(this, "scaling-target", {
      serviceNamespace: "ecs",
      scalableDimension: "ecs:service:DesiredCount",
      resourceId: `service/${this.props.cluster.cluster.name}/${this.service.name}`,
      minCapacity: autoscaling.minCount,
      maxCapacity: autoscaling.maxCount,
    });
    const cooldowns = {
      scaleInCooldown: autoscaling.scaleInCooldownSeconds,
      scaleOutCooldown: autoscaling.scaleOutCooldownSeconds,
    };
    const tracking = (id: string, metric: string, targetValue: number, resourceLabel?: string) =>
      new AppautoscalingPolicy(this, id, {
        name: `${name}-${id}`,
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
          ...cooldowns,
        },
      });
    tracking("cpu-scaling", "ECSServiceAverageCPUUtilization", autoscaling.cpuTargetPercent);
    if (autoscaling.requestsPerTarget !== undefined && loadBalancing) {
      tracking(
        "requests-scaling",
        "ALBRequestCountPerTarget",
        autoscaling.requestsPerTarget,
        loadBalancing.requestCountResourceLabel,
      );
    }
    if (backlogScaling) this.createBacklogScaling(name, target, backlogScaling, cooldowns);
    return target;
  }

  /**
   * Target tracking on the queue's visible messages per running task (metric math over the
   * queue's and the service's metrics): AWS's recommended scaling for queue consumers, which
   * neither CPU nor a raw queue depth gets right.
   */
  private createBacklogScaling(
    name: string,
    target: AppautoscalingTarget,
    backlog: BacklogScaling,
    cooldowns: { scaleInCooldown: number; scaleOutCooldown: number },
  ): void {
    new AppautoscalingPolicy(this, "backlog-scaling", {
      name: `${name}-backlog-scaling`,
      policyType: "TargetTrackingScaling",
      serviceNamespace: target.serviceNamespace,
      scalableDimension: target.scalableDimension,
      resourceId: target.resourceId,
      targetTrackingScalingPolicyConfiguration: {
        targetValue: backlog.messagesPerTask,
        ...cooldowns,
        customizedMetricSpecification: {
          metrics: [
            {
              id: "visible",
              returnData: false,
              metricStat: {
                stat: "Sum",
                metric: {
                  namespace: "AWS/SQS",
                  metricName: "ApproximateNumberOfMessagesVisible",
                  dimensions: [{ name: "QueueName", value: backlog.queueName }],
                },
              },
            },
            {
              id: "running",
              returnData: false,
              metricStat: {
                stat: "Average",
                metric: {
                  namespace: "ECS/ContainerInsights",
                  metricName: "RunningTaskCount",
                  dimensions: [
                    { name: "ClusterName", value: this.props.cluster.cluster.name },
                    { name: "ServiceName", value: this.service.name },
                  ],
                },
              },
            },
            {
              id: "backlog_per_task",
              label: "visible messages per running task",
              // At least one task in the denominator: with none running, the backlog itself.
              expression: "visible / MAX([running, 1])",
              returnData: true,
            },
          ],
        },
      },
    });
  }
}
