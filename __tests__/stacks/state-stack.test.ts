import { Testing } from "cdktf";
import { describe, expect, it } from "vitest";
import { parseConfig } from "../../src/config/load";
import { remoteStateStacks } from "../../src/config/names";
import { StateStack } from "../../src/stacks/state-stack";
import { backendWith, committedBackend, onlyResource, resourcesOf, synth } from "../helpers";

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

  const roles = (json = stateStack()) =>
    Object.values(resourcesOf(json, "aws_iam_role")).map((role) => ({
      name: role.name as string,
      trust: JSON.parse(role.assume_role_policy as string).Statement,
    }));
  const policyOf = (json: ReturnType<typeof stateStack>, roleName: string) => {
    const [address] = Object.entries(resourcesOf(json, "aws_iam_role")).find(
      ([, role]) => role.name === roleName,
    )!;
    const policy = Object.values(resourcesOf(json, "aws_iam_role_policy")).find(
      (p) => p.role === ref(`aws_iam_role.${address}`),
    )!;
    return JSON.parse(policy.policy as string).Statement as Record<string, unknown>[];
  };
  const table = ref("aws_dynamodb_table.state_lock_table", "arn");
  const bucket = ref("aws_s3_bucket.state_bucket", "arn");

  it("creates a write and a plan state role per remote-state stack, each trusting only named roles", () => {
    // The account each remote-state stack runs in, read from the configuration.
    const accounts: [string, string][] = [
      ["shared", config.project.sharedAccountIds[0]!],
      ...Object.values(config.environments).map((env): [string, string] => [
        env.name,
        env.allowedAccountIds[0]!,
      ]),
      ...[...new Set(Object.values(config.environments).map((e) => e.allowedAccountIds[0]!))]
        .filter((a) => a !== config.project.sharedAccountIds[0])
        .map((a): [string, string] => [`identity-${a}`, a]),
    ];
    expect(accounts).toEqual(
      expect.arrayContaining([
        ["prod", "222222222222"],
        ["shared", "111111111111"],
        ["staging", "111111111111"],
        ["identity-222222222222", "222222222222"],
      ]),
    );
    expect(accounts.map(([stack]) => stack).sort()).toEqual(remoteStateStacks(config).sort());
    const breakGlass = "arn:aws:iam::111111111111:role/OrganizationAccountAccessRole";
    const trusted = (stack: string, account: string, plan: boolean) => {
      const admin = `arn:aws:iam::${account}:role/OrganizationAccountAccessRole`;
      const ci = plan
        ? [`arn:aws:iam::${account}:role/orbit-github-plan`]
        : stack === "shared" || stack.startsWith("identity-")
          ? [] // applied by the account's administrator, never by CI
          : [`arn:aws:iam::${account}:role/orbit-github-deploy-${stack}`];
      return [...new Set([...ci, admin, breakGlass])];
    };
    expect(roles().sort((a, b) => a.name.localeCompare(b.name))).toEqual(
      accounts
        .flatMap(([stack, account]) =>
          [false, true].map((plan) => {
            const arns = trusted(stack, account, plan);
            const principalAccounts = [...new Set(arns.map((a) => a.split(":")[4]))];
            return {
              name: `orbit-terraform-state-${stack}${plan ? "-plan" : ""}`,
              trust: [
                {
                  Sid: "NamedRolesOnly",
                  Effect: "Allow",
                  // The accounts only carry the condition: IAM refuses a role principal that does
                  // not exist yet, and the CI roles are created after this stack.
                  Principal: {
                    AWS:
                      principalAccounts.length === 1
                        ? `arn:aws:iam::${principalAccounts[0]}:root`
                        : principalAccounts.map((a) => `arn:aws:iam::${a}:root`),
                  },
                  Action: "sts:AssumeRole",
                  Condition: { ArnEquals: { "aws:PrincipalArn": arns } },
                },
              ],
            };
          }),
        )
        .sort((a, b) => a.name.localeCompare(b.name)),
    );
  });

  it("lets a stack's write role read and write its own state object and lock items, nothing else", () => {
    expect(policyOf(stateStack(), "orbit-terraform-state-staging")).toEqual([
      {
        Sid: "FindState",
        Effect: "Allow",
        Action: "s3:ListBucket",
        Resource: bucket,
        Condition: { StringLike: { "s3:prefix": ["orbit/staging.tfstate", "env:/*"] } },
      },
      {
        Sid: "ReadWriteState",
        Effect: "Allow",
        Action: ["s3:GetObject", "s3:PutObject"],
        Resource: `${bucket}/orbit/staging.tfstate`,
      },
      { Sid: "FindLockTable", Effect: "Allow", Action: "dynamodb:DescribeTable", Resource: table },
      {
        Sid: "TakeLock",
        Effect: "Allow",
        Action: ["dynamodb:GetItem", "dynamodb:PutItem", "dynamodb:DeleteItem"],
        Resource: table,
        Condition: {
          "ForAllValues:StringEquals": {
            "dynamodb:LeadingKeys": ["orbit-terraform-state-111111111111/orbit/staging.tfstate"],
          },
        },
      },
      {
        Sid: "ReadWriteDigest",
        Effect: "Allow",
        Action: ["dynamodb:GetItem", "dynamodb:PutItem", "dynamodb:DeleteItem"],
        Resource: table,
        Condition: {
          "ForAllValues:StringEquals": {
            "dynamodb:LeadingKeys": [
              "orbit-terraform-state-111111111111/orbit/staging.tfstate-md5",
            ],
          },
        },
      },
    ]);
  });

  it("lets a plan role read the state and take the lock, but never write the state or its digest", () => {
    const statements = policyOf(stateStack(), "orbit-terraform-state-prod-plan");
    const allowed = (action: string) =>
      statements.filter((s) => [s.Action].flat().includes(action)).map((s) => s.Resource);
    expect(allowed("s3:GetObject")).toEqual([`${bucket}/orbit/prod.tfstate`]);
    expect(allowed("s3:PutObject")).toEqual([]);
    expect(allowed("s3:DeleteObject")).toEqual([]);
    const digest = statements.find((s) => s.Sid === "ReadDigest");
    expect(digest).toMatchObject({
      Action: "dynamodb:GetItem",
      Condition: {
        "ForAllValues:StringEquals": {
          "dynamodb:LeadingKeys": ["orbit-terraform-state-111111111111/orbit/prod.tfstate-md5"],
        },
      },
    });
    expect(statements.find((s) => s.Sid === "TakeLock")).toMatchObject({
      Action: ["dynamodb:GetItem", "dynamodb:PutItem", "dynamodb:DeleteItem"],
      Condition: {
        "ForAllValues:StringEquals": {
          "dynamodb:LeadingKeys": ["orbit-terraform-state-111111111111/orbit/prod.tfstate"],
        },
      },
    });
  });

  it("names in every stack's backend a role it creates", () => {
    const names = roles().map((role) => `arn:aws:iam::111111111111:role/${role.name}`);
    for (const stack of remoteStateStacks(config)) {
      expect(names).toContain(`${committedBackend.stateRole.arn}-${stack}`);
    }
  });

  it("with S3 lock files, lets each role put and delete only its own lock file", () => {
    const lockfile = backendWith({ dynamodb_table: undefined, use_lockfile: true });
    const statements = policyOf(stateStack(lockfile), "orbit-terraform-state-shared-plan");
    expect(statements.find((s) => s.Sid === "TakeLockFile")).toEqual({
      Sid: "TakeLockFile",
      Effect: "Allow",
      Action: ["s3:GetObject", "s3:PutObject", "s3:DeleteObject"],
      Resource: `${bucket}/orbit/shared.tfstate.tflock`,
    });
    expect(statements.some((s) => String(s.Action).startsWith("dynamodb:"))).toBe(false);
  });

  it("creates no lock table when backend.tf.json locks with S3 lock files", () => {
    const lockfileOnly = backendWith({
      bucket: "orbit-state-x",
      dynamodb_table: undefined,
      use_lockfile: true,
    });
    const json = stateStack(lockfileOnly);
    expect(resourcesOf(json, "aws_dynamodb_table")).toEqual({});
    expect(onlyResource(json, "aws_s3_bucket").bucket).toBe("orbit-state-x");
  });
});
