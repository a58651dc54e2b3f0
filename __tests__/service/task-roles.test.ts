import { IamRole } from "@cdktf/provider-aws/lib/iam-role";
import { Testing } from "cdktf";
import { describe, expect, it } from "vitest";
import { TaskRoles, type TaskRolesProps } from "../../src/service/task-roles";
import { bareStack, grantedPolicies, synth } from "../helpers";

const REPOSITORY = "arn:aws:ecr:eu-west-1:111111111111:repository/orbit/app";
const LOG_GROUP = "arn:aws:logs:eu-west-1:111111111111:log-group:/ecs/orbit-test-api";

/** GIVEN a bare stack WHEN a service's task roles are built with minimal props. */
function taskRoles(props: Partial<TaskRolesProps> = {}) {
  const stack = bareStack();
  const roles = new TaskRoles(stack, "roles", {
    namePrefix: "orbit-test-api",
    region: "eu-west-1",
    accountId: "111111111111",
    repositoryArn: REPOSITORY,
    logGroupArn: LOG_GROUP,
    ...props,
  });
  return { stack, roles };
}

const sids = (statements: Record<string, unknown>[] | undefined) => statements?.map((s) => s.Sid);

describe("TaskRoles, built alone", () => {
  it("THEN an execution role and a task role, both assumable only by ECS tasks of this account and region", () => {
    const { stack } = taskRoles();
    const text = Testing.synth(stack);
    expect(text).toHaveResourceWithProperties(IamRole, { name: "orbit-test-api-task-execution" });
    expect(text).toHaveResourceWithProperties(IamRole, { name: "orbit-test-api-task" });
    for (const role of Object.values(synth(stack).resource.aws_iam_role!)) {
      expect(JSON.parse(role.assume_role_policy as string).Statement[0]).toMatchObject({
        Principal: { Service: "ecs-tasks.amazonaws.com" },
        Condition: {
          StringEquals: { "aws:SourceAccount": "111111111111" },
          ArnLike: { "aws:SourceArn": "arn:aws:ecs:eu-west-1:111111111111:*" },
        },
      });
    }
  });

  it("THEN the execution role pulls from this one repository and writes to this one log group, nothing else", () => {
    const statements = grantedPolicies(synth(taskRoles().stack))["start-tasks"]!;
    expect(sids(statements)).toEqual([
      "EcrAuthorizationToken",
      "PullServiceImage",
      "WriteServiceLogs",
    ]);
    expect(statements[1]!.Resource).toBe(REPOSITORY);
    expect(statements[2]!.Resource).toEqual([LOG_GROUP, `${LOG_GROUP}:log-stream:*`]);
  });

  it("THEN the task role starts with no permission at all", () => {
    const policies = grantedPolicies(synth(taskRoles().stack));
    expect(Object.keys(policies)).toEqual(["start-tasks"]);
  });

  it("GIVEN secrets and their key THEN the execution role reads those secrets and decrypts only through Secrets Manager", () => {
    const { stack } = taskRoles({ secretArns: ["arn:secret"], secretsKmsKeyArn: "arn:key" });
    const statements = grantedPolicies(synth(stack))["start-tasks"]!;
    expect(sids(statements)).toEqual([
      "EcrAuthorizationToken",
      "PullServiceImage",
      "WriteServiceLogs",
      "ReadTaskSecrets",
      "DecryptTaskSecrets",
    ]);
    expect(statements[4]).toMatchObject({
      Resource: "arn:key",
      Condition: { StringEquals: { "kms:ViaService": "secretsmanager.eu-west-1.amazonaws.com" } },
    });
  });

  it("WHEN granted THEN the task role gets one named inline policy with exactly those statements", () => {
    const { stack, roles } = taskRoles();
    roles.grant("table-items", {
      Effect: "Allow",
      Action: "dynamodb:GetItem",
      Resource: "arn:table",
    });
    const json = synth(stack);
    expect(grantedPolicies(json)["table-items"]).toEqual([
      { Effect: "Allow", Action: "dynamodb:GetItem", Resource: "arn:table" },
    ]);
    const policy = Object.values(json.resource.aws_iam_role_policy!).find(
      (p) => p.name === "table-items",
    );
    expect(policy!.role).toBe("${aws_iam_role.roles_task.id}");
  });
});
