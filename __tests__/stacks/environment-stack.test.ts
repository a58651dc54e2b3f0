import { describe, expect, it } from "vitest";
import { environmentStack, onlyResource, resourcesOf, synth, type StackJson } from "../helpers";

type Resource = Record<string, unknown>;

/** Every place the container port appears on the request path, read from the synthesized stack. */
function portsOnThePath(json: StackJson) {
  const container = JSON.parse(
    onlyResource(json, "aws_ecs_task_definition").container_definitions as string,
  )[0];
  const serviceSg = "${aws_security_group.service_sg.id}";
  const albSg = "${aws_security_group.load_balancer_sg.id}";
  const ingress = Object.values(resourcesOf(json, "aws_vpc_security_group_ingress_rule")).find(
    (r) => r.security_group_id === serviceSg && r.referenced_security_group_id === albSg,
  )!;
  const egress = Object.values(resourcesOf(json, "aws_vpc_security_group_egress_rule")).find(
    (r) => r.security_group_id === albSg && r.referenced_security_group_id === serviceSg,
  )!;
  const privateAcl = resourcesOf(json, "aws_network_acl").network_private_nacl!;
  const fromAlb = (privateAcl.ingress as Resource[]).find((r) => r.rule_no === 100)!;
  return {
    portMapping: container.portMappings[0].containerPort,
    hostPort: container.portMappings[0].hostPort,
    PORT: Number(container.environment.find((e: { name: string }) => e.name === "PORT").value),
    targetGroup: onlyResource(json, "aws_lb_target_group").port,
    healthCheckPort: (onlyResource(json, "aws_lb_target_group").health_check as Resource).port,
    serviceLoadBalancer: (onlyResource(json, "aws_ecs_service").load_balancer as Resource[])[0]!
      .container_port,
    serviceIngress: [ingress.from_port, ingress.to_port],
    albEgress: [egress.from_port, egress.to_port],
    privateNaclFromAlb: [fromAlb.from_port, fromAlb.to_port],
  };
}

