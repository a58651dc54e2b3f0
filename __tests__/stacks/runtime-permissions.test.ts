import { runSimulation } from "@cloud-copilot/iam-simulate";
import { Testing } from "cdktf";
import { describe, expect, it } from "vitest";
import {
  DATABASE_CREDENTIALS_ACTIONS,
  DATABASE_CREDENTIALS_KEY_ACTIONS,
} from "../../src/database/database";
import { TABLE_ACTIONS, TABLE_KEY_ACTIONS } from "../../src/key-value-store/key-value-store";
import { TABLE_ACCESS } from "../../src/key-value-store/settings";
import { QUEUE_ACTIONS, QUEUE_KEY_ACTIONS } from "../../src/messaging/queue";
import { QUEUE_ACCESS, TOPIC_ACCESS } from "../../src/messaging/settings";
import { TOPIC_ACTIONS, TOPIC_KEY_ACTIONS } from "../../src/messaging/topic";
import { parseConfig } from "../../src/config/load";
import type { EnvironmentConfig } from "../../src/config/schema";
import { EnvironmentStack } from "../../src/stacks/environment-stack";
import { SharedStack } from "../../src/stacks/shared-stack";
import { committedBackend, environmentOf, resourcesOf, synth, type StackJson } from "../helpers";

/**
 * What each service's task role can and cannot do at run time, decided by an IAM policy
 * simulator (@cloud-copilot/iam-simulate) over the synthesized policies: the role's inline
 * policies, the CI permissions boundary every role carries, the data key's key policy and the
 * resources' own policies, evaluated as IAM does. The calls come from each service's declared
 * `uses` and the grant's action sets (the same ones the workload calls: service/README.md): every
 * declared use must be allowed end to end, every undeclared one denied.
 */
const config = parseConfig();
const env = environmentOf(config, "staging");
const account = env.allowedAccountIds[0]!;
const region = env.region;
const app = Testing.app();
const shared = synth(new SharedStack(app, "shared", config, committedBackend));
const stack = synth(new EnvironmentStack(app, env, committedBackend));

/** A stand-in ARN for every resource a policy refers to, so the simulator sees real ARNs. */
function arnOf(type: string, name: string, values: Record<string, unknown>): string | undefined {
  const awsName = String(values.name ?? name);
  switch (type) {
    case "aws_dynamodb_table":
      return `arn:aws:dynamodb:${region}:${account}:table/${awsName}`;
    case "aws_sqs_queue":
      return `arn:aws:sqs:${region}:${account}:${awsName}`;
    case "aws_sns_topic":
      return `arn:aws:sns:${region}:${account}:${awsName}`;
    case "aws_kms_key":
      return `arn:aws:kms:${region}:${account}:key/0000aaaa-${name.replace(/_/g, "-")}`;
    case "aws_iam_role":
      return `arn:aws:iam::${account}:role/${awsName}`;
    case "aws_cloudwatch_log_group":
      return `arn:aws:logs:${region}:${account}:log-group:${awsName}`;
    default:
      return undefined;
  }
}

const SECRET = `arn:aws:secretsmanager:${region}:${account}:secret:rds!db-0000-AbCdEf`;

function resolve(document: string, json: StackJson): unknown {
  const text = document
    .replace(/\$\{data\.aws_caller_identity\.account\.account_id\}/g, account)
    .replace(
      /\$\{aws_db_instance\.database_instance\.master_user_secret\[0\]\.secret_arn\}/g,
      SECRET,
    )
    .replace(/\$\{([a-z0-9_]+)\.([A-Za-z0-9_-]+)\.(arn|id|name)\}/g, (whole, type, name, attr) => {
      const values = json.resource[type]?.[name];
      if (!values) return whole;
      if (attr === "name" || (attr === "id" && type === "aws_iam_role"))
        return String(values.name ?? name);
      return arnOf(type, name, values) ?? whole;
    });
  if (text.includes("${")) throw new Error(`unresolved reference in ${text}`);
  return JSON.parse(text);
}

const roleName = (service: string) => `orbit-staging-${service}-task`;

