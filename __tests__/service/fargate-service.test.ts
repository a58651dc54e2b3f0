import { describe, expect, it } from "vitest";
import { environmentStack, onlyResource, resourcesOf, synth, type StackJson } from "../helpers";

type Resource = Record<string, unknown>;
const container = (json: StackJson) =>
  (
    JSON.parse(
      onlyResource(json, "aws_ecs_task_definition").container_definitions as string,
    ) as Resource[]
  )[0]!;
const serviceSg = "${aws_security_group.service_sg.id}";
const albSg = "${aws_security_group.load_balancer_sg.id}";

describe("Fargate service", () => {
  const prod = synth(environmentStack("prod"));

  it("runs its tasks in the private subnets without public IPs", () => {
    expect(onlyResource(prod, "aws_ecs_service").network_configuration).toEqual({
      subnets: ["a", "b", "c"].map((z) => `\${aws_subnet.network_private_${z}.id}`),
      security_groups: [serviceSg],
      assign_public_ip: false,
    });
  });

  it("admits only the load balancer's security group, on the container port", () => {
    const ingress = Object.values(resourcesOf(prod, "aws_vpc_security_group_ingress_rule")).filter(
      (r) => r.security_group_id === serviceSg,
    );
    expect(ingress).toEqual([
      expect.objectContaining({
        referenced_security_group_id: albSg,
        ip_protocol: "tcp",
        from_port: 8080,
        to_port: 8080,
      }),
    ]);
    expect(ingress[0]).not.toHaveProperty("cidr_ipv4");
  });

  it("sends HTTPS out for AWS APIs, and PostgreSQL only to the database's security group", () => {
    const egress = Object.values(resourcesOf(prod, "aws_vpc_security_group_egress_rule")).filter(
      (r) => r.security_group_id === serviceSg,
    );
    expect(egress).toEqual([
      expect.objectContaining({
        ip_protocol: "tcp",
        from_port: 443,
        to_port: 443,
        cidr_ipv4: "0.0.0.0/0",
      }),
      expect.objectContaining({
        ip_protocol: "tcp",
        from_port: 5432,
        to_port: 5432,
        referenced_security_group_id: "${aws_security_group.database_sg.id}",
      }),
    ]);
  });

  it("deploys rolling with circuit breaker and rollback, waits for steady state, and keeps full capacity in prod", () => {
    expect(onlyResource(prod, "aws_ecs_service")).toMatchObject({
      deployment_controller: { type: "ECS" },
      deployment_circuit_breaker: { enable: true, rollback: true },
      deployment_minimum_healthy_percent: 100,
      deployment_maximum_percent: 200,
      health_check_grace_period_seconds: 60,
      wait_for_steady_state: true,
      desired_count: 3,
      lifecycle: { ignore_changes: ["desired_count"] },
      load_balancer: [
        {
          target_group_arn: "${aws_lb_target_group.load_balancer_targets.arn}",
          container_name: "app",
          container_port: 8080,
        },
      ],
    });
  });

  it("waits for the listeners, so its target group has a load balancer when it is created", () => {
    const dependsOn = onlyResource(prod, "aws_ecs_service").depends_on as string[];
    expect(dependsOn).toEqual(
      expect.arrayContaining([
        "aws_lb_listener.load_balancer_https",
        "aws_lb_listener.load_balancer_http",
      ]),
    );
  });

  it("takes deployment and capacity settings from config", () => {
    const json = synth(
      environmentStack("staging", {
        service: {
          deployment: {
            minimumHealthyPercent: 50,
            maximumPercent: 150,
            healthCheckGracePeriodSeconds: 120,
          },
          capacity: { fargateBase: 1, fargateWeight: 1, fargateSpotWeight: 3 },
        },
      }),
    );
    expect(onlyResource(json, "aws_ecs_service")).toMatchObject({
      deployment_minimum_healthy_percent: 50,
      deployment_maximum_percent: 150,
      health_check_grace_period_seconds: 120,
      capacity_provider_strategy: [
        { capacity_provider: "FARGATE", base: 1, weight: 1 },
        { capacity_provider: "FARGATE_SPOT", base: 0, weight: 3 },
      ],
    });
  });

  it("runs staging on Fargate Spot only, as configured", () => {
    const json = synth(environmentStack("staging"));
    expect(onlyResource(json, "aws_ecs_service").capacity_provider_strategy).toEqual([
      { capacity_provider: "FARGATE_SPOT", base: 0, weight: 1 },
    ]);
    expect(onlyResource(json, "aws_ecs_cluster_capacity_providers").capacity_providers).toEqual([
      "FARGATE",
      "FARGATE_SPOT",
    ]);
  });

  it("scales on average CPU between the configured bounds, slow in and fast out", () => {
    expect(onlyResource(prod, "aws_appautoscaling_target")).toMatchObject({
      service_namespace: "ecs",
      scalable_dimension: "ecs:service:DesiredCount",
      resource_id:
        "service/${aws_ecs_cluster.service_cluster.name}/${aws_ecs_service.service_service.name}",
      min_capacity: 2,
      max_capacity: 10,
    });
    expect(onlyResource(prod, "aws_appautoscaling_policy")).toMatchObject({
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

  it("also scales on requests per target when configured", () => {
    const json = synth(
      environmentStack("prod", { service: { autoscaling: { requestsPerTarget: 1000 } } }),
    );
    const policies = Object.values(resourcesOf(json, "aws_appautoscaling_policy"));
    expect(policies).toHaveLength(2);
    expect(policies[1]).toMatchObject({
      target_tracking_scaling_policy_configuration: {
        predefined_metric_specification: {
          predefined_metric_type: "ALBRequestCountPerTarget",
          resource_label:
            "${aws_lb.load_balancer_alb.arn_suffix}/${aws_lb_target_group.load_balancer_targets.arn_suffix}",
        },
        target_value: 1000,
      },
    });
  });

  it("enables Container Insights on the cluster", () => {
    expect(onlyResource(prod, "aws_ecs_cluster").setting).toEqual([
      { name: "containerInsights", value: "enabled" },
    ]);
  });
});

describe("task definition", () => {
  const json = synth(environmentStack("prod"));

  it("is a Fargate awsvpc task of the configured size and architecture", () => {
    expect(onlyResource(json, "aws_ecs_task_definition")).toMatchObject({
      requires_compatibilities: ["FARGATE"],
      network_mode: "awsvpc",
      cpu: "512",
      memory: "1024",
      runtime_platform: { operating_system_family: "LINUX", cpu_architecture: "X86_64" },
      execution_role_arn: "${aws_iam_role.service_roles_execution.arn}",
      task_role_arn: "${aws_iam_role.service_roles_task.arn}",
      volume: [{ name: "tmp" }],
    });
  });

  it("runs the shared repository's image at the image_tag variable", () => {
    expect(container(json).image).toBe(
      "111111111111.dkr.ecr.eu-west-1.amazonaws.com/orbit/app:${var.image_tag}",
    );
  });

  it("logs to /ecs/<project>-<env> with the configured retention, without blocking the app", () => {
    expect(container(json).logConfiguration).toEqual({
      logDriver: "awslogs",
      options: {
        "awslogs-group": "${aws_cloudwatch_log_group.service_logs.name}",
        "awslogs-region": "eu-west-1",
        "awslogs-stream-prefix": "app",
        mode: "non-blocking",
        "max-buffer-size": "25m",
      },
    });
    expect(resourcesOf(json, "aws_cloudwatch_log_group").service_logs).toMatchObject({
      name: "/ecs/orbit-prod",
      retention_in_days: 365,
    });
  });

  it("is hardened: non-root, read-only root filesystem with a writable /tmp, init process, graceful stop", () => {
    expect(container(json)).toMatchObject({
      user: "1000:1000",
      readonlyRootFilesystem: true,
      mountPoints: [{ sourceVolume: "tmp", containerPath: "/tmp", readOnly: false }],
      linuxParameters: { initProcessEnabled: true },
      stopTimeout: 30,
    });
  });

  it("checks container health with node, not curl", () => {
    expect((container(json).healthCheck as Resource).command).toEqual([
      "CMD",
      "node",
      "/app/dist/healthcheck.js",
    ]);
  });

  it("takes architecture and size from config", () => {
    const arm = synth(
      environmentStack("prod", {
        service: { cpuArchitecture: "ARM64", cpu: 1024, memoryMiB: 3072 },
      }),
    );
    expect(onlyResource(arm, "aws_ecs_task_definition")).toMatchObject({
      cpu: "1024",
      memory: "3072",
      runtime_platform: { cpu_architecture: "ARM64" },
    });
  });
});
