import { describe, expect, it } from "vitest";
import { Cluster } from "../../src/service/cluster";
import { FargateService } from "../../src/service/fargate-service";
import {
  DEPLOYMENT_STRATEGIES,
  deploymentPlan,
  ServiceSchema,
  type DeploymentStrategy,
} from "../../src/service/settings";
import { trafficShiftStatements } from "../../src/service/traffic-shift-role";
import { bareStack, configProblems, configWith, environmentJson, resourcesOf, type StackJson } from "../helpers";

type Resource = Record<string, unknown>;

const NON_ROLLING = DEPLOYMENT_STRATEGIES.filter(
  (s): s is Exclude<DeploymentStrategy, "rolling"> => s !== "rolling",
);
const ECS_STRATEGY = { blueGreen: "BLUE_GREEN", canary: "CANARY", linear: "LINEAR" } as const;

/** staging with its API (public) or its worker deploying by `strategy`. */
const stagingWith = (service: "api" | "worker", deployment: Record<string, unknown>) =>
  environmentJson("staging", { services: { [service]: { deployment } } });

const ecsService = (json: StackJson, name: string) =>
  resourcesOf(json, "aws_ecs_service")[`service_${name}_service`]!;

describe("deployment strategies the configuration accepts", () => {
  it.each(DEPLOYMENT_STRATEGIES)("a public service may deploy by %s", (strategy) => {
    const config = configWith("staging", { services: { api: { deployment: { strategy } } } });
    expect(config.environments.staging!.services.api!.deployment.strategy).toBe(strategy);
  });

  it("a worker may deploy by rolling, the default", () => {
    const config = configWith("staging", {
      services: { worker: { deployment: { strategy: "rolling" } } },
    });
    expect(config.environments.staging!.services.worker!.deployment.strategy).toBe("rolling");
    expect(ServiceSchema.parse({}).deployment.strategy).toBe("rolling");
  });

  it.each(NON_ROLLING)(
    "a worker asking for %s is refused, naming the field, the value, what is allowed and the fix",
    (strategy) => {
      expect(
        configProblems(() =>
          configWith("staging", { services: { worker: { deployment: { strategy } } } }),
        ),
      ).toEqual([
        `staging.services.worker.deployment.strategy: "${strategy}" needs a load balancer to shift traffic between two target groups, and this service is not public (a worker); ` +
          'allowed: "rolling" for a service without `public`; ' +
          'fix: set deployment.strategy to "rolling" (or remove it), or make the service public',
      ]);
    },
  );

  it("refuses a strategy that does not exist, listing the four", () => {
    expect(
      configProblems(() =>
        configWith("staging", {
          services: { api: { deployment: { strategy: "redBlack" as DeploymentStrategy } } },
        }),
      ),
    ).toEqual([
      expect.stringMatching(
        /^staging\.services\.api\.deployment\.strategy: "redBlack" is not a deployment strategy; allowed: "rolling", "blueGreen", "canary", "linear"; fix: /,
      ),
    ]);
  });

  it("refuses a bake time with rolling, which has none", () => {
    expect(
      configProblems(() =>
        configWith("staging", { services: { api: { deployment: { bakeTimeMinutes: 5 } } } }),
      ),
    ).toEqual([
      expect.stringMatching(
        /^staging\.services\.api\.deployment\.bakeTimeMinutes: 5 is a setting of the blueGreen, canary and linear strategies, and the strategy is "rolling"; allowed: .*; fix: remove it, or set deployment\.strategy/,
      ),
    ]);
  });

  it("refuses canary settings under another strategy, and linear ones likewise", () => {
    expect(
      configProblems(() =>
        configWith("staging", {
          services: {
            api: { deployment: { strategy: "blueGreen", canary: {}, linear: {} } },
          },
        }),
      ),
    ).toEqual([
      expect.stringMatching(
        /^staging\.services\.api\.deployment\.canary: .* is a setting of the canary strategy, and the strategy is "blueGreen"; .*fix: remove deployment\.canary, or set deployment\.strategy to "canary"$/,
      ),
      expect.stringMatching(
        /^staging\.services\.api\.deployment\.linear: .* is a setting of the linear strategy, and the strategy is "blueGreen"; .*fix: remove deployment\.linear, or set deployment\.strategy to "linear"$/,
      ),
    ]);
  });

  it.each([
    ["canary", { percent: 0.05 }, "canary.percent", "0.05", "from 0.1 to 100"],
    ["canary", { percent: 10.25 }, "canary.percent", "10.25", "from 0.1 to 100"],
    ["linear", { stepPercent: 2 }, "linear.stepPercent", "2", "from 3 to 100"],
  ] as const)(
    "refuses a %s share ECS would refuse (%j)",
    (strategy, shares, field, shown, range) => {
      expect(
        configProblems(() =>
          configWith("staging", {
            services: { api: { deployment: { strategy, [strategy]: shares } } },
          }),
        ),
      ).toEqual([
        `staging.services.api.deployment.${field}: ${shown} is not a share of traffic ECS accepts; allowed: a multiple of 0.1 ${range} (ECS's steps); fix: use e.g. 10`,
      ]);
    },
  );

  it.each(NON_ROLLING)(
    "refuses request-count scaling with %s, whose traffic leaves the one target group it counts",
    (strategy) => {
      expect(
        configProblems(() =>
          configWith("staging", {
            services: { api: { deployment: { strategy }, autoscaling: { requestsPerTarget: 1000 } } },
          }),
        ),
      ).toEqual([
        expect.stringMatching(
          new RegExp(
            `^staging\\.services\\.api\\.autoscaling\\.requestsPerTarget: 1000 scales on one target group's request count, and with strategy "${strategy}" .*; allowed: requestsPerTarget only with deployment\\.strategy "rolling"; fix: `,
          ),
        ),
      ]);
    },
  );

  it("refuses a bake time beyond ECS's 1440 minutes", () => {
    expect(
      configProblems(() =>
        configWith("staging", {
          services: { api: { deployment: { strategy: "blueGreen", bakeTimeMinutes: 1441 } } },
        }),
      ),
    ).toEqual([
      expect.stringMatching(
        /^staging\.services\.api\.deployment\.bakeTimeMinutes: 1441 is out of range; allowed: an integer from 0 to 1440/,
      ),
    ]);
  });
});

