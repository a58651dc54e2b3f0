import { Testing } from "cdktf";
import { describe, expect, it } from "vitest";
import { parseBackend } from "../../src/config/backend";
import { parseConfig } from "../../src/config/load";
import { StateStack } from "../../src/stacks/state-stack";
import { committedBackend, onlyResource, resourcesOf, synth } from "../helpers";

const config = parseConfig();
const stateStack = (backend = committedBackend) =>
  synth(new StateStack(Testing.app(), "state", config, backend));
const ref = (type: string, attr = "id") => `\${${type}.${attr}}`;

describe("the state stack", () => {
  it("creates exactly the bucket and lock table that backend.tf.json names, in the bucket's region", () => {
    const json = stateStack();
    expect(onlyResource(json, "aws_s3_bucket").bucket).toBe(committedBackend.bucket);
    expect(onlyResource(json, "aws_dynamodb_table").name).toBe(committedBackend.dynamodbTable);
    expect(json.provider.aws[0]).toMatchObject({
      region: committedBackend.region,
      allowed_account_ids: ["111111111111"],
    });
  });

  it("keeps its own state locally, since it creates the remote one", () => {
    expect(stateStack().terraform.backend).toEqual({ local: { path: "terraform.state.tfstate" } });
  });

  it("makes the bucket versioned, KMS-encrypted, private, TLS-only, owner-enforced and undeletable", () => {
    const json = stateStack();
    const bucket = onlyResource(json, "aws_s3_bucket");
    expect(bucket).toMatchObject({ force_destroy: false, lifecycle: { prevent_destroy: true } });
    const id = ref("aws_s3_bucket.state_bucket");
    expect(onlyResource(json, "aws_s3_bucket_versioning")).toMatchObject({
      bucket: id,
      versioning_configuration: { status: "Enabled" },
    });
    expect(onlyResource(json, "aws_s3_bucket_server_side_encryption_configuration")).toMatchObject({
      bucket: id,
      rule: [
        {
          apply_server_side_encryption_by_default: { sse_algorithm: "aws:kms" },
          bucket_key_enabled: true,
        },
      ],
    });
    expect(onlyResource(json, "aws_s3_bucket_public_access_block")).toMatchObject({
      bucket: id,
      block_public_acls: true,
      block_public_policy: true,
      ignore_public_acls: true,
      restrict_public_buckets: true,
    });
    expect(onlyResource(json, "aws_s3_bucket_ownership_controls")).toMatchObject({
      rule: { object_ownership: "BucketOwnerEnforced" },
    });
    const policy = JSON.parse(onlyResource(json, "aws_s3_bucket_policy").policy as string);
    expect(policy.Statement).toContainEqual(
      expect.objectContaining({
        Effect: "Deny",
        Action: "s3:*",
        Resource: [
          ref("aws_s3_bucket.state_bucket", "arn"),
          `${ref("aws_s3_bucket.state_bucket", "arn")}/*`,
        ],
        Condition: { Bool: { "aws:SecureTransport": "false" } },
      }),
    );
  });

  it("expires superseded state versions only after 90 days", () => {
    const rule = (
      onlyResource(stateStack(), "aws_s3_bucket_lifecycle_configuration").rule as Record<
        string,
        unknown
      >[]
    )[0];
    expect(rule).toMatchObject({
      status: "Enabled",
      noncurrent_version_expiration: [{ noncurrent_days: 90 }],
    });
  });

  it("makes the lock table keyed on LockID, on-demand, recoverable, encrypted and undeletable", () => {
    expect(onlyResource(stateStack(), "aws_dynamodb_table")).toMatchObject({
      hash_key: "LockID",
      attribute: [{ name: "LockID", type: "S" }],
      billing_mode: "PAY_PER_REQUEST",
      point_in_time_recovery: { enabled: true },
      server_side_encryption: { enabled: true },
      deletion_protection_enabled: true,
      lifecycle: { prevent_destroy: true },
    });
  });

  it("creates the state role backend.tf.json names, assumable from every account of the platform", () => {
    const json = stateStack();
    const role = onlyResource(json, "aws_iam_role");
    expect(role.name).toBe("orbit-terraform-state");
    expect(`arn:aws:iam::111111111111:role/${role.name}`).toBe(committedBackend.stateRole?.arn);
    expect(JSON.parse(role.assume_role_policy as string).Statement).toEqual([
      {
        Effect: "Allow",
        Principal: { AWS: ["arn:aws:iam::111111111111:root", "arn:aws:iam::222222222222:root"] },
        Action: "sts:AssumeRole",
      },
    ]);
  });

  it("lets the state role touch only the project's state objects and the lock table", () => {
    const policy = JSON.parse(onlyResource(stateStack(), "aws_iam_role_policy").policy as string);
    expect(policy.Statement).toEqual([
      {
        Sid: "ListStateBucket",
        Effect: "Allow",
        Action: "s3:ListBucket",
        Resource: ref("aws_s3_bucket.state_bucket", "arn"),
        Condition: { StringLike: { "s3:prefix": ["orbit/*"] } },
      },
      {
        Sid: "ReadWriteStateObjects",
        Effect: "Allow",
        Action: ["s3:GetObject", "s3:PutObject", "s3:DeleteObject"],
        Resource: `${ref("aws_s3_bucket.state_bucket", "arn")}/orbit/*`,
      },
      {
        Sid: "TakeStateLocks",
        Effect: "Allow",
        Action: [
          "dynamodb:DescribeTable",
          "dynamodb:GetItem",
          "dynamodb:PutItem",
          "dynamodb:DeleteItem",
        ],
        Resource: ref("aws_dynamodb_table.state_lock_table", "arn"),
      },
    ]);
  });

  it("creates no lock table when backend.tf.json locks with S3 lock files", () => {
    const lockfileOnly = parseBackend({
      terraform: {
        backend: {
          s3: { bucket: "orbit-state-x", region: "eu-west-1", use_lockfile: true, encrypt: true },
        },
      },
    });
    const json = stateStack(lockfileOnly);
    expect(resourcesOf(json, "aws_dynamodb_table")).toEqual({});
    expect(onlyResource(json, "aws_s3_bucket").bucket).toBe("orbit-state-x");
  });
});