/** The task role of a declared service: its inline policies and the boundary it carries. */
function taskRole(service: string, without?: (statement: Record<string, unknown>) => boolean) {
  const name = roleName(service);
  const role = Object.entries(resourcesOf(stack, "aws_iam_role")).find(([, r]) => r.name === name);
  if (!role) throw new Error(`no task role ${name}`);
  const [address, values] = role;
  const policies = Object.values(resourcesOf(stack, "aws_iam_role_policy"))
    .filter((p) => p.role === `\${aws_iam_role.${address}.id}`)
    .map((p) => resolve(p.policy as string, stack) as { Statement: Record<string, unknown>[] })
    .map((p) => ({ ...p, Statement: p.Statement.filter((s) => !without?.(s)) }));
  const boundaryArn = String(values.permissions_boundary);
  const boundary = Object.values(resourcesOf(shared, "aws_iam_policy")).find(
    (p) => `arn:aws:iam::${account}:policy/${String(p.name)}` === boundaryArn,
  );
  if (!boundary) throw new Error(`no boundary ${boundaryArn} in the shared stack`);
  return {
    arn: `arn:aws:iam::${account}:role/${name}`,
    policies,
    boundary: resolve(boundary.policy as string, shared),
  };
}

const keyArn = arnOf("aws_kms_key", "data_key_key", {})!;
const keyPolicy = resolve(String(resourcesOf(stack, "aws_kms_key").data_key_key!.policy), stack);
const queuePolicies = Object.fromEntries(
  Object.values(resourcesOf(stack, "aws_sqs_queue_policy")).map((p) => {
    const policy = resolve(p.policy as string, stack) as { Statement: { Resource: string }[] };
    return [policy.Statement[0]!.Resource, policy];
  }),
);

type Principal = ReturnType<typeof taskRole>;

async function decide(
  principal: Principal,
  action: string,
  resource: string,
  via?: string,
  policyOfKey: unknown = keyPolicy,
) {
  const resourcePolicy = action.startsWith("kms:")
    ? policyOfKey
    : action.startsWith("sqs:")
      ? queuePolicies[resource]
      : undefined;
  const response = await runSimulation(
    {
      request: {
        principal: principal.arn,
        action,
        resource: { resource, accountId: account },
        contextVariables: {
          "aws:RequestedRegion": region,
          ...(via
            ? { "kms:ViaService": `${via}.${region}.amazonaws.com`, "kms:CallerAccount": account }
            : {}),
        },
      },
      identityPolicies: principal.policies.map((policy, i) => ({ name: `p${i}`, policy })),
      serviceControlPolicies: [],
      resourceControlPolicies: [],
      permissionBoundaryPolicies: [{ name: "boundary", policy: principal.boundary }],
      ...(resourcePolicy ? { resourcePolicy } : {}),
    },
    {},
  );
  if (response.resultType === "error") {
    throw new Error(`${action} on ${resource}: ${JSON.stringify(response.errors)}`);
  }
  return response.overallResult;
}

interface Call {
  readonly action: string;
  readonly resource: string;
  /** The AWS service a KMS call goes through. */
  readonly via?: string;
  /** The declared use it serves, for the failure message. */
  readonly use: string;
}

/** The calls one declared use makes: the resource's actions, and the key use behind it. */
const tableArn = (table: string) =>
  `arn:aws:dynamodb:${region}:${account}:table/orbit-staging-${table}`;
const queueArn = (queue: string) => `arn:aws:sqs:${region}:${account}:orbit-staging-${queue}`;
const topicArn = (topic: string) => `arn:aws:sns:${region}:${account}:orbit-staging-${topic}`;
const callsOf = {
  table: (name: string, access: keyof typeof TABLE_ACTIONS): Call[] => [
    ...TABLE_ACTIONS[access].map((action) => ({
      action,
      resource: tableArn(name),
      use: `tables.${name}: ${access}`,
    })),
    ...TABLE_KEY_ACTIONS.map((action) => ({
      action,
      resource: keyArn,
      via: "dynamodb",
      use: `tables.${name}: ${access}`,
    })),
  ],
  queue: (name: string, access: keyof typeof QUEUE_ACTIONS): Call[] => [
    ...QUEUE_ACTIONS[access].map((action) => ({
      action,
      resource: queueArn(name),
      use: `queues.${name}: ${access}`,
    })),
    ...QUEUE_KEY_ACTIONS[access].map((action) => ({
      action,
      resource: keyArn,
      via: "sqs",
      use: `queues.${name}: ${access}`,
    })),
  ],
  topic: (name: string, access: keyof typeof TOPIC_ACTIONS): Call[] => [
    ...TOPIC_ACTIONS[access].map((action) => ({
      action,
      resource: topicArn(name),
      use: `topics.${name}: ${access}`,
    })),
    ...TOPIC_KEY_ACTIONS.map((action) => ({
      action,
      resource: keyArn,
      via: "sns",
      use: `topics.${name}: ${access}`,
    })),
  ],
  database: (): Call[] => [
    ...DATABASE_CREDENTIALS_ACTIONS.map((action) => ({
      action,
      resource: SECRET,
      use: "database",
    })),
    ...DATABASE_CREDENTIALS_KEY_ACTIONS.map((action) => ({
      action,
      resource: keyArn,
      via: "secretsmanager",
      use: "database",
    })),
  ],
};

