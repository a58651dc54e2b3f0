import { describe, expect, it } from "vitest";
import { parseConfig } from "../../src/config/load";
import type { EnvironmentInput } from "../../src/config/schema";
import {
  committedEnvironment,
  configProblems,
  resourcesOf,
  type StackJson,
  environmentJson,
} from "../helpers";

/** Services and data as data: what each declaration derives, read from the synthesized stack. */
const staging = environmentJson("staging");
const prod = environmentJson("prod");

const byName = (json: StackJson, type: string, name: string) => {
  const found = Object.entries(resourcesOf(json, type)).find(
    ([, r]) => r.name === name || (r.tags as Record<string, string> | undefined)?.Name === name,
  );
  if (!found) throw new Error(`no ${type} named ${name}`);
  return { address: found[0], values: found[1] };
};
const containerOf = (json: StackJson, family: string) => {
  const task = Object.values(resourcesOf(json, "aws_ecs_task_definition")).find(
    (t) => t.family === family,
  );
  if (!task) throw new Error(`no task definition ${family}`);
  return (JSON.parse(String(task.container_definitions)) as Record<string, unknown>[])[0]!;
};
const environmentNames = (container: Record<string, unknown>) =>
  (container.environment as { name: string }[]).map((v) => v.name).sort();
const policiesOfRole = (json: StackJson, roleName: string) => {
  const role = byName(json, "aws_iam_role", roleName);
  return Object.values(resourcesOf(json, "aws_iam_role_policy")).filter(
    (p) => p.role === `\${aws_iam_role.${role.address}.id}`,
  );
};

describe("each environment runs the services it declares", () => {
  it.each([
    ["staging", staging],
    ["prod", prod],
  ])(
    "%s: the API behind the load balancer, the worker with none, scaling on its queue's backlog",
    (name, json) => {
      const services = Object.values(resourcesOf(json, "aws_ecs_service"));
      expect(services.map((s) => s.name).sort()).toEqual([
        `orbit-${name}-api`,
        `orbit-${name}-worker`,
      ]);
      const api = byName(json, "aws_ecs_service", `orbit-${name}-api`).values;
      const worker = byName(json, "aws_ecs_service", `orbit-${name}-worker`).values;
      expect(api.load_balancer).toEqual([
        expect.objectContaining({ container_name: "app", container_port: 8080 }),
      ]);
      expect(worker.load_balancer).toEqual([]);

      const backlog = byName(
        json,
        "aws_appautoscaling_policy",
        `orbit-${name}-worker-backlog-scaling`,
      ).values.target_tracking_scaling_policy_configuration as Record<string, unknown>;
      expect(backlog.target_value).toBe(100);
      const metrics = (
        backlog.customized_metric_specification as { metrics: Record<string, unknown>[] }
      ).metrics;
      expect(metrics).toEqual([
        expect.objectContaining({
          id: "visible",
          metric_stat: expect.objectContaining({
            metric: expect.objectContaining({
              namespace: "AWS/SQS",
              metric_name: "ApproximateNumberOfMessagesVisible",
              dimensions: [
                { name: "QueueName", value: "${aws_sqs_queue.queue_events_queue.name}" },
              ],
            }),
          }),
        }),
        expect.objectContaining({
          id: "running",
          metric_stat: expect.objectContaining({
            metric: expect.objectContaining({ metric_name: "RunningTaskCount" }),
          }),
        }),
        expect.objectContaining({
          id: "backlog_per_task",
          expression: "visible / MAX([running, 1])",
          return_data: true,
        }),
      ]);
    },
  );

  it("one image, two commands: the worker runs dist/worker.js and listens on nothing", () => {
    const api = containerOf(staging, "orbit-staging-api");
    const worker = containerOf(staging, "orbit-staging-worker");
    expect(api.image).toBe(worker.image);
    expect(api.command).toBeUndefined();
    expect(worker.command).toEqual(["node", "--enable-source-maps", "dist/worker.js"]);
    expect(worker.portMappings).toEqual([]);
    expect(worker.healthCheck).toBeUndefined();
  });

  it("each task finds exactly what it uses in its environment, and its drain deadline inside the stop timeout", () => {
    const api = containerOf(staging, "orbit-staging-api");
    const worker = containerOf(staging, "orbit-staging-worker");
    expect(environmentNames(api)).toEqual([
      "APP_VERSION",
      "AWS_REGION",
      "DB_CREDENTIALS_ARN",
      "DB_HOST",
      "DB_NAME",
      "DB_PORT",
      "DB_SSL",
      "HEALTH_CHECK_PATH",
      "KEEP_ALIVE_TIMEOUT_MS",
      "PORT",
      "SERVICE_NAME",
      "SHUTDOWN_TIMEOUT_MS",
      "TABLE_ITEMS_NAME",
      "TOPIC_EVENTS_ARN",
    ]);
    expect((api.secrets as { name: string }[]).map((s) => s.name)).toEqual([
      "DB_PASSWORD",
      "DB_USERNAME",
    ]);
    expect(environmentNames(worker)).toEqual([
      "APP_VERSION",
      "AWS_REGION",
      "QUEUE_EVENTS_URL",
      "SERVICE_NAME",
      "SHUTDOWN_TIMEOUT_MS",
      "TABLE_ITEMS_NAME",
    ]);
    expect(worker.secrets).toEqual([]);
    const shutdown = (worker.environment as { name: string; value: string }[]).find(
      (v) => v.name === "SHUTDOWN_TIMEOUT_MS",
    )!.value;
    expect(Number(shutdown)).toBeLessThan(Number(worker.stopTimeout) * 1000);
  });
});

