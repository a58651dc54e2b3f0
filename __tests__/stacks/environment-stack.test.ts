import { describe, expect, it } from "vitest";
import { resourcesOf, type StackJson, environmentJson } from "../helpers";

type Resource = Record<string, unknown>;

const containerOf = (json: StackJson, service: string) =>
  JSON.parse(
    resourcesOf(json, "aws_ecs_task_definition")[`service_${service}_task`]!
      .container_definitions as string,
  )[0];

/** Every place the API's container port appears on the request path, read from the synthesized stack. */
function portsOnThePath(json: StackJson) {
  const container = containerOf(json, "api");
  const serviceSg = "${aws_security_group.service_api_sg.id}";
  const albSg = "${aws_security_group.load_balancer_sg.id}";
  const ingress = Object.values(resourcesOf(json, "aws_vpc_security_group_ingress_rule")).find(
    (r) => r.security_group_id === serviceSg && r.referenced_security_group_id === albSg,
  )!;
  const egress = Object.values(resourcesOf(json, "aws_vpc_security_group_egress_rule")).find(
    (r) => r.security_group_id === albSg && r.referenced_security_group_id === serviceSg,
  )!;
  const privateAcl = resourcesOf(json, "aws_network_acl").network_private_nacl!;
  const fromAlb = (privateAcl.ingress as Resource[]).find((r) => r.rule_no === 100)!;
  const targetGroup = resourcesOf(json, "aws_lb_target_group").load_balancer_target_api!;
  return {
    portMapping: container.portMappings[0].containerPort,
    hostPort: container.portMappings[0].hostPort,
    PORT: Number(container.environment.find((e: { name: string }) => e.name === "PORT").value),
    targetGroup: targetGroup.port,
    healthCheckPort: (targetGroup.health_check as Resource).port,
    serviceLoadBalancer: (
      resourcesOf(json, "aws_ecs_service").service_api_service!.load_balancer as Resource[]
    )[0]!.container_port,
    serviceIngress: [ingress.from_port, ingress.to_port],
    albEgress: [egress.from_port, egress.to_port],
    privateNaclFromAlb: [fromAlb.from_port, fromAlb.to_port],
  };
}

describe("the container port is declared once", () => {
  it.each([8080, 3001])(
    "port %i reaches the port mapping, PORT, target group and both security group rules",
    (port) => {
      const json = environmentJson("staging", {
        services: { api: { public: { containerPort: port } } },
      });
      expect(portsOnThePath(json)).toEqual({
        portMapping: port,
        hostPort: port,
        PORT: port,
        targetGroup: port,
        healthCheckPort: "traffic-port",
        serviceLoadBalancer: port,
        serviceIngress: [port, port],
        albEgress: [port, port],
        privateNaclFromAlb: [port, port],
      });
    },
  );
});

describe("each service's environment names exactly what it uses", () => {
  const json = environmentJson("prod");
  const variables = (service: string) =>
    Object.fromEntries(
      containerOf(json, service).environment.map((e: Resource) => [e.name, e.value]),
    );
  const db = "${aws_db_instance.database_instance";

  it("the API: its port, the database, the table and the topic, besides what every task gets", () => {
    expect(variables("api")).toEqual({
      SERVICE_NAME: "api",
      APP_VERSION: "${var.image_tag}",
      AWS_REGION: "eu-west-1",
      SHUTDOWN_TIMEOUT_MS: "25000",
      // The ALB's idle timeout (60 s) plus 5 s.
      KEEP_ALIVE_TIMEOUT_MS: "65000",
      // The target group's health-check path, for the container's own health check.
      HEALTH_CHECK_PATH: "/health",
      PORT: "8080",
      DB_HOST: `${db}.address}`,
      DB_PORT: "5432",
      DB_NAME: "app",
      DB_SSL: "verify-full",
      DB_CREDENTIALS_ARN: `${db}.master_user_secret[0].secret_arn}`,
      TABLE_ITEMS_NAME: "${aws_dynamodb_table.table_items_table.name}",
      TOPIC_EVENTS_ARN: "${aws_sns_topic.topic_events_topic.arn}",
    });
    expect(containerOf(json, "api").secrets).toEqual([
      { name: "DB_PASSWORD", valueFrom: `${db}.master_user_secret[0].secret_arn}:password::` },
      { name: "DB_USERNAME", valueFrom: `${db}.master_user_secret[0].secret_arn}:username::` },
    ]);
  });

  it("the worker: the queue and the table, no port and no database", () => {
    expect(variables("worker")).toEqual({
      SERVICE_NAME: "worker",
      APP_VERSION: "${var.image_tag}",
      AWS_REGION: "eu-west-1",
      SHUTDOWN_TIMEOUT_MS: "25000",
      QUEUE_EVENTS_URL: "${aws_sqs_queue.queue_events_queue.url}",
      TABLE_ITEMS_NAME: "${aws_dynamodb_table.table_items_table.name}",
    });
    expect(containerOf(json, "worker").secrets).toEqual([]);
  });

  it("the drain deadline follows the stop timeout, 5 s inside it", () => {
    const tuned = environmentJson("staging", { services: { worker: { stopTimeoutSeconds: 90 } } });
    const worker = containerOf(tuned, "worker");
    expect(worker.stopTimeout).toBe(90);
    expect(worker.environment).toContainEqual({ name: "SHUTDOWN_TIMEOUT_MS", value: "85000" });
  });
});