/** Every call a service's declaration allows. */
function declaredCalls(service: EnvironmentConfig["services"][string]): Call[] {
  const { uses } = service;
  return [
    ...(uses.database ? callsOf.database() : []),
    ...Object.entries(uses.tables).flatMap(([name, access]) => callsOf.table(name, access)),
    ...Object.entries(uses.queues).flatMap(([name, access]) => callsOf.queue(name, access)),
    ...Object.entries(uses.topics).flatMap(([name, access]) => callsOf.topic(name, access)),
  ];
}

/** Every call any declaration could allow in this environment. */
const everyCall: Call[] = [
  ...(env.database ? callsOf.database() : []),
  ...Object.keys(env.tables).flatMap((name) => TABLE_ACCESS.flatMap((a) => callsOf.table(name, a))),
  ...Object.keys(env.queues).flatMap((name) => QUEUE_ACCESS.flatMap((a) => callsOf.queue(name, a))),
  ...Object.keys(env.topics).flatMap((name) => TOPIC_ACCESS.flatMap((a) => callsOf.topic(name, a))),
];

const key = (c: Call) => `${c.action} ${c.resource} ${c.via ?? ""}`;

describe("each service's task role may make exactly the calls its uses declare (simulated end to end)", () => {
  for (const [name, service] of Object.entries(env.services)) {
    it(`${name}: every declared use is allowed through identity policy, boundary, key policy and resource policy`, async () => {
      const role = taskRole(name);
      const calls = declaredCalls(service);
      expect(calls.length).toBeGreaterThan(0);
      const refused: string[] = [];
      for (const call of calls) {
        const decision = await decide(role, call.action, call.resource, call.via);
        if (decision !== "Allowed")
          refused.push(`${call.use}: ${call.action} on ${call.resource} is ${decision}`);
      }
      expect(refused).toEqual([]);
    });

    it(`${name}: every call it does not declare is denied`, async () => {
      const role = taskRole(name);
      const declared = new Set(declaredCalls(service).map(key));
      const undeclared = everyCall.filter((c) => !declared.has(key(c)));
      expect(undeclared.length).toBeGreaterThan(0);
      const allowedAnyway: string[] = [];
      for (const call of undeclared) {
        const decision = await decide(role, call.action, call.resource, call.via);
        if (decision === "Allowed")
          allowedAnyway.push(`${call.action} on ${call.resource} (${call.use})`);
      }
      expect(allowedAnyway).toEqual([]);
    });
  }

  it("the worker has no database credentials and no table reads; the API may not touch the queue", async () => {
    const worker = taskRole("worker");
    const api = taskRole("api");
    expect(await decide(worker, "secretsmanager:GetSecretValue", SECRET)).not.toBe("Allowed");
    expect(await decide(worker, "dynamodb:GetItem", tableArn("items"))).not.toBe("Allowed");
    expect(await decide(worker, "dynamodb:PutItem", tableArn("items"))).toBe("Allowed");
    expect(await decide(api, "sqs:ReceiveMessage", queueArn("events"))).not.toBe("Allowed");
    expect(await decide(api, "sqs:SendMessage", queueArn("events"))).not.toBe("Allowed");
  });

  it("the API decrypts the table's key through DynamoDB, and only through DynamoDB", async () => {
    const api = taskRole("api");
    expect(await decide(api, "kms:Decrypt", keyArn, "dynamodb")).toBe("Allowed");
    expect(await decide(api, "kms:Decrypt", keyArn)).not.toBe("Allowed");
    expect(await decide(api, "kms:Decrypt", keyArn, "s3")).not.toBe("Allowed");
  });

  it("without the DynamoDB entry of its key grant the API could not read its table: the simulation sees it", async () => {
    const viaDynamodb = (s: Record<string, unknown>) =>
      JSON.stringify(s.Condition ?? {}).includes(`dynamodb.${region}.amazonaws.com`);
    const broken = taskRole("api", viaDynamodb);
    expect(await decide(broken, "kms:Decrypt", keyArn, "dynamodb")).not.toBe("Allowed");
  });

  it("without DynamoDB among the key policy's services the same call is denied: the key policy is evaluated too", async () => {
    const api = taskRole("api");
    const narrowed = JSON.parse(
      JSON.stringify(keyPolicy).replaceAll(`"dynamodb.${region}.amazonaws.com",`, ""),
    ) as unknown;
    expect(JSON.stringify(narrowed)).not.toContain(`dynamodb.${region}`);
    expect(await decide(api, "kms:Decrypt", keyArn, "dynamodb", narrowed)).not.toBe("Allowed");
  });
});

