import { describe, expect, it } from "vitest";
import { Cluster } from "../../src/service/cluster";
import { FargateService, type FargateServiceProps } from "../../src/service/fargate-service";
import { ServiceSchema } from "../../src/service/settings";
import { bareStack, onlyResource, resourcesOf, synth, type StackJson, environmentJson } from "../helpers";

type Resource = Record<string, unknown>;

/**
 * GIVEN a bare stack with a cluster and one service `name` built from `settings` (schema defaults
 * filled in), public when `loadBalancing` is given.
 */
function service(
  name: string,
  settings: Record<string, unknown> = {},
  wiring: Partial<FargateServiceProps> = {},
) {
  const stack = bareStack();
  const cluster = new Cluster(stack, "cluster", { name: "orbit-test" });
  const parsed = ServiceSchema.parse(settings);
  new FargateService(stack, `service-${name}`, {
    ...parsed,
    namePrefix: "orbit-test",
    name,
    region: "eu-west-1",
    accountId: "111111111111",
    vpcId: "vpc-1",
    subnetIds: ["subnet-a", "subnet-b"],
    cluster,
    repositoryUrl: "111111111111.dkr.ecr.eu-west-1.amazonaws.com/orbit/app",
    repositoryArn: "arn:aws:ecr:eu-west-1:111111111111:repository/orbit/app",
    imageTag: "abc1234",
    ...wiring,
  });
  return synth(stack);
}

const publicWiring = (containerPort = 8080): Partial<FargateServiceProps> => ({
  loadBalancing: {
    targetGroupArn: "arn:aws:elasticloadbalancing:eu-west-1:111111111111:targetgroup/api/1",
    containerPort,
    dependsOn: [],
    requestCountResourceLabel: "app/alb/1/targetgroup/api/1",
  },
});

const containerOf = (json: StackJson) =>
  (
    JSON.parse(
      onlyResource(json, "aws_ecs_task_definition").container_definitions as string,
    ) as Resource[]
  )[0]!;
const variables = (json: StackJson) =>
  Object.fromEntries((containerOf(json).environment as Resource[]).map((e) => [e.name, e.value]));

describe("a public service", () => {
  const json = service("api", { public: {} }, publicWiring(3001));

  it("listens on its container port: port mapping, PORT, container health check with node, not curl", () => {
    expect(containerOf(json)).toMatchObject({
      portMappings: [{ name: "http", containerPort: 3001, hostPort: 3001, protocol: "tcp" }],
      healthCheck: { command: ["CMD", "node", "/app/dist/healthcheck.js"] },
    });
    expect(variables(json).PORT).toBe("3001");
  });

  it("registers its tasks in its target group and waits its grace period for their health checks", () => {
    expect(onlyResource(json, "aws_ecs_service")).toMatchObject({
      load_balancer: [
        {
          target_group_arn:
            "arn:aws:elasticloadbalancing:eu-west-1:111111111111:targetgroup/api/1",
          container_name: "app",
          container_port: 3001,
        },
      ],
      health_check_grace_period_seconds: 60,
    });
  });

  it("also scales on requests per target when configured", () => {
    const scaled = service(
      "api",
      { public: {}, autoscaling: { requestsPerTarget: 1000 } },
      publicWiring(),
    );
    expect(
      resourcesOf(scaled, "aws_appautoscaling_policy").service_api_requests_scaling,
    ).toMatchObject({
      name: "orbit-test-api-requests-scaling",
      target_tracking_scaling_policy_configuration: {
        predefined_metric_specification: {
          predefined_metric_type: "ALBRequestCountPerTarget",
          resource_label: "app/alb/1/targetgroup/api/1",
        },
        target_value: 1000,
      },
    });
  });
});

