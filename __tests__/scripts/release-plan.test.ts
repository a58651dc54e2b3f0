import { describe, expect, it } from "vitest";
import { actionOf, classifyReleasePlan, releasedState } from "../../scripts/terraform/release-plan";
import type { StateResource } from "../../scripts/terraform/workload-drive";

const TAG = "89abcdef0123456789abcdef0123456789abcdef";
const image = (tag: string) => `111111111111.dkr.ecr.eu-west-1.amazonaws.com/orbit/app:${tag}`;

const change = (address: string, actions: string[], after: unknown = {}) => ({
  address,
  mode: "managed",
  type: address.split(".")[0]!,
  change: { actions, after },
});
const taskDefinition = (name: string, tag = TAG, actions = ["delete", "create"]) =>
  change(`aws_ecs_task_definition.${name}`, actions, {
    container_definitions: JSON.stringify([{ name: "app", image: image(tag) }]),
  });
const plan = (...changes: object[]) => ({
  resource_changes: changes,
  output_changes: { image_tag: { actions: ["update"], after: TAG } },
});

describe("the release plan", () => {
  it("is a release when task definitions are replaced with the new image and services updated in place", () => {
    const result = classifyReleasePlan(
      plan(
        taskDefinition("service_worker_task"),
        taskDefinition("service_api_task", TAG, ["create", "delete"]),
        change("aws_ecs_service.service_api_service", ["update"]),
        change("aws_sqs_queue.queue_events_queue", ["no-op"]),
        { ...change("data.aws_iam_policy_document.x", ["read"]), mode: "data" },
      ),
      TAG,
      [],
    );
    expect(result.problems).toEqual([]);
    expect(result.rows.map((r) => [r.address, r.action, r.verdict])).toEqual([
      ["aws_ecs_service.service_api_service", "update", "released"],
      ["aws_ecs_task_definition.service_api_task", "replace", "released"],
      ["aws_ecs_task_definition.service_worker_task", "replace", "released"],
    ]);
    expect(result.rows[1]!.note).toContain(image(TAG));
  });

  it("refuses any other change: another resource type, or a service replaced", () => {
    const result = classifyReleasePlan(
      plan(
        taskDefinition("service_api_task"),
        change("aws_sqs_queue.queue_events_queue", ["update"]),
        change("aws_ecs_service.service_api_service", ["delete", "create"]),
      ),
      TAG,
      [],
    );
    expect(result.problems).toEqual([
      "aws_sqs_queue.queue_events_queue: update (a release changes only task definitions and ECS services)",
      "aws_ecs_service.service_api_service: replace (a release may only update a aws_ecs_service)",
    ]);
    expect(result.rows.filter((r) => r.verdict === "unexpected")).toHaveLength(2);
  });

  it("accepts known moto differences and the creation of resources the e2e left out, nothing more", () => {
    const alarm = "aws_cloudwatch_metric_alarm.service_api_deployment_errors";
    const result = classifyReleasePlan(
      plan(
        taskDefinition("service_api_task"),
        change("aws_acm_certificate.certificate", ["create", "delete"]),
        change(alarm, ["create"]),
        change("aws_ecs_service.service_api_service", ["create"]),
        change("aws_cloudwatch_dashboard.dashboard", ["create"]),
      ),
      TAG,
      [{ address: alarm }, { address: "aws_ecs_service.service_api_service" }],
      new Set(["aws_acm_certificate.certificate"]),
    );
    expect(result.rows.map((r) => [r.address, r.verdict])).toEqual([
      ["aws_acm_certificate.certificate", "moto"],
      ["aws_cloudwatch_dashboard.dashboard", "unexpected"],
      [alarm, "pending"],
      ["aws_ecs_service.service_api_service", "pending"],
      ["aws_ecs_task_definition.service_api_task", "released"],
    ]);
    expect(result.problems).toHaveLength(1);
  });

  it("is no release when no task definition is replaced, or one keeps the old image", () => {
    expect(classifyReleasePlan(plan(), TAG, []).problems).toEqual([
      "no task definition is replaced: the new image would not run",
    ]);
    expect(
      classifyReleasePlan(plan(taskDefinition("service_api_task", "0123abc")), TAG, []).problems,
    ).toEqual([
      `aws_ecs_task_definition.service_api_task is replaced but does not run ${TAG}: ${image("0123abc")}`,
    ]);
  });

  it("checks the image_tag output", () => {
    const doc = {
      ...plan(taskDefinition("service_api_task")),
      output_changes: { image_tag: { actions: ["update"], after: "0123abc" } },
    };
    expect(classifyReleasePlan(doc, TAG, []).problems).toEqual([
      `the image_tag output would be "0123abc", not ${TAG}`,
    ]);
  });

  it("names Terraform's action lists as one action", () => {
    expect(actionOf(["delete", "create"])).toBe("replace");
    expect(actionOf(["create", "delete"])).toBe("replace");
    expect(actionOf(["update"])).toBe("update");
    expect(actionOf(["no-op"])).toBe("no-op");
  });
});

describe("the state after the release's apply", () => {
  const revision = (arn: string, image: string): StateResource => ({
    address: `aws_ecs_task_definition.${arn.split("/")[1]}`,
    type: "aws_ecs_task_definition",
    values: {
      arn,
      family: "orbit-staging-api",
      task_role_arn: "arn:aws:iam::111111111111:role/orbit-staging-api-task",
      container_definitions: JSON.stringify([{ name: "app", image }]),
    },
  });
  const service = (runs: string): StateResource => ({
    address: "aws_ecs_service.service_api_service",
    type: "aws_ecs_service",
    values: { task_definition: runs },
  });
  const repo = "111111111111.dkr.ecr.eu-west-1.amazonaws.com/orbit/app";

  it("is released when every service runs a revision with the new tag", () => {
    const arn = "arn:aws:ecs:eu-west-1:111111111111:task-definition/orbit-staging-api:2";
    expect(releasedState([revision(arn, `${repo}:${TAG}`), service(arn)], TAG)).toEqual([]);
  });

  it("is not when a service still runs the old image, or a revision the state does not hold", () => {
    const arn = "arn:aws:ecs:eu-west-1:111111111111:task-definition/orbit-staging-api:1";
    expect(releasedState([revision(arn, `${repo}:0123abc`), service(arn)], TAG)[0]).toMatch(
      /runs .*orbit-staging-api:1 with .*:0123abc/,
    );
    expect(releasedState([service(arn)], TAG)[0]).toMatch(/not a revision in the state/);
    expect(releasedState([], TAG)).toEqual(["no ECS service in the state"]);
  });
});
