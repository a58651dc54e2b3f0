import { readFileSync } from "node:fs";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import {
  imageDefaults,
  jsonLines,
  localEnvironment,
  managedBy,
  parseValueFrom,
  plainItem,
  secretValue,
  stateResources,
  taskDefinitions,
  wiring,
  type TaskContainer,
} from "../../scripts/terraform/workload-drive";

const IMAGE = "111111111111.dkr.ecr.eu-west-1.amazonaws.com/orbit/app:0123abc";
const SECRET = "arn:aws:secretsmanager:eu-west-1:111111111111:secret:rds!db-1234-AbCdEf";
const QUEUE_URL = "http://127.0.0.1:5000/111111111111/orbit-staging-events";
const QUEUE_ARN = "arn:aws:sqs:eu-west-1:111111111111:orbit-staging-events";
const TOPIC_ARN = "arn:aws:sns:eu-west-1:111111111111:orbit-staging-events";

const resource = (address: string, values: object) => ({
  address,
  mode: "managed",
  type: address.split(".")[0],
  name: address.split(".")[1],
  values,
});

/** `terraform show -json` of a state, as the provider records an applied staging. */
const show = (taskValues: object = {}) => ({
  format_version: "1.0",
  values: {
    root_module: {
      resources: [
        resource("aws_ecs_task_definition.service_api_task", {
          family: "orbit-staging-api",
          task_role_arn: "arn:aws:iam::111111111111:role/orbit-staging-api-task",
          execution_role_arn: "arn:aws:iam::111111111111:role/orbit-staging-api-execution",
          container_definitions: JSON.stringify([
            {
              name: "app",
              image: IMAGE,
              essential: true,
              environment: [
                { name: "DB_HOST", value: "orbit-staging.abc.eu-west-1.rds.amazonaws.com" },
                { name: "DB_PORT", value: "5432" },
                { name: "DB_SSL", value: "verify-full" },
                { name: "PORT", value: "8080" },
                { name: "TOPIC_EVENTS_ARN", value: TOPIC_ARN },
              ],
              secrets: [{ name: "DB_PASSWORD", valueFrom: `${SECRET}:password::` }],
              portMappings: [{ containerPort: 8080, hostPort: 8080, protocol: "tcp" }],
            },
          ]),
          ...taskValues,
        }),
        resource("aws_ecs_task_definition.service_worker_task", {
          family: "orbit-staging-worker",
          task_role_arn: "arn:aws:iam::111111111111:role/orbit-staging-worker-task",
          execution_role_arn: "arn:aws:iam::111111111111:role/orbit-staging-worker-execution",
          container_definitions: JSON.stringify([
            {
              name: "app",
              image: IMAGE,
              essential: true,
              command: ["node", "--enable-source-maps", "dist/worker.js"],
              environment: [{ name: "QUEUE_EVENTS_URL", value: QUEUE_URL }],
              secrets: [],
              portMappings: [],
            },
          ]),
        }),
        resource("aws_sqs_queue.queue_events_queue", { url: QUEUE_URL, arn: QUEUE_ARN }),
        resource("aws_sqs_queue.queue_events_dead_letters", {
          url: `${QUEUE_URL}-dlq`,
          arn: `${QUEUE_ARN}-dlq`,
        }),
        resource("aws_sqs_queue_policy.queue_events_policy", {
          queue_url: QUEUE_URL,
          policy: '{"Statement":[]}',
        }),
        resource("aws_sns_topic_subscription.queue_events_subscription_events", {
          arn: `${TOPIC_ARN}:0f1e`,
          topic_arn: TOPIC_ARN,
          endpoint: QUEUE_ARN,
          protocol: "sqs",
          raw_message_delivery: true,
        }),
        resource("aws_sns_topic_subscription.monitoring_alerts_email_0", {
          arn: "pending confirmation",
          topic_arn: "arn:aws:sns:eu-west-1:111111111111:orbit-staging-alerts",
          endpoint: "platform-alerts@example.com",
          protocol: "email",
        }),
        { ...resource("data.aws_caller_identity.current", {}), mode: "data" },
      ],
    },
  },
});