describe("deploymentPlan fills each strategy's defaults", () => {
  const parse = (deployment: Record<string, unknown>) =>
    deploymentPlan(ServiceSchema.parse({ deployment }).deployment);

  it("rolling has no bake time and no shift", () => {
    expect(parse({})).toEqual({ strategy: "rolling" });
  });

  it("blue/green bakes 5 minutes unless told otherwise", () => {
    expect(parse({ strategy: "blueGreen" })).toEqual({ strategy: "blueGreen", bakeTimeMinutes: 5 });
    expect(parse({ strategy: "blueGreen", bakeTimeMinutes: 0 })).toEqual({
      strategy: "blueGreen",
      bakeTimeMinutes: 0,
    });
  });

  it("canary moves 10% for 5 minutes, linear 25% every 2 minutes, when the blocks are left out", () => {
    expect(parse({ strategy: "canary" })).toEqual({
      strategy: "canary",
      bakeTimeMinutes: 5,
      canary: { percent: 10, intervalMinutes: 5 },
    });
    expect(parse({ strategy: "linear", linear: { stepPercent: 50 } })).toEqual({
      strategy: "linear",
      bakeTimeMinutes: 5,
      linear: { stepPercent: 50, intervalMinutes: 2 },
    });
  });
});

describe("a public service deploying by each strategy (staging's API)", () => {
  it("rolling (staging as committed): no deployment_configuration, one target group, no test listener", () => {
    const json = environmentJson("staging");
    const api = ecsService(json, "api");
    expect(api.deployment_configuration).toBeUndefined();
    expect((api.load_balancer as Resource[])[0]!.advanced_configuration).toBeUndefined();
    expect(Object.keys(resourcesOf(json, "aws_lb_target_group"))).toEqual([
      "load_balancer_target_api",
    ]);
    expect(Object.values(resourcesOf(json, "aws_lb_listener")).map((l) => l.port)).not.toContain(
      9443,
    );
    expect(Object.keys(resourcesOf(json, "aws_iam_role"))).not.toContainEqual(
      expect.stringMatching(/traffic_shift/),
    );
    expect(api).toMatchObject({
      deployment_minimum_healthy_percent: 100,
      deployment_maximum_percent: 200,
      deployment_circuit_breaker: { enable: true, rollback: true },
      alarms: { enable: true, rollback: true },
    });
  });

  it.each([
    ["blueGreen", { bakeTimeMinutes: 3 }, { strategy: "BLUE_GREEN", bake_time_in_minutes: "3" }],
    [
      "canary",
      { canary: { percent: 20, intervalMinutes: 4 } },
      {
        strategy: "CANARY",
        bake_time_in_minutes: "5",
        canary_configuration: { canary_percent: 20, canary_bake_time_in_minutes: "4" },
      },
    ],
    [
      "linear",
      { bakeTimeMinutes: 1, linear: { stepPercent: 33.3, intervalMinutes: 3 } },
      {
        strategy: "LINEAR",
        bake_time_in_minutes: "1",
        linear_configuration: { step_percent: 33.3, step_bake_time_in_minutes: "3" },
      },
    ],
  ] as const)("%s: deployment_configuration carries the strategy and its timings", (strategy, extra, expected) => {
    const api = ecsService(stagingWith("api", { strategy, ...extra }), "api");
    expect(api.deployment_configuration).toEqual(expected);
  });

  it.each(NON_ROLLING)(
    "%s: two target groups, the production and test rules and the role, wired through advanced_configuration; alarms and circuit breaker roll back",
    (strategy) => {
      const json = stagingWith("api", { strategy });
      const api = ecsService(json, "api");
      expect((api.deployment_configuration as Resource).strategy).toBe(ECS_STRATEGY[strategy]);
      expect(api.load_balancer).toEqual([
        {
          target_group_arn: "${aws_lb_target_group.load_balancer_target_api.arn}",
          container_name: "app",
          container_port: 8080,
          advanced_configuration: {
            alternate_target_group_arn:
              "${aws_lb_target_group.load_balancer_target_api_alternate.arn}",
            production_listener_rule: "${aws_lb_listener_rule.load_balancer_rule_api.arn}",
            test_listener_rule: "${aws_lb_listener_rule.load_balancer_test_rule_api.arn}",
            role_arn: "${aws_iam_role.traffic_shift_api_role.arn}",
          },
        },
      ]);
      expect(api.alarms).toEqual({
        alarm_names: [
          "${aws_cloudwatch_metric_alarm.monitoring_api_5xx.alarm_name}",
          "${aws_cloudwatch_metric_alarm.monitoring_api_unhealthy_hosts.alarm_name}",
        ],
        enable: true,
        rollback: true,
      });
      expect(api.deployment_circuit_breaker).toEqual({ enable: true, rollback: true });
      expect(api.depends_on).toEqual(
        expect.arrayContaining([
          "aws_lb_listener_rule.load_balancer_rule_api",
          "aws_lb_listener_rule.load_balancer_test_rule_api",
          "aws_iam_role_policy.traffic_shift_api_policy",
        ]),
      );
    },
  );

  it("the two target groups are alike but for their names, and both health-check the same path", () => {
    const groups = resourcesOf(stagingWith("api", { strategy: "blueGreen" }), "aws_lb_target_group");
    const { name: primaryName, tags: _p, ...primary } = groups.load_balancer_target_api!;
    const { name: alternateName, tags: _a, ...alternate } =
      groups.load_balancer_target_api_alternate!;
    expect(alternate).toEqual(primary);
    expect(alternateName).not.toBe(primaryName);
    expect((primary.health_check as Resource).path).toBe("/health");
  });

  it("both rules forward by weight, all to the first group, and leave the weights to ECS", () => {
    const json = stagingWith("api", { strategy: "canary" });
    const rules = resourcesOf(json, "aws_lb_listener_rule");
    const listeners = resourcesOf(json, "aws_lb_listener");
    const weighted = [
      {
        type: "forward",
        forward: {
          target_group: [
            { arn: "${aws_lb_target_group.load_balancer_target_api.arn}", weight: 100 },
            { arn: "${aws_lb_target_group.load_balancer_target_api_alternate.arn}", weight: 0 },
          ],
        },
      },
    ];
    for (const rule of [rules.load_balancer_rule_api!, rules.load_balancer_test_rule_api!]) {
      expect(rule.action).toEqual(weighted);
      expect(rule.lifecycle).toEqual({ ignore_changes: ["action"] });
    }
    // The same paths and priority, the production rule on the serving listener, the test rule
    // on the test listener (port 9443, which answers 404 to anything else).
    expect(rules.load_balancer_test_rule_api!.condition).toEqual(
      rules.load_balancer_rule_api!.condition,
    );
    expect(rules.load_balancer_test_rule_api!.priority).toBe(
      rules.load_balancer_rule_api!.priority,
    );
    expect(rules.load_balancer_rule_api!.listener_arn).toBe("${aws_lb_listener.load_balancer_https.arn}");
    expect(rules.load_balancer_test_rule_api!.listener_arn).toBe(
      "${aws_lb_listener.load_balancer_test.arn}",
    );
    expect(listeners.load_balancer_test).toMatchObject({
      port: 9443,
      default_action: [expect.objectContaining({ type: "fixed-response" })],
    });
  });

  it("the test listener admits the VPC's range only, never the internet", () => {
    const json = stagingWith("api", { strategy: "linear" });
    const testIngress = Object.values(
      resourcesOf(json, "aws_vpc_security_group_ingress_rule"),
    ).filter((r) => r.from_port === 9443 || r.to_port === 9443);
    expect(testIngress).toEqual([
      expect.objectContaining({
        security_group_id: "${aws_security_group.load_balancer_sg.id}",
        from_port: 9443,
        to_port: 9443,
        cidr_ipv4: configWith("staging", {}).environments.staging!.network.cidr,
      }),
    ]);
  });

  it("with TLS (prod), the test listener serves HTTPS with the same certificate and policy", () => {
    const listeners = resourcesOf(environmentJson("prod"), "aws_lb_listener");
    expect(listeners.load_balancer_test).toMatchObject({
      port: 9443,
      protocol: "HTTPS",
      certificate_arn: listeners.load_balancer_https!.certificate_arn,
      ssl_policy: listeners.load_balancer_https!.ssl_policy,
    });
  });

  it("the traffic-shift role may be assumed by ECS and touch this service's target groups and rules only", () => {
    const json = stagingWith("api", { strategy: "blueGreen" });
    const role = resourcesOf(json, "aws_iam_role").traffic_shift_api_role!;
    expect(role.name).toBe("orbit-staging-api-traffic-shift");
    expect(JSON.parse(role.assume_role_policy as string).Statement).toEqual([
      { Effect: "Allow", Principal: { Service: "ecs.amazonaws.com" }, Action: "sts:AssumeRole" },
    ]);
    const policy = resourcesOf(json, "aws_iam_role_policy").traffic_shift_api_policy!;
    expect(policy.role).toBe("${aws_iam_role.traffic_shift_api_role.id}");
    expect(JSON.parse(policy.policy as string).Statement).toEqual([
      {
        Sid: "ReadLoadBalancing",
        Effect: "Allow",
        Action: [
          "elasticloadbalancing:DescribeListeners",
          "elasticloadbalancing:DescribeRules",
          "elasticloadbalancing:DescribeTargetGroups",
          "elasticloadbalancing:DescribeTargetHealth",
        ],
        Resource: "*",
      },
      {
        Sid: "RegisterTasksInOwnTargetGroups",
        Effect: "Allow",
        Action: ["elasticloadbalancing:RegisterTargets", "elasticloadbalancing:DeregisterTargets"],
        Resource: [
          "${aws_lb_target_group.load_balancer_target_api.arn}",
          "${aws_lb_target_group.load_balancer_target_api_alternate.arn}",
        ],
      },
      {
        Sid: "ShiftTrafficOnOwnRules",
        Effect: "Allow",
        Action: "elasticloadbalancing:ModifyRule",
        Resource: [
          "${aws_lb_listener_rule.load_balancer_rule_api.arn}",
          "${aws_lb_listener_rule.load_balancer_test_rule_api.arn}",
        ],
      },
    ]);
  });

  it("the only actions on * are the four Describe actions, which have no resource-level permissions", () => {
    const statements = trafficShiftStatements({
      namePrefix: "p",
      targetGroupArns: ["tg-1", "tg-2"],
      listenerRuleArns: ["rule-1", "rule-2"],
    });
    const onAnything = statements
      .filter((s) => [s.Resource].flat().includes("*"))
      .flatMap((s) => [s.Action ?? []].flat());
    expect(onAnything).toEqual([
      "elasticloadbalancing:DescribeListeners",
      "elasticloadbalancing:DescribeRules",
      "elasticloadbalancing:DescribeTargetGroups",
      "elasticloadbalancing:DescribeTargetHealth",
    ]);
  });
});