/**
 * A release is `terraform apply -var image_tag=<sha>`. Terraform substitutes the variable, so two
 * releases are the synthesized stack with two values for `var.image_tag`: the resources whose
 * configuration differs are what the plan changes, plus whatever refers to them.
 */
describe("releasing a new image_tag", () => {
  const withTag = (tag: string) => {
    const json = environmentJson("prod");
    return JSON.parse(
      JSON.stringify(json.resource).replaceAll("${var.image_tag}", tag),
    ) as StackJson["resource"];
  };

  it("changes only the task definition, and only the service refers to it", () => {
    const before = withTag("1111111111111111111111111111111111111111");
    const after = withTag("2222222222222222222222222222222222222222");
    const changed = Object.keys(before).flatMap((type) =>
      Object.keys(before[type]!)
        .filter(
          (name) => JSON.stringify(before[type]![name]) !== JSON.stringify(after[type]?.[name]),
        )
        .map((name) => `${type}.${name}`),
    );
    expect(changed).toEqual([
      "aws_ecs_task_definition.service_api_task",
      "aws_ecs_task_definition.service_worker_task",
    ]);

    for (const service of ["api", "worker"]) {
      const referrers = Object.entries(after).flatMap(([type, byName]) =>
        Object.entries(byName)
          .filter(([, body]) =>
            JSON.stringify(body).includes(`aws_ecs_task_definition.service_${service}_task.`),
          )
          .map(([name]) => `${type}.${name}`),
      );
      expect(referrers).toEqual([`aws_ecs_service.service_${service}_service`]);
    }
  });

  it("leaves the task definitions free of ignore_changes, so Terraform stays the source of truth", () => {
    const taskDefinitions = Object.values(
      resourcesOf(environmentJson("prod"), "aws_ecs_task_definition"),
    );
    expect(taskDefinitions).toHaveLength(2);
    for (const taskDefinition of taskDefinitions)
      expect(taskDefinition).not.toHaveProperty("lifecycle");
  });

  it("accepts only commit SHAs and version tags as image_tag", () => {
    const variable = (environmentJson("prod") as unknown as { variable: Record<string, Resource> })
      .variable.image_tag!;
    expect(variable.type).toBe("string");
    const validation = (variable.validation as Resource[])[0]!;
    const pattern = /regex\("(.+)", var\.image_tag\)/.exec(validation.condition as string)![1]!;
    const regex = new RegExp(pattern.replaceAll("\\\\", "\\"));
    expect(
      ["3f5c2a1", "3f5c2a1d9e8b7c6a5f4e3d2c1b0a9f8e7d6c5b4a", "v1.4.2"].every((t) => regex.test(t)),
    ).toBe(true);
    expect(["latest", "main", "3F5C2A1", "v1.4", ""].some((t) => regex.test(t))).toBe(false);
  });
});