describe("the container port is declared once", () => {
  it.each([8080, 3001])(
    "port %i reaches the port mapping, PORT, target group and both security group rules",
    (port) => {
      const json = synth(environmentStack("staging", { service: { containerPort: port } }));
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

/**
 * A release is `terraform apply -var image_tag=<sha>`. Terraform substitutes the variable, so two
 * releases are the synthesized stack with two values for `var.image_tag`: the resources whose
 * configuration differs are what the plan changes, plus whatever refers to them.
 */
describe("releasing a new image_tag", () => {
  const withTag = (tag: string) => {
    const json = synth(environmentStack("prod"));
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
    expect(changed).toEqual(["aws_ecs_task_definition.service_task"]);

    const referrers = Object.entries(after).flatMap(([type, byName]) =>
      Object.entries(byName)
        .filter(([, body]) =>
          JSON.stringify(body).includes("aws_ecs_task_definition.service_task."),
        )
        .map(([name]) => `${type}.${name}`),
    );
    expect(referrers).toEqual(["aws_ecs_service.service_service"]);
  });

  it("leaves the task definition free of ignore_changes, so Terraform stays the source of truth", () => {
    expect(
      onlyResource(synth(environmentStack("prod")), "aws_ecs_task_definition"),
    ).not.toHaveProperty("lifecycle");
  });

  it("accepts only commit SHAs and version tags as image_tag", () => {
    const variable = (
      synth(environmentStack("prod")) as unknown as { variable: Record<string, Resource> }
    ).variable.image_tag!;
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
  const json = synth(environmentStack("prod"));
  const statements = () =>
    Object.entries(resourcesOf(json, "aws_iam_role_policy")).flatMap(([name, policy]) =>
      (JSON.parse(policy.policy as string).Statement as Resource[]).map(
        (s): Resource & { policy: string } => ({ ...s, policy: name }),
      ),
    );

  it("the execution role may pull from the one repository, write the one log group, read the one secret", () => {
    const execution = statements().filter((s) => s.policy === "service_roles_execution_policy");
    expect(execution).toEqual([
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
          "${aws_cloudwatch_log_group.service_logs.arn}",
          "${aws_cloudwatch_log_group.service_logs.arn}:log-stream:*",
        ],
      }),
      expect.objectContaining({
        Action: "secretsmanager:GetSecretValue",
        Resource: ["${aws_db_instance.database_instance.master_user_secret[0].secret_arn}"],
      }),
      expect.objectContaining({
        Action: "kms:Decrypt",
        Resource: "${aws_kms_key.data_key_key.arn}",
      }),
    ]);
  });

  it("the task role has exactly what the service uses: the table and its indexes, the queue, the topic, the secret, the key through those services", () => {
    const task = statements().filter((s) =>
      /^service_roles_(table|queue|events|data_key|database)/.test(s.policy),
    );
    expect(
      task.map(({ policy, Action, Resource, Condition }) => ({
        policy,
        Action,
        Resource,
        Condition,
      })),
    ).toEqual([
      {
        policy: "service_roles_data_key_use",
        Action: ["kms:Decrypt", "kms:GenerateDataKey"],
        Resource: "${aws_kms_key.data_key_key.arn}",
        Condition: {
          StringEquals: {
            "kms:ViaService": [
              "sqs.eu-west-1.amazonaws.com",
              "sns.eu-west-1.amazonaws.com",
              "secretsmanager.eu-west-1.amazonaws.com",
            ],
          },
        },
      },
      {
        policy: "service_roles_database_secret_read",
        Action: "secretsmanager:GetSecretValue",
        Resource: "${aws_db_instance.database_instance.master_user_secret[0].secret_arn}",
        Condition: undefined,
      },
      {
        policy: "service_roles_events_publish",
        Action: "sns:Publish",
        Resource: "${aws_sns_topic.messaging_events.arn}",
        Condition: undefined,
      },
      {
        policy: "service_roles_queue_consume_produce",
        Action: [
          "sqs:SendMessage",
          "sqs:ReceiveMessage",
          "sqs:DeleteMessage",
          "sqs:GetQueueAttributes",
        ],
        Resource: "${aws_sqs_queue.messaging_queue.arn}",
        Condition: undefined,
      },
      {
        policy: "service_roles_table_read_write",
        Action: expect.arrayContaining([
          "dynamodb:GetItem",
          "dynamodb:PutItem",
          "dynamodb:Query",
          "dynamodb:DeleteItem",
        ]),
        Resource: [
          "${aws_dynamodb_table.key_value_store_table.arn}",
          "${aws_dynamodb_table.key_value_store_table.arn}/index/*",
        ],
        Condition: undefined,
      },
    ]);
    const roleOf = (policy: string) => resourcesOf(json, "aws_iam_role_policy")[policy]!.role;
    for (const { policy } of task)
      expect(roleOf(policy)).toBe("${aws_iam_role.service_roles_task.id}");
    expect(resourcesOf(json, "aws_iam_role_policy_attachment")).toEqual({});
  });

  it("every statement names exact resources; * only for ecr:GetAuthorizationToken, which has no resource-level permissions", () => {
    const exact = [
      // One resource of this stack, optionally narrowed to its streams or indexes.
      /^\$\{aws_[a-z0-9_]+\.[a-z0-9_]+\.arn\}(:log-stream:\*|\/index\/\*)?$/,
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
          expect(statement.Action).toBe("ecr:GetAuthorizationToken");
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
    for (const role of ["service_roles_execution", "service_roles_task"]) {
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
  it("give the service URL, load balancer DNS name, cluster and service names and the repository URL", () => {
    const outputs = synth(environmentStack("prod")).output!;
    expect(outputs.service_url?.value).toBe("https://orbit.example.com");
    expect(outputs.alb_dns_name?.value).toBe("${aws_lb.load_balancer_alb.dns_name}");
    expect(outputs.cluster_name?.value).toBe("${aws_ecs_cluster.service_cluster.name}");
    expect(outputs.service_name?.value).toBe("${aws_ecs_service.service_service.name}");
    expect(outputs.ecr_repository_url?.value).toBe(
      "111111111111.dkr.ecr.eu-west-1.amazonaws.com/orbit/app",
    );
    expect(outputs.image_tag?.value).toBe("${var.image_tag}");
  });
});