describe("a worker (no load balancer) deploys by rolling", () => {
  it("as committed: no deployment_configuration, no load balancer, its dead-letter alarm rolls back", () => {
    const worker = ecsService(environmentJson("prod"), "worker");
    expect(worker.deployment_configuration).toBeUndefined();
    expect(worker.load_balancer).toEqual([]);
    expect(worker.alarms).toEqual({
      alarm_names: ["${aws_cloudwatch_metric_alarm.monitoring_queue_events_dead_letters.alarm_name}"],
      enable: true,
      rollback: true,
    });
  });

  it("a FargateService asked for a traffic shift without the load balancer's pieces refuses to build", () => {
    const stack = bareStack();
    const cluster = new Cluster(stack, "cluster", { name: "orbit-test" });
    expect(
      () =>
        new FargateService(stack, "service-worker", {
          ...ServiceSchema.parse({ deployment: { strategy: "canary" } }),
          namePrefix: "orbit-test",
          name: "worker",
          region: "eu-west-1",
          accountId: "111111111111",
          vpcId: "vpc-1",
          subnetIds: ["subnet-a"],
          cluster,
          repositoryUrl: "111111111111.dkr.ecr.eu-west-1.amazonaws.com/orbit/app",
          repositoryArn: "arn:aws:ecr:eu-west-1:111111111111:repository/orbit/app",
          imageTag: "abc1234",
        }),
    ).toThrow(
      /FargateService worker: deployment\.strategy "canary" shifts traffic between two target groups, and loadBalancing\.trafficShift is not set/,
    );
  });
});