describe("IAM", () => {
  const json = environmentJson("prod");
  const statements = () =>
    Object.entries(resourcesOf(json, "aws_iam_role_policy")).flatMap(([name, policy]) =>
      (JSON.parse(policy.policy as string).Statement as Resource[]).map(
        (s): Resource & { policy: string } => ({ ...s, policy: name }),
      ),
    );

  const executionOf = (service: string, secrets: boolean) => [
    expect.objectContaining({ Action: "ecr:GetAuthorizationToken", Resource: "*" }),
    expect.objectContaining({
      Action: [
        "ecr:BatchCheckLayerAvailability",
        "ecr:GetDownloadUrlForLayer",
        "ecr:BatchGetImage",
      ],
      Resource: "arn:aws:ecr:eu-west-1:111111111111:repository/orbit/app",
    }),
    expect.objectContaining({
      Action: ["logs:CreateLogStream", "logs:PutLogEvents"],
      Resource: [
        `\${aws_cloudwatch_log_group.service_${service}_logs.arn}`,
        `\${aws_cloudwatch_log_group.service_${service}_logs.arn}:log-stream:*`,
      ],
    }),
    ...(secrets
      ? [
          expect.objectContaining({
            Action: "secretsmanager:GetSecretValue",
            Resource: ["${aws_db_instance.database_instance.master_user_secret[0].secret_arn}"],
          }),
          expect.objectContaining({
            Action: "kms:Decrypt",
            Resource: "${aws_kms_key.data_key_key.arn}",
            Condition: {
              StringEquals: { "kms:ViaService": "secretsmanager.eu-west-1.amazonaws.com" },
            },
          }),
        ]
      : []),
  ];

  it("each execution role may pull from the one repository and write its own log group; only the API's reads the one secret", () => {
    const execution = (service: string) =>
      statements().filter((s) => s.policy === `service_${service}_roles_execution_policy`);
    expect(execution("api")).toEqual(executionOf("api", true));
    expect(execution("worker")).toEqual(executionOf("worker", false));
  });

  const key = "${aws_kms_key.data_key_key.arn}";
  const via = (service: string, actions: string[]) => ({
    Sid: `KeyVia${service.charAt(0).toUpperCase()}${service.slice(1)}`,
    Effect: "Allow",
    Action: actions,
    Resource: key,
    Condition: { StringEquals: { "kms:ViaService": `${service}.eu-west-1.amazonaws.com` } },
  });
  const taskPolicies = (service: string) =>
    Object.fromEntries(
      Object.entries(resourcesOf(json, "aws_iam_role_policy"))
        .filter(([, p]) => p.role === `\${aws_iam_role.service_${service}_roles_task.id}`)
        .map(([, p]) => [p.name, JSON.parse(p.policy as string).Statement]),
    );

  it("the API's task role has exactly what it uses: the database credentials, the table read-write, publishing to the topic, the key only through each", () => {
    expect(taskPolicies("api")).toEqual({
      "database-credentials": [
        {
          Sid: "DatabaseCredentials",
          Effect: "Allow",
          Action: ["secretsmanager:GetSecretValue"],
          Resource: "${aws_db_instance.database_instance.master_user_secret[0].secret_arn}",
        },
        via("secretsmanager", ["kms:Decrypt"]),
      ],
      "table-items": [
        {
          Sid: "Table",
          Effect: "Allow",
          Action: [
            "dynamodb:GetItem",
            "dynamodb:Query",
            "dynamodb:PutItem",
            "dynamodb:UpdateItem",
            "dynamodb:DeleteItem",
          ],
          Resource: "${aws_dynamodb_table.table_items_table.arn}",
        },
        via("dynamodb", ["kms:Decrypt"]),
      ],
      "topic-events": [
        {
          Sid: "Topic",
          Effect: "Allow",
          Action: ["sns:Publish"],
          Resource: "${aws_sns_topic.topic_events_topic.arn}",
        },
        via("sns", ["kms:GenerateDataKey", "kms:Decrypt"]),
      ],
    });
  });

  it("the worker's task role has exactly what it uses: consuming the queue and writing the table, no database and no table read", () => {
    expect(taskPolicies("worker")).toEqual({
      "queue-events": [
        {
          Sid: "Queue",
          Effect: "Allow",
          Action: [
            "sqs:ReceiveMessage",
            "sqs:DeleteMessage",
            "sqs:ChangeMessageVisibility",
            "sqs:GetQueueAttributes",
          ],
          Resource: "${aws_sqs_queue.queue_events_queue.arn}",
        },
        via("sqs", ["kms:Decrypt"]),
      ],
      "table-items": [
        {
          Sid: "Table",
          Effect: "Allow",
          Action: ["dynamodb:PutItem", "dynamodb:UpdateItem", "dynamodb:DeleteItem"],
          Resource: "${aws_dynamodb_table.table_items_table.arn}",
        },
        via("dynamodb", ["kms:Decrypt"]),
      ],
    });
  });

  it("no role gets a managed policy, and every policy of the services is one of theirs", () => {
    expect(resourcesOf(json, "aws_iam_role_policy_attachment")).toEqual({});
    const servicePolicies = Object.keys(resourcesOf(json, "aws_iam_role_policy")).filter((name) =>
      name.startsWith("service_"),
    );
    expect(servicePolicies.sort()).toEqual([
      "service_api_roles_database_credentials",
      "service_api_roles_execution_policy",
      "service_api_roles_table_items",
      "service_api_roles_topic_events",
      "service_worker_roles_execution_policy",
      "service_worker_roles_queue_events",
      "service_worker_roles_table_items",
    ]);
  });

  it("every statement names exact resources; * only for ecr:GetAuthorizationToken and the load balancer's Describe actions, which have no resource-level permissions", () => {
    const exact = [
      // One resource of this stack, optionally narrowed to its log streams (no table indexes).
      /^\$\{aws_[a-z0-9_]+\.[a-z0-9_]+\.arn\}(:log-stream:\*)?$/,
      // The shared stack's one image repository.
      /^arn:aws:ecr:eu-west-1:111111111111:repository\/orbit\/app$/,
      // The secret RDS manages for the master user.
      /^\$\{aws_db_instance\.database_instance\.master_user_secret\[0\]\.secret_arn\}$/,
      // The one log group RDS enhanced monitoring writes to, in this region and account.
      /^arn:aws:logs:eu-west-1:\$\{data\.aws_caller_identity\.account\.account_id\}:log-group:RDSOSMetrics(:log-stream:\*)?$/,
    ];
    for (const statement of statements()) {
      for (const resource of [statement.Resource].flat() as string[]) {
        if (resource === "*") {
          expect([
            ["ecr:GetAuthorizationToken"],
            // prod's API deploys by canary; ECS reads the listeners and target health with them.
            [
              "elasticloadbalancing:DescribeListeners",
              "elasticloadbalancing:DescribeRules",
              "elasticloadbalancing:DescribeTargetGroups",
              "elasticloadbalancing:DescribeTargetHealth",
            ],
          ]).toContainEqual([statement.Action].flat());
        } else {
          expect(
            exact.some((pattern) => pattern.test(resource)),
            `${statement.policy}: ${resource}`,
          ).toBe(true);
        }
      }
    }
  });

  it("task roles can be assumed only by ECS tasks of this account and region", () => {
    const roles = Object.keys(resourcesOf(json, "aws_iam_role")).filter((r) =>
      r.startsWith("service_"),
    );
    expect(roles.sort()).toEqual([
      "service_api_roles_execution",
      "service_api_roles_task",
      "service_worker_roles_execution",
      "service_worker_roles_task",
    ]);
    for (const role of roles) {
      const trust = JSON.parse(
        resourcesOf(json, "aws_iam_role")[role]!.assume_role_policy as string,
      );
      expect(trust.Statement).toEqual([
        {
          Effect: "Allow",
          Principal: { Service: "ecs-tasks.amazonaws.com" },
          Action: "sts:AssumeRole",
          Condition: {
            StringEquals: {
              "aws:SourceAccount": "${data.aws_caller_identity.account.account_id}",
            },
            ArnLike: {
              "aws:SourceArn":
                "arn:aws:ecs:eu-west-1:${data.aws_caller_identity.account.account_id}:*",
            },
          },
        },
      ]);
    }
  });
});

