import { DynamodbTable } from "@cdktf/provider-aws/lib/dynamodb-table";
import { IamRole } from "@cdktf/provider-aws/lib/iam-role";
import { S3Bucket } from "@cdktf/provider-aws/lib/s3-bucket";
import { S3BucketLifecycleConfiguration } from "@cdktf/provider-aws/lib/s3-bucket-lifecycle-configuration";
import { S3BucketVersioningA } from "@cdktf/provider-aws/lib/s3-bucket-versioning";
import { Testing } from "cdktf";
import { describe, expect, it } from "vitest";
import { StateBackend, type StateBackendProps } from "../../src/state/state-backend";
import { bareStack, grantedPolicies, resolved, resourcesOf, synth } from "../helpers";

/** GIVEN a bare stack WHEN a state backend is built with `props` (only a bucket by default). */
function stateBackend(props: Partial<StateBackendProps> = {}) {
  const stack = bareStack();
  const backend = new StateBackend(stack, "state", {
    bucketName: "orbit-tfstate",
    accountId: "111111111111",
    breakGlassRoleArn: "arn:aws:iam::111111111111:role/break-glass",
    ...props,
  });
  return { stack, backend, text: Testing.synth(stack), json: synth(stack) };
}

const DEPLOY_ROLE = "arn:aws:iam::222222222222:role/orbit-github-deploy-staging";
const role = (access: "write" | "plan") => ({
  id: `staging-${access}`,
  name: `orbit-terraform-state-staging${access === "plan" ? "-plan" : ""}`,
  trustedPrincipalArns: [DEPLOY_ROLE],
  stateKey: "orbit/staging.tfstate",
  access,
});

describe("StateBackend, built alone", () => {
  describe("GIVEN only a bucket name", () => {
    const { text, json, backend } = stateBackend();

    it("THEN it creates that bucket, versioned, refusing destroy", () => {
      expect(text).toHaveResourceWithProperties(S3Bucket, {
        bucket: "orbit-tfstate",
        force_destroy: false,
        lifecycle: { prevent_destroy: true },
      });
      expect(text).toHaveResourceWithProperties(S3BucketVersioningA, {
        versioning_configuration: { status: "Enabled" },
      });
    });

    it("THEN superseded state versions expire after 90 days", () => {
      expect(text).toHaveResourceWithProperties(S3BucketLifecycleConfiguration, {
        rule: [
          expect.objectContaining({ noncurrent_version_expiration: [{ noncurrent_days: 90 }] }),
        ],
      });
    });

    it("THEN there is no lock table and no role: lock files, and callers with direct access", () => {
      expect(text).not.toHaveResource(DynamodbTable);
      expect(text).not.toHaveResource(IamRole);
      expect(backend.lockTable).toBeUndefined();
      expect(backend.accessRoles).toEqual([]);
      expect(Object.keys(json.resource).sort()).toEqual([
        "aws_s3_bucket",
        "aws_s3_bucket_lifecycle_configuration",
        "aws_s3_bucket_ownership_controls",
        "aws_s3_bucket_policy",
        "aws_s3_bucket_public_access_block",
        "aws_s3_bucket_server_side_encryption_configuration",
        "aws_s3_bucket_versioning",
      ]);
    });
  });

  it("GIVEN noncurrentVersionRetentionDays THEN old versions are kept that long", () => {
    expect(stateBackend({ noncurrentVersionRetentionDays: 365 }).text).toHaveResourceWithProperties(
      S3BucketLifecycleConfiguration,
      {
        rule: [
          expect.objectContaining({ noncurrent_version_expiration: [{ noncurrent_days: 365 }] }),
        ],
      },
    );
  });

  it("GIVEN a lock table name THEN it creates the table keyed on LockID, undeletable, and exposes it", () => {
    const { text, stack, backend } = stateBackend({ lockTableName: "orbit-locks" });
    expect(text).toHaveResourceWithProperties(DynamodbTable, {
      name: "orbit-locks",
      hash_key: "LockID",
      billing_mode: "PAY_PER_REQUEST",
      deletion_protection_enabled: true,
      lifecycle: { prevent_destroy: true },
    });
    expect(resolved(stack, backend.lockTable!.arn)).toBe(
      "${aws_dynamodb_table.state_lock_table.arn}",
    );
  });

  it("GIVEN access roles THEN one role each, trusting only the named roles, exposed in order", () => {
    const { text, stack, backend } = stateBackend({ accessRoles: [role("write"), role("plan")] });
    expect(text).toHaveResourceWithProperties(IamRole, {
      name: "orbit-terraform-state-staging",
      max_session_duration: 3600,
    });
    expect(backend.accessRoles).toHaveLength(2);
    expect(resolved(stack, backend.accessRoles[1]!.name)).toBe(
      "${aws_iam_role.state_staging_plan.name}",
    );
    const roles = resourcesOf(synth(stack), "aws_iam_role");
    const trust = JSON.parse(Object.values(roles)[0]!.assume_role_policy as string) as {
      Statement: unknown[];
    };
    expect(trust.Statement).toEqual([
      {
        Sid: "NamedRolesOnly",
        Effect: "Allow",
        Principal: { AWS: "arn:aws:iam::222222222222:root" },
        Action: "sts:AssumeRole",
        Condition: { ArnEquals: { "aws:PrincipalArn": [DEPLOY_ROLE] } },
      },
    ]);
  });

  it("GIVEN a lock table THEN a role's lock statements name only its own lock and digest items", () => {
    const { json } = stateBackend({ lockTableName: "orbit-locks", accessRoles: [role("plan")] });
    const statements = grantedPolicies(json)["terraform-state"]!;
    expect(statements.map((s) => s.Sid)).toEqual([
      "FindState",
      "ReadState",
      "FindLockTable",
      "TakeLock",
      "ReadDigest",
    ]);
    expect(statements.find((s) => s.Sid === "TakeLock")!.Condition).toEqual({
      "ForAllValues:StringEquals": {
        "dynamodb:LeadingKeys": ["orbit-tfstate/orbit/staging.tfstate"],
      },
    });
  });

  it("GIVEN useLockfile and no table THEN a role may take only its own lock file, and no table statement", () => {
    const { json } = stateBackend({ useLockfile: true, accessRoles: [role("write")] });
    const statements = grantedPolicies(json)["terraform-state"]!;
    expect(statements.map((s) => s.Sid)).toEqual(["FindState", "ReadWriteState", "TakeLockFile"]);
    expect(statements.find((s) => s.Sid === "TakeLockFile")).toMatchObject({
      Action: ["s3:GetObject", "s3:PutObject", "s3:DeleteObject"],
      Resource: "${aws_s3_bucket.state_bucket.arn}/orbit/staging.tfstate.tflock",
    });
  });
});