describe("the task definitions of an applied state", () => {
  it("reads each essential container's command, environment, secrets and ports, and the roles", () => {
    const [api, worker] = taskDefinitions(stateResources(show()));
    expect(api).toMatchObject({
      address: "aws_ecs_task_definition.service_api_task",
      family: "orbit-staging-api",
      taskRoleArn: "arn:aws:iam::111111111111:role/orbit-staging-api-task",
      executionRoleArn: "arn:aws:iam::111111111111:role/orbit-staging-api-execution",
      container: {
        name: "app",
        image: IMAGE,
        command: undefined,
        secrets: [{ name: "DB_PASSWORD", valueFrom: `${SECRET}:password::` }],
        containerPorts: [8080],
      },
    });
    expect(api!.container.environment.TOPIC_EVENTS_ARN).toBe(TOPIC_ARN);
    expect(worker!.container).toMatchObject({
      command: ["node", "--enable-source-maps", "dist/worker.js"],
      environment: { QUEUE_EVENTS_URL: QUEUE_URL },
      secrets: [],
      containerPorts: [],
    });
  });

  it("refuses a task definition without one essential container, or without a task role", () => {
    const two = JSON.stringify([
      { name: "app", image: IMAGE, essential: true },
      { name: "proxy", image: IMAGE, essential: true },
    ]);
    expect(() => taskDefinitions(stateResources(show({ container_definitions: two })))).toThrow(
      /service_api_task: expected one essential container, found 2 \(app, proxy\)/,
    );
    expect(() => taskDefinitions(stateResources(show({ task_role_arn: "" })))).toThrow(
      /service_api_task: no task role/,
    );
  });

  it("finds the stack's subscription, queue and queue policy between the API's topic and the worker's queue", () => {
    expect(wiring(stateResources(show()), TOPIC_ARN, QUEUE_URL)).toEqual({
      topicArn: TOPIC_ARN,
      queueUrl: QUEUE_URL,
      queueArn: QUEUE_ARN,
      subscriptionArn: `${TOPIC_ARN}:0f1e`,
      rawMessageDelivery: true,
      queuePolicy: '{"Statement":[]}',
    });
    expect(() => wiring(stateResources(show()), `${TOPIC_ARN}-other`, QUEUE_URL)).toThrow(
      /0 aws_sns_topic_subscription/,
    );
  });
});

describe("secrets as ECS injects them", () => {
  it("reads a Secrets Manager valueFrom with its JSON key, stage and version", () => {
    expect(parseValueFrom(`${SECRET}:password::`)).toEqual({
      secretId: SECRET,
      jsonKey: "password",
      versionStage: undefined,
      versionId: undefined,
    });
    expect(parseValueFrom(SECRET)).toMatchObject({ secretId: SECRET, jsonKey: undefined });
    expect(parseValueFrom(`${SECRET}::AWSPREVIOUS:`)).toMatchObject({
      jsonKey: undefined,
      versionStage: "AWSPREVIOUS",
    });
  });

  it("refuses Parameter Store references", () => {
    expect(() => parseValueFrom("arn:aws:ssm:eu-west-1:111111111111:parameter/db")).toThrow(
      /only Secrets Manager ARNs/,
    );
    expect(() => parseValueFrom("/orbit/db-password")).toThrow(/only Secrets Manager ARNs/);
  });

  it("takes the JSON key of the secret's string, or the whole string", () => {
    const json = '{"username":"admin","password":"P@55w0rd!"}';
    expect(secretValue(json, "password", "DB_PASSWORD")).toBe("P@55w0rd!");
    expect(secretValue("plain", undefined, "X")).toBe("plain");
    expect(() => secretValue("plain", "password", "DB_PASSWORD")).toThrow(/not JSON/);
    expect(() => secretValue(json, "host", "DB_HOST")).toThrow(/no string host/);
  });
});

describe("the master user secret RDS manages", () => {
  const resources = [
    {
      address: "aws_db_instance.database_instance",
      type: "aws_db_instance",
      values: { username: "app_admin", master_user_secret: [{ secret_arn: SECRET }] },
    },
  ];

  it("says whose secret it is and that moto's values are its own, never printing the password", () => {
    expect(managedBy(resources, SECRET, "username", "admin")).toContain(
      "moto's fixed value (moto/rds/models.py MasterUserSecret), where RDS stores the instance's master username \"app_admin\"",
    );
    const password = managedBy(resources, SECRET, "password", "P@55w0rd!");
    expect(password).toContain("9 characters");
    expect(password).not.toContain("P@55w0rd!");
    expect(managedBy(resources, `${SECRET}-other`, "password", "x")).toBe("");
  });
});

describe("the image's defaults", () => {
  it("reads ENV and CMD of the service's Dockerfile's final stage", () => {
    const image = imageDefaults(
      readFileSync(join(__dirname, "..", "..", "service", "Dockerfile"), "utf8"),
    );
    expect(image.cmd).toEqual(["node", "--enable-source-maps", "dist/server.js"]);
    expect(image.env).toMatchObject({ NODE_ENV: "production", PORT: "8080" });
  });

  it("ignores earlier stages and refuses forms it does not read", () => {
    const dockerfile = [
      "FROM node AS build",
      "ENV BUILD_ONLY=1",
      'CMD ["npm", "test"]',
      "FROM node",
      "# a comment",
      "ENV A=1 \\",
      '    B="two"',
      'CMD ["node", "dist/server.js"]',
    ].join("\n");
    expect(imageDefaults(dockerfile)).toEqual({
      env: { A: "1", B: "two" },
      cmd: ["node", "dist/server.js"],
    });
    expect(() => imageDefaults("FROM node\nENV A 1\nCMD []")).toThrow(/KEY=value/);
    expect(() => imageDefaults("FROM node\nCMD node server.js")).toThrow();
    expect(() => imageDefaults("FROM node\nENV A=1")).toThrow(/no CMD/);
  });
});