describe("outputs", () => {
  it("give the service URL, load balancer DNS name, cluster, each service's name and task role, each data resource and the repository URL", () => {
    const outputs = environmentJson("prod").output!;
    expect(outputs.service_url?.value).toBe("https://orbit.example.com");
    expect(outputs.alb_dns_name?.value).toBe("${aws_lb.load_balancer_alb.dns_name}");
    expect(outputs.cluster_name?.value).toBe("${aws_ecs_cluster.cluster_cluster.name}");
    expect(outputs.service_names?.value).toEqual({
      api: "${aws_ecs_service.service_api_service.name}",
      worker: "${aws_ecs_service.service_worker_service.name}",
    });
    expect(outputs.task_role_arns?.value).toEqual({
      api: "${aws_iam_role.service_api_roles_task.arn}",
      worker: "${aws_iam_role.service_worker_roles_task.arn}",
    });
    expect(outputs.table_names?.value).toEqual({
      items: "${aws_dynamodb_table.table_items_table.name}",
    });
    expect(outputs.queue_urls?.value).toEqual({
      events: "${aws_sqs_queue.queue_events_queue.url}",
    });
    expect(outputs.dead_letter_queue_urls?.value).toEqual({
      events: "${aws_sqs_queue.queue_events_dead_letters.url}",
    });
    expect(outputs.topic_arns?.value).toEqual({
      events: "${aws_sns_topic.topic_events_topic.arn}",
    });
    expect(outputs.database_endpoint?.value).toBe("${aws_db_instance.database_instance.address}");
    expect(outputs.ecr_repository_url?.value).toBe(
      "111111111111.dkr.ecr.eu-west-1.amazonaws.com/orbit/app",
    );
    expect(outputs.image_tag?.value).toBe("${var.image_tag}");
  });

  it("have no database outputs in an environment without a database", () => {
    const outputs = environmentJson("staging", {
      database: undefined,
      services: { api: { uses: { database: false } } },
    }).output!;
    expect(outputs).not.toHaveProperty("database_endpoint");
    expect(outputs).not.toHaveProperty("database_credentials_arn");
  });
});