describe("a worker (no load balancer)", () => {
  const json = service("worker", {
    command: ["node", "dist/worker.js"],
    autoscaling: { minCount: 1, maxCount: 4 },
  }, {
    backlogScaling: { queueName: "orbit-test-events", messagesPerTask: 100 },
  });

  it("runs its command, with no port mapping, no PORT and no container health check", () => {
    const container = containerOf(json);
    expect(container.command).toEqual(["node", "dist/worker.js"]);
    expect(container.portMappings).toEqual([]);
    expect(container).not.toHaveProperty("healthCheck");
    expect(variables(json)).not.toHaveProperty("PORT");
  });

  it("has no load balancer and no health-check grace period, and a security group that admits nothing", () => {
    const ecsService = onlyResource(json, "aws_ecs_service");
    expect(ecsService.load_balancer).toEqual([]);
    expect(ecsService).not.toHaveProperty("health_check_grace_period_seconds");
    expect(resourcesOf(json, "aws_vpc_security_group_ingress_rule")).toEqual({});
    expect(onlyResource(json, "aws_security_group").description).toBe(
      "Worker tasks: no ingress at all; egress only as declared",
    );
  });

  it("scales to keep the configured backlog per running task: the queue's visible messages over its running tasks", () => {
    const policy = resourcesOf(json, "aws_appautoscaling_policy").service_worker_backlog_scaling!;
    expect(policy).toMatchObject({
      name: "orbit-test-worker-backlog-scaling",
      policy_type: "TargetTrackingScaling",
      resource_id: "${aws_appautoscaling_target.service_worker_scaling_target.resource_id}",
    });
    const config = policy.target_tracking_scaling_policy_configuration as Resource;
    expect(config).toMatchObject({ target_value: 100, scale_in_cooldown: 300, scale_out_cooldown: 60 });
    expect((config.customized_metric_specification as Resource).metrics).toEqual([
      {
        id: "visible",
        return_data: false,
        metric_stat: {
          stat: "Sum",
          metric: {
            namespace: "AWS/SQS",
            metric_name: "ApproximateNumberOfMessagesVisible",
            dimensions: [{ name: "QueueName", value: "orbit-test-events" }],
          },
        },
      },
      {
        id: "running",
        return_data: false,
        metric_stat: {
          stat: "Average",
          metric: {
            namespace: "ECS/ContainerInsights",
            metric_name: "RunningTaskCount",
            dimensions: [
              { name: "ClusterName", value: "${aws_ecs_cluster.cluster_cluster.name}" },
              { name: "ServiceName", value: "${aws_ecs_service.service_worker_service.name}" },
            ],
          },
        },
      },
      {
        id: "backlog_per_task",
        label: "visible messages per running task",
        expression: "visible / MAX([running, 1])",
        return_data: true,
      },
    ]);
  });

  it("scales on CPU too, and on nothing of a load balancer", () => {
    expect(Object.keys(resourcesOf(json, "aws_appautoscaling_policy")).sort()).toEqual([
      "service_worker_backlog_scaling",
      "service_worker_cpu_scaling",
    ]);
  });
});