describe("the environment of a container run locally", () => {
  const api: TaskContainer = {
    name: "app",
    image: IMAGE,
    command: undefined,
    environment: {
      DB_HOST: "orbit-staging.abc.eu-west-1.rds.amazonaws.com",
      DB_PORT: "5432",
      DB_SSL: "verify-full",
      PORT: "8080",
      NODE_ENV: "staging",
      TABLE_ITEMS_NAME: "orbit-staging-items",
    },
    secrets: [{ name: "DB_PASSWORD", valueFrom: `${SECRET}:password::` }],
    containerPorts: [8080],
  };
  const input = {
    image: { env: { NODE_ENV: "production", PORT: "8080", DB_PASSWORD: "image" }, cmd: ["node"] },
    container: api,
    secrets: { DB_PASSWORD: "P@55w0rd!" },
    database: { host: "127.0.0.1", port: 54321 },
    listenPort: 40123,
    aws: {
      endpoint: "http://127.0.0.1:5000",
      accessKeyId: "ASIAEXAMPLE",
      secretAccessKey: "secret",
      sessionToken: "token",
    },
  };

  it("is the image's ENV under the task's environment and secrets, with the substitutions named", () => {
    const local = localEnvironment(input);
    expect(local.env).toMatchObject({
      NODE_ENV: "staging",
      TABLE_ITEMS_NAME: "orbit-staging-items",
      DB_PASSWORD: "P@55w0rd!",
      DB_HOST: "127.0.0.1",
      DB_PORT: "54321",
      DB_SSL: "disable",
      PORT: "40123",
      HOST: "127.0.0.1",
      AWS_ACCESS_KEY_ID: "ASIAEXAMPLE",
      AWS_SESSION_TOKEN: "token",
      AWS_ENDPOINT_URL: "http://127.0.0.1:5000",
      AWS_EC2_METADATA_DISABLED: "true",
    });
    expect(local.substitutions.map((s) => `${s.name}: ${s.from} -> ${s.to}`)).toEqual([
      "DB_HOST: orbit-staging.abc.eu-west-1.rds.amazonaws.com -> 127.0.0.1",
      "DB_PORT: 5432 -> 54321",
      "DB_SSL: verify-full -> disable",
      "PORT: 8080 -> 40123",
      "HOST: (unset: 0.0.0.0) -> 127.0.0.1",
    ]);
    expect(local.substitutions[0]!.reason).toMatch(/moto runs no database engine/);
  });

  it("leaves a container without a port or a database as the stack wrote it", () => {
    const worker: TaskContainer = {
      name: "app",
      image: IMAGE,
      command: ["node", "dist/worker.js"],
      environment: { QUEUE_EVENTS_URL: QUEUE_URL },
      secrets: [],
      containerPorts: [],
    };
    const local = localEnvironment({ ...input, container: worker, secrets: {} });
    expect(local.substitutions).toEqual([]);
    expect(local.env).toMatchObject({ QUEUE_EVENTS_URL: QUEUE_URL, PORT: "8080" });
    expect(local.env.HOST).toBeUndefined();
  });

  it("refuses a task definition that sets AWS credentials or an endpoint itself", () => {
    const leaky = { ...api, environment: { ...api.environment, AWS_ACCESS_KEY_ID: "AKIA" } };
    expect(() => localEnvironment({ ...input, container: leaky })).toThrow(/AWS_ACCESS_KEY_ID/);
  });
});

describe("reading the run", () => {
  it("keeps the JSON lines of a process's output", () => {
    expect(jsonLines('{"message":"a"}\nnot json\n{"broken"\n{"message":"b"}\n')).toEqual([
      { message: "a" },
      { message: "b" },
    ]);
  });

  it("shows a DynamoDB item as plain JSON", () => {
    expect(
      plainItem({
        pk: { S: "item#1" },
        timesProcessed: { N: "1" },
        done: { BOOL: true },
        gone: { NULL: true },
        nested: { M: { list: { L: [{ S: "x" }, { N: "2" }] } } },
      }),
    ).toEqual({
      pk: "item#1",
      timesProcessed: 1,
      done: true,
      gone: null,
      nested: { list: ["x", 2] },
    });
  });
});