describe("the committed defaults", () => {
  it("prod's API deploys by canary with a bake time, both target groups wired, alarms rolling back", () => {
    const api = ecsService(environmentJson("prod"), "api");
    expect(api.deployment_configuration).toEqual({
      strategy: "CANARY",
      bake_time_in_minutes: "5",
      canary_configuration: { canary_percent: 10, canary_bake_time_in_minutes: "5" },
    });
    expect((api.load_balancer as Resource[])[0]!.advanced_configuration).toMatchObject({
      alternate_target_group_arn: "${aws_lb_target_group.load_balancer_target_api_alternate.arn}",
    });
    expect(api.alarms).toMatchObject({ enable: true, rollback: true });
  });

  it("staging's API stays rolling", () => {
    const api = ecsService(environmentJson("staging"), "api");
    expect(api.deployment_configuration).toBeUndefined();
    expect((api.load_balancer as Resource[])[0]!.advanced_configuration).toBeUndefined();
  });
});

describe("the deployment alarms see the new tasks wherever they serve", () => {
  const alarm = (json: StackJson, name: string) =>
    resourcesOf(json, "aws_cloudwatch_metric_alarm")[`monitoring_${name}`]!;

  it.each(NON_ROLLING)(
    "%s: the API's 5xx and unhealthy-host alarms sum over both target groups",
    (strategy) => {
      const json = stagingWith("api", { strategy });
      for (const name of ["api_5xx", "api_unhealthy_hosts"]) {
        const queries = alarm(json, name).metric_query as Resource[];
        expect(queries.map((q) => (q.metric as Resource | undefined)?.dimensions)).toEqual([
          expect.objectContaining({
            TargetGroup: "${aws_lb_target_group.load_balancer_target_api.arn_suffix}",
          }),
          expect.objectContaining({
            TargetGroup: "${aws_lb_target_group.load_balancer_target_api_alternate.arn_suffix}",
          }),
          undefined,
        ]);
        expect(queries[2]).toMatchObject({ expression: "SUM([m0, m1])", return_data: true });
        expect(alarm(json, name).period).toBeUndefined();
      }
    },
  );

  it("rolling: one target group, one metric, as before", () => {
    const json = environmentJson("staging");
    expect(alarm(json, "api_5xx")).toMatchObject({
      metric_name: "HTTPCode_Target_5XX_Count",
      dimensions: { TargetGroup: "${aws_lb_target_group.load_balancer_target_api.arn_suffix}" },
      period: 60,
    });
    expect(alarm(json, "api_5xx").metric_query).toBeUndefined();
  });
});