describe("every service", () => {
  const json = service("worker");

  it("is named <prefix>-<name>: ECS service, task family, log group, roles, security group, in the shared cluster", () => {
    expect(onlyResource(json, "aws_ecs_service")).toMatchObject({
      name: "orbit-test-worker",
      cluster: "${aws_ecs_cluster.cluster_cluster.arn}",
      task_definition: "${aws_ecs_task_definition.service_worker_task.arn}",
    });
    expect(onlyResource(json, "aws_ecs_task_definition").family).toBe("orbit-test-worker");
    expect(onlyResource(json, "aws_cloudwatch_log_group").name).toBe("/ecs/orbit-test/worker");
    expect(
      Object.values(resourcesOf(json, "aws_iam_role"))
        .map((r) => r.name)
        .sort(),
    ).toEqual(["orbit-test-worker-task", "orbit-test-worker-task-execution"]);
    expect(onlyResource(json, "aws_security_group")).toMatchObject({
      name_prefix: "orbit-test-worker-",
      tags: { Name: "orbit-test-worker" },
    });
  });

  it("gets its name, its version and a drain deadline 5 s inside its stop timeout", () => {
    expect(variables(json)).toEqual({
      SERVICE_NAME: "worker",
      APP_VERSION: "abc1234",
      SHUTDOWN_TIMEOUT_MS: "25000",
    });
    expect(variables(service("worker", { stopTimeoutSeconds: 120 })).SHUTDOWN_TIMEOUT_MS).toBe(
      "115000",
    );
    expect(containerOf(json).stopTimeout).toBe(30);
  });

  it("runs in the given private subnets without public IPs, and sends only HTTPS out by itself", () => {
    expect(onlyResource(json, "aws_ecs_service").network_configuration).toEqual({
      subnets: ["subnet-a", "subnet-b"],
      security_groups: ["${aws_security_group.service_worker_sg.id}"],
      assign_public_ip: false,
    });
    expect(Object.values(resourcesOf(json, "aws_vpc_security_group_egress_rule"))).toEqual([
      expect.objectContaining({
        ip_protocol: "tcp",
        from_port: 443,
        to_port: 443,
        cidr_ipv4: "0.0.0.0/0",
      }),
    ]);
  });

  it("deploys rolling with circuit breaker and rollback, waits for steady state, and leaves desired_count to autoscaling", () => {
    expect(onlyResource(json, "aws_ecs_service")).toMatchObject({
      deployment_controller: { type: "ECS" },
      deployment_circuit_breaker: { enable: true, rollback: true },
      deployment_minimum_healthy_percent: 100,
      deployment_maximum_percent: 200,
      wait_for_steady_state: true,
      desired_count: 1,
      lifecycle: { ignore_changes: ["desired_count"] },
      depends_on: ["aws_ecs_cluster_capacity_providers.cluster_capacity_providers"],
    });
  });

  it("takes deployment and capacity settings from its settings", () => {
    const tuned = service("worker", {
      deployment: { minimumHealthyPercent: 50, maximumPercent: 150 },
      capacity: { fargateBase: 1, fargateWeight: 1, fargateSpotWeight: 3 },
    });
    expect(onlyResource(tuned, "aws_ecs_service")).toMatchObject({
      deployment_minimum_healthy_percent: 50,
      deployment_maximum_percent: 150,
      capacity_provider_strategy: [
        { capacity_provider: "FARGATE", base: 1, weight: 1 },
        { capacity_provider: "FARGATE_SPOT", base: 0, weight: 3 },
      ],
    });
  });

  it("can change its capacity provider strategy later: ECS and the provider require a forced new deployment for it", () => {
    // Without it, tuning the Spot weight fails the plan ("force_new_deployment should be true
    // when capacity_provider_strategy is being updated"), as the e2e's second plan showed.
    expect(onlyResource(service("worker"), "aws_ecs_service")).toMatchObject({
      force_new_deployment: true,
      capacity_provider_strategy: expect.any(Array),
    });
  });

  it("scales on average CPU between the configured bounds, slow in and fast out", () => {
    const scaled = service("worker", {
      desiredCount: 2,
      autoscaling: { minCount: 2, maxCount: 10, cpuTargetPercent: 70 },
    });
    expect(onlyResource(scaled, "aws_appautoscaling_target")).toMatchObject({
      service_namespace: "ecs",
      scalable_dimension: "ecs:service:DesiredCount",
      resource_id:
        "service/${aws_ecs_cluster.cluster_cluster.name}/${aws_ecs_service.service_worker_service.name}",
      min_capacity: 2,
      max_capacity: 10,
    });
    expect(onlyResource(scaled, "aws_appautoscaling_policy")).toMatchObject({
      policy_type: "TargetTrackingScaling",
      target_tracking_scaling_policy_configuration: {
        predefined_metric_specification: {
          predefined_metric_type: "ECSServiceAverageCPUUtilization",
        },
        target_value: 70,
        scale_in_cooldown: 300,
        scale_out_cooldown: 60,
      },
    });
  });

  it("is a Fargate awsvpc task of the configured size and architecture, with its own roles", () => {
    const arm = service("worker", { cpuArchitecture: "ARM64", cpu: 1024, memoryMiB: 3072 });
    expect(onlyResource(arm, "aws_ecs_task_definition")).toMatchObject({
      requires_compatibilities: ["FARGATE"],
      network_mode: "awsvpc",
      cpu: "1024",
      memory: "3072",
      runtime_platform: { operating_system_family: "LINUX", cpu_architecture: "ARM64" },
      execution_role_arn: "${aws_iam_role.service_worker_roles_execution.arn}",
      task_role_arn: "${aws_iam_role.service_worker_roles_task.arn}",
      volume: [{ name: "tmp" }],
    });
  });

  it("runs the repository's image at the given tag", () => {
    expect(containerOf(json).image).toBe(
      "111111111111.dkr.ecr.eu-west-1.amazonaws.com/orbit/app:abc1234",
    );
  });

  it("logs to its own log group with the configured retention, without blocking the app", () => {
    const logged = service("worker", { logRetentionDays: 365 });
    expect(containerOf(logged).logConfiguration).toEqual({
      logDriver: "awslogs",
      options: {
        "awslogs-group": "${aws_cloudwatch_log_group.service_worker_logs.name}",
        "awslogs-region": "eu-west-1",
        "awslogs-stream-prefix": "app",
        mode: "non-blocking",
        "max-buffer-size": "25m",
      },
    });
    expect(onlyResource(logged, "aws_cloudwatch_log_group").retention_in_days).toBe(365);
  });

  it("is hardened: non-root, read-only root filesystem with a writable /tmp, init process, graceful stop", () => {
    expect(containerOf(json)).toMatchObject({
      user: "1000:1000",
      readonlyRootFilesystem: true,
      mountPoints: [{ sourceVolume: "tmp", containerPath: "/tmp", readOnly: false }],
      linuxParameters: { initProcessEnabled: true },
      stopTimeout: 30,
    });
  });
});