describe("the worker gets nothing it does not declare", () => {
  it("no database secret, no DynamoDB read, no database path; the API may decrypt through DynamoDB", () => {
    const worker = policiesOfRole(staging, "orbit-staging-worker-task").map((p) =>
      String(p.policy),
    );
    expect(worker.join()).not.toContain("secretsmanager");
    expect(worker.join()).not.toContain("dynamodb:GetItem");
    expect(worker.join()).not.toContain("dynamodb:Query");
    const execution = policiesOfRole(staging, "orbit-staging-worker-task-execution").map((p) =>
      String(p.policy),
    );
    expect(execution.join()).not.toContain("secretsmanager");

    const workerGroup = byName(staging, "aws_security_group", "orbit-staging-worker").address;
    const databaseGroup = byName(staging, "aws_security_group", "orbit-staging-db").address;
    const egress = Object.values(resourcesOf(staging, "aws_vpc_security_group_egress_rule")).filter(
      (r) => r.security_group_id === `\${aws_security_group.${workerGroup}.id}`,
    );
    expect(egress.map((r) => r.referenced_security_group_id)).not.toContain(
      `\${aws_security_group.${databaseGroup}.id}`,
    );
    expect(
      Object.values(resourcesOf(staging, "aws_vpc_security_group_ingress_rule")).filter(
        (r) => r.security_group_id === `\${aws_security_group.${workerGroup}.id}`,
      ),
    ).toEqual([]);

    const apiTable = policiesOfRole(staging, "orbit-staging-api-task").find(
      (p) => p.name === "table-items",
    )!;
    expect(JSON.parse(String(apiTable.policy)).Statement).toContainEqual(
      expect.objectContaining({
        Action: ["kms:Decrypt"],
        Condition: { StringEquals: { "kms:ViaService": "dynamodb.eu-west-1.amazonaws.com" } },
      }),
    );
  });
});

describe("a network without NAT has exactly the endpoints the declared uses need", () => {
  const endpointsOf = (patch: Partial<EnvironmentInput>) => {
    const json = environmentJson("staging", {
      network: { natGateways: "none" },
      ...patch,
    } as never);
    return Object.values(resourcesOf(json, "aws_vpc_endpoint"))
      .map(
        (e) =>
          `${String(e.service_name).replace("com.amazonaws.eu-west-1.", "")}:${String(e.vpc_endpoint_type)}`,
      )
      .sort();
  };

  it("the committed services: images, logs, the database's secret, the table, the queue and the topic", () => {
    expect(endpointsOf({})).toEqual([
      "dynamodb:Gateway",
      "ecr.api:Interface",
      "ecr.dkr:Interface",
      "logs:Interface",
      "s3:Gateway",
      "secretsmanager:Interface",
      "sns:Interface",
      "sqs:Interface",
    ]);
  });

  it("a uses entry adds its endpoint, and dropping the last user of a service drops it", () => {
    const staging = committedEnvironment("staging");
    const services = staging.services!;
    const withoutTopic = endpointsOf({
      services: {
        ...services,
        // Patched to undefined: the api no longer publishes to the topic, and no one else does.
        api: { ...services.api!, uses: { topics: undefined } },
      },
    });
    expect(withoutTopic).not.toContain("sns:Interface");
    expect(endpointsOf({})).toContain("sns:Interface");
  });
});

describe("a declaration naming what does not exist is a config error naming the field", () => {
  const withServices = (services: EnvironmentInput["services"]) => () =>
    parseConfig({
      project: {
        name: "orbit",
        region: "eu-west-1",
        sharedAccountIds: ["111111111111"],
        github: { owner: "example-org", repository: "orbit" },
      },
      environments: {
        staging: { ...committedEnvironment("staging"), services },
        prod: committedEnvironment("prod"),
      },
    });

  it.each([
    [
      "an unknown table",
      { api: { public: {}, uses: { tables: { itemz: "readWrite" as const } } } },
      /^staging\.services\.api\.uses\.tables\.itemz: "readWrite" refers to table "itemz", which this environment does not declare; allowed: a table of tables: "items"; fix: declare it under tables, or fix the name/,
    ],
    [
      "a topic subscription to nothing",
      { api: { public: {}, uses: { topics: { event: "publish" as const } } } },
      /^staging\.services\.api\.uses\.topics\.event: "publish" refers to topic "event", which this environment does not declare; allowed: a topic of topics: "events"/,
    ],
    [
      "backlog scaling without a consumed queue",
      {
        worker: {
          autoscaling: { backlogPerTask: 10 },
          uses: { tables: { items: "write" as const } },
        },
      },
      /^staging\.services\.worker\.autoscaling\.backlogPerTask: 10 needs exactly one queue the service consumes, and it consumes 0/,
    ],
    [
      "request scaling on a worker",
      { worker: { autoscaling: { requestsPerTarget: 100 } } },
      /^staging\.services\.worker\.autoscaling\.requestsPerTarget: 100 needs the load balancer's request count, and this service is not public/,
    ],
    [
      "two public services with the same routes",
      { api: { public: {} }, web: { public: {} } },
      /^staging\.services\.web\.public\.paths: .*\(\["\/\*"\], hosts "any"\) are service api's too, so one of them would never get a request/,
    ],
    [
      "a service port equal to the database's",
      { api: { public: { containerPort: 5432 } } },
      /^staging\.services\.api\.public\.containerPort: 5432 is the database's port/,
    ],
  ])("rejects %s", (_, services, expected) => {
    expect(configProblems(withServices(services as never))).toContainEqual(
      expect.stringMatching(expected),
    );
  });
});
