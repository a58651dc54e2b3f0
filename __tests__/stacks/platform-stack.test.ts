import { SqsQueue } from "@cdktf/provider-aws/lib/sqs-queue";
import { Testing } from "cdktf";
import { Construct } from "constructs";
import { describe, expect, it } from "vitest";
import { PlatformStack, type PlatformStackProps } from "../../src/stacks/platform-stack";
import { backendWith, committedBackend, synth } from "../helpers";

/** GIVEN a fresh app WHEN a platform stack is built with minimal props and `backend`. */
function platformStack(backend: PlatformStackProps["backend"] = { kind: "local" }) {
  return new PlatformStack(Testing.app(), "test", {
    project: "orbit",
    region: "eu-west-1",
    allowedAccountIds: ["111111111111"],
    tags: { Project: "orbit" },
    backend,
  });
}

describe("PlatformStack, built alone", () => {
  it("THEN its provider acts only in the allowed accounts and region, tagging every resource", () => {
    expect(synth(platformStack()).provider.aws).toEqual([
      {
        region: "eu-west-1",
        allowed_account_ids: ["111111111111"],
        default_tags: [{ tags: { Project: "orbit" } }],
      },
    ]);
  });

  it("GIVEN a local backend THEN its state is terraform.<id>.tfstate, and Terraform >= 1.6 is required", () => {
    const json = synth(platformStack()) as ReturnType<typeof synth> & {
      terraform: { required_version?: string };
    };
    expect(json.terraform.backend).toEqual({ local: { path: "terraform.test.tfstate" } });
    expect(json.terraform.required_version).toBe(">= 1.6.0");
  });

  it("GIVEN the S3 backend THEN its own key, its own write role, and the lock table", () => {
    const stack = platformStack({ kind: "s3", config: committedBackend, stack: "staging" });
    expect(synth(stack).terraform.backend).toEqual({
      s3: {
        bucket: committedBackend.bucket,
        key: "orbit/staging.tfstate",
        region: committedBackend.region,
        encrypt: true,
        dynamodb_table: committedBackend.dynamodbTable,
        assume_role: {
          role_arn: "arn:aws:iam::111111111111:role/orbit-terraform-state-staging",
        },
      },
    });
  });

  it("GIVEN S3 lock files instead of a table THEN use_lockfile and no dynamodb_table", () => {
    const config = backendWith({ dynamodb_table: undefined, use_lockfile: true });
    const s3 = synth(platformStack({ kind: "s3", config, stack: "staging" })).terraform.backend!
      .s3!;
    expect(s3.use_lockfile).toBe(true);
    expect(s3).not.toHaveProperty("dynamodb_table");
  });

  it("GIVEN both THEN both locks are taken, the migration step", () => {
    const config = backendWith({ use_lockfile: true });
    const s3 = synth(platformStack({ kind: "s3", config, stack: "staging" })).terraform.backend!
      .s3!;
    expect(s3).toMatchObject({
      use_lockfile: true,
      dynamodb_table: committedBackend.dynamodbTable,
    });
  });

  it("THEN a resource's address is its construct path in snake case", () => {
    const stack = platformStack();
    new SqsQueue(new Construct(stack, "queue-events"), "dead-letter", {});
    expect(Object.keys(synth(stack).resource.aws_sqs_queue!)).toEqual(["queue_events_dead_letter"]);
  });

  it("refuses two constructs that would map to one address, naming both", () => {
    const stack = platformStack();
    new SqsQueue(new Construct(stack, "a-b"), "c", {});
    new SqsQueue(new Construct(stack, "a_b"), "c", {});
    expect(() => synth(stack)).toThrow(
      /Two constructs map to the Terraform address aws_sqs_queue\.a_b_c: test\/a-b\/c and test\/a_b\/c/,
    );
  });
});