describe("the cluster", () => {
  it("enables Container Insights and offers FARGATE and FARGATE_SPOT", () => {
    const json = service("worker");
    expect(onlyResource(json, "aws_ecs_cluster")).toMatchObject({
      name: "orbit-test",
      setting: [{ name: "containerInsights", value: "enabled" }],
    });
    expect(onlyResource(json, "aws_ecs_cluster_capacity_providers").capacity_providers).toEqual([
      "FARGATE",
      "FARGATE_SPOT",
    ]);
  });
});

describe("services in the environment stack", () => {
  const prod = environmentJson("prod");
  const ingressTo = (service: string) =>
    Object.values(resourcesOf(prod, "aws_vpc_security_group_ingress_rule")).filter(
      (r) => r.security_group_id === `\${aws_security_group.service_${service}_sg.id}`,
    );
  const egressFrom = (service: string) =>
    Object.values(resourcesOf(prod, "aws_vpc_security_group_egress_rule")).filter(
      (r) => r.security_group_id === `\${aws_security_group.service_${service}_sg.id}`,
    );

  it("run in the private subnets of one cluster", () => {
    for (const name of ["api", "worker"]) {
      expect(resourcesOf(prod, "aws_ecs_service")[`service_${name}_service`]).toMatchObject({
        name: `orbit-prod-${name}`,
        cluster: "${aws_ecs_cluster.cluster_cluster.arn}",
        network_configuration: {
          subnets: ["a", "b", "c"].map((z) => `\${aws_subnet.network_private_${z}.id}`),
          assign_public_ip: false,
        },
      });
    }
  });

  it("the API admits only the load balancer's security group, on its container port, and reaches PostgreSQL only at the database's group", () => {
    expect(ingressTo("api")).toEqual([
      expect.objectContaining({
        referenced_security_group_id: "${aws_security_group.load_balancer_sg.id}",
        ip_protocol: "tcp",
        from_port: 8080,
        to_port: 8080,
      }),
    ]);
    expect(ingressTo("api")[0]).not.toHaveProperty("cidr_ipv4");
    expect(egressFrom("api")).toHaveLength(2);
    expect(egressFrom("api")).toEqual(expect.arrayContaining([
      expect.objectContaining({ from_port: 443, to_port: 443, cidr_ipv4: "0.0.0.0/0" }),
      expect.objectContaining({
        from_port: 5432,
        to_port: 5432,
        referenced_security_group_id: "${aws_security_group.database_sg.id}",
      }),
    ]));
  });

  it("the worker admits nothing and reaches nothing but HTTPS: no database path", () => {
    expect(ingressTo("worker")).toEqual([]);
    expect(egressFrom("worker")).toEqual([
      expect.objectContaining({ from_port: 443, to_port: 443, cidr_ipv4: "0.0.0.0/0" }),
    ]);
  });

  it("the API sits in its target group and waits for its listener rule, so the target group has a load balancer when it is created", () => {
    expect(resourcesOf(prod, "aws_ecs_service").service_api_service).toMatchObject({
      load_balancer: [
        {
          target_group_arn: "${aws_lb_target_group.load_balancer_target_api.arn}",
          container_name: "app",
          container_port: 8080,
        },
      ],
      depends_on: [
        "aws_lb_listener_rule.load_balancer_rule_api",
        // prod's API deploys by canary: it also waits for the test rule and its traffic-shift role.
        "aws_lb_listener_rule.load_balancer_test_rule_api",
        "aws_iam_role_policy.traffic_shift_api_policy",
        "aws_ecs_cluster_capacity_providers.cluster_capacity_providers",
      ],
    });
  });

  it("the API scales on requests per target of its own target group when configured", () => {
    const json = environmentJson("prod", {
      services: {
        api: {
          autoscaling: { requestsPerTarget: 1000 },
          // Request-count scaling needs one target group: prod's API deploys by canary.
          deployment: { strategy: "rolling", canary: undefined, bakeTimeMinutes: undefined },
        },
      },
    });
    expect(
      resourcesOf(json, "aws_appautoscaling_policy").service_api_requests_scaling,
    ).toMatchObject({
      target_tracking_scaling_policy_configuration: {
        predefined_metric_specification: {
          resource_label:
            "${aws_lb.load_balancer_alb.arn_suffix}/${aws_lb_target_group.load_balancer_target_api.arn_suffix}",
        },
      },
    });
  });

  it("the worker scales on the backlog of the one queue it consumes", () => {
    const policy = resourcesOf(prod, "aws_appautoscaling_policy").service_worker_backlog_scaling!;
    const config = policy.target_tracking_scaling_policy_configuration as Resource;
    expect(config.target_value).toBe(100);
    expect(JSON.stringify(config.customized_metric_specification)).toContain(
      '{"name":"QueueName","value":"${aws_sqs_queue.queue_events_queue.name}"}',
    );
  });

  it("staging runs the API's first task on-demand and the rest mostly on Spot, the worker on Spot only", () => {
    const staging = environmentJson("staging");
    const strategy = (name: string) =>
      Object.values(resourcesOf(staging, "aws_ecs_service")).find((s) => s.name === name)!
        .capacity_provider_strategy;
    expect(strategy("orbit-staging-api")).toEqual([
      { capacity_provider: "FARGATE", base: 1, weight: 1 },
      { capacity_provider: "FARGATE_SPOT", base: 0, weight: 3 },
    ]);
    expect(strategy("orbit-staging-worker")).toEqual([
      { capacity_provider: "FARGATE_SPOT", base: 0, weight: 1 },
    ]);
  });
});