/**
 * What AWS services may publish to the encrypted alerts topic, decided by the simulator over the
 * topic's policy and the key's policy (a service principal has no identity policy: the resource
 * policy decides alone).
 */
describe("the alerts topic accepts the account's budgets and the environment's alarms, and no other source (simulated)", () => {
  const alertsTopic = topicArn("alerts");
  const topicPolicy = resolve(
    String(Object.values(resourcesOf(stack, "aws_sns_topic_policy"))[0]!.policy),
    stack,
  );
  const budgetArn = (name: string) => `arn:aws:budgets::${account}:budget/${name}`;
  const alarmArn = (name: string) => `arn:aws:cloudwatch:${region}:${account}:alarm:${name}`;

  async function asService(
    service: string,
    action: string,
    resource: string,
    source: { account: string; arn: string },
  ) {
    const response = await runSimulation(
      {
        request: {
          principal: service,
          action,
          resource: { resource, accountId: account },
          contextVariables: {
            "aws:SourceAccount": source.account,
            "aws:SourceArn": source.arn,
            "aws:RequestedRegion": region,
          },
        },
        identityPolicies: [],
        serviceControlPolicies: [],
        resourceControlPolicies: [],
        resourcePolicy: action.startsWith("kms:") ? keyPolicy : topicPolicy,
      },
      {},
    );
    if (response.resultType === "error") throw new Error(JSON.stringify(response.errors));
    return response.overallResult;
  }

  const publish = async (service: string, source: { account: string; arn: string }) => [
    await asService(service, "sns:Publish", alertsTopic, source),
    await asService(service, "kms:GenerateDataKey", keyArn, source),
    await asService(service, "kms:Decrypt", keyArn, source),
  ];
  const ours = (arn: string) => ({ account, arn });

  it("AWS Budgets publishes the environment's budget alerts: the topic policy and the key policy allow it", async () => {
    const budget = String(onlyBudget().name);
    expect(await publish("budgets.amazonaws.com", ours(budgetArn(budget)))).toEqual([
      "Allowed",
      "Allowed",
      "Allowed",
    ]);
  });

  it("a budget of another account may not", async () => {
    const budget = String(onlyBudget().name);
    const decisions = await publish("budgets.amazonaws.com", {
      account: "999999999999",
      arn: `arn:aws:budgets::999999999999:budget/${budget}`,
    });
    expect(decisions).not.toContain("Allowed");
  });

  it("CloudWatch publishes the environment's alarms; an alarm named for another environment may not", async () => {
    expect(
      await asService(
        "cloudwatch.amazonaws.com",
        "sns:Publish",
        alertsTopic,
        ours(alarmArn("orbit-staging-api-5xx")),
      ),
    ).toBe("Allowed");
    expect(
      await asService(
        "cloudwatch.amazonaws.com",
        "sns:Publish",
        alertsTopic,
        ours(alarmArn("orbit-prod-api-5xx")),
      ),
    ).not.toBe("Allowed");
  });

  it("without the budget's entry in the key policy the publish could not be encrypted: the simulation sees it", async () => {
    const budget = String(onlyBudget().name);
    const withoutBudgets = {
      ...(keyPolicy as { Statement: { Sid?: string }[] }),
      Statement: (keyPolicy as { Statement: { Sid?: string }[] }).Statement.filter(
        (s) => s.Sid !== "BudgetAlerts",
      ),
    };
    const response = await runSimulation(
      {
        request: {
          principal: "budgets.amazonaws.com",
          action: "kms:GenerateDataKey",
          resource: { resource: keyArn, accountId: account },
          contextVariables: { "aws:SourceAccount": account, "aws:SourceArn": budgetArn(budget) },
        },
        identityPolicies: [],
        serviceControlPolicies: [],
        resourceControlPolicies: [],
        resourcePolicy: withoutBudgets,
      },
      {},
    );
    expect(response.resultType === "error" ? "error" : response.overallResult).not.toBe("Allowed");
  });
});

function onlyBudget(): Record<string, unknown> {
  const budgets = Object.values(resourcesOf(stack, "aws_budgets_budget"));
  if (budgets.length !== 1) throw new Error(`expected one budget, found ${budgets.length}`);
  return budgets[0]!;
}
