import { runSimulation } from "@cloud-copilot/iam-simulate";
import { Testing } from "cdktf";
import { describe, expect, it } from "vitest";
import { parseConfig } from "../../src/config/load";
import { IdentityStack } from "../../src/stacks/identity-stack";
import { SharedStack } from "../../src/stacks/shared-stack";
import { StateStack } from "../../src/stacks/state-stack";
import { committedBackend, onlyResource, resourcesOf, synth, type StackJson } from "../helpers";

/**
 * Terraform state is isolated per stack, decided by an IAM policy simulator
 * (@cloud-copilot/iam-simulate) over every policy that takes part, as IAM evaluates them together:
 * the caller's identity policies, its permissions boundary, the state bucket's and the lock
 * table's resource policies, and a state role's trust policy. The staging deploy role, and any
 * role it can create (it may create `orbit-staging-*` roles carrying the boundary, with whatever
 * identity policy it likes: here `*` on `*`), reach staging's state and nothing else: not prod's,
 * not shared's or an identity stack's, not another stack's lock item, not a secret they do not own.
 */
const config = parseConfig();
const STAGING = "111111111111";
const PROD = "222222222222";
const REGION = "eu-west-1";
const BUCKET = `arn:aws:s3:::${committedBackend.bucket}`;
const TABLE = `arn:aws:dynamodb:${REGION}:${STAGING}:table/${committedBackend.dynamodbTable}`;
const object = (stack: string) => `${BUCKET}/orbit/${stack}.tfstate`;
const lockItem = (stack: string) => `${committedBackend.bucket}/orbit/${stack}.tfstate`;
const stateRole = (stack: string) => `arn:aws:iam::${STAGING}:role/orbit-terraform-state-${stack}`;

const state = synth(new StateStack(Testing.app(), "state", config, committedBackend));
const shared = synth(new SharedStack(Testing.app(), "shared", config, committedBackend));
const prodIdentity = synth(new IdentityStack(Testing.app(), PROD, config, committedBackend));

/** The policy document of a resource, its Terraform references resolved to the ARNs they will have. */
function document(json: StackJson, type: string, address: string, attribute = "policy"): object {
  const resource = resourcesOf(json, type)[address];
  if (!resource) throw new Error(`no ${type}.${address}`);
  const text = String(resource[attribute])
    .replaceAll("${aws_s3_bucket.state_bucket.arn}", BUCKET)
    .replaceAll("${aws_dynamodb_table.state_lock_table.arn}", TABLE);
  if (text.includes("${")) throw new Error(`unresolved reference in ${text}`);
  return JSON.parse(text) as object;
}

const bucketPolicy = document(state, "aws_s3_bucket_policy", "state_policy");
const tablePolicy = document(state, "aws_dynamodb_resource_policy", "state_lock_table_policy");
const trustOf = (roleArn: string) => {
  const name = roleArn.split("/")[1];
  const [address] = Object.entries(resourcesOf(state, "aws_iam_role")).find(
    ([, r]) => r.name === name,
  )!;
  return document(state, "aws_iam_role", address, "assume_role_policy");
};

interface Principal {
  readonly arn: string;
  readonly policies: object[];
  readonly boundary?: object;
}

const boundaryOf = (json: StackJson, account: string) =>
  document(json, "aws_iam_policy", `ci_${account}_boundary`);
const ALL: object = {
  Version: "2012-10-17",
  Statement: [{ Effect: "Allow", Action: "*", Resource: "*" }],
};

const deployStaging: Principal = {
  arn: `arn:aws:iam::${STAGING}:role/orbit-github-deploy-staging`,
  policies: [document(shared, "aws_iam_role_policy", `ci_${STAGING}_deploy_policy_staging`)],
  boundary: boundaryOf(shared, STAGING),
};
const deployProd: Principal = {
  arn: `arn:aws:iam::${PROD}:role/orbit-github-deploy-prod`,
  policies: [document(prodIdentity, "aws_iam_role_policy", `ci_${PROD}_deploy_policy_prod`)],
  boundary: boundaryOf(prodIdentity, PROD),
};
/** The worst role the staging deploy role can create: its name, the boundary, any policy. */
const createdByStaging: Principal = {
  arn: `arn:aws:iam::${STAGING}:role/orbit-staging-anything`,
  policies: [ALL],
  boundary: boundaryOf(shared, STAGING),
};
/** Another administrator of the shared account: its own policy allows everything. */
const otherAdmin: Principal = {
  arn: `arn:aws:iam::${STAGING}:role/platform-admin`,
  policies: [ALL],
};
const breakGlass: Principal = {
  arn: `arn:aws:iam::${STAGING}:role/OrganizationAccountAccessRole`,
  policies: [ALL],
};
const stateRolePrincipal = (stack: string): Principal => ({
  arn: stateRole(stack),
  policies: [document(state, "aws_iam_role_policy", `state_role_${stack}_policy`)],
});

type Decision = "Allowed" | "ExplicitlyDenied" | "ImplicitlyDenied";

/** One request, with the resource policy that AWS evaluates for it (bucket, table or trust). */
async function decide(
  principal: Principal,
  action: string,
  resource: string,
  context: Record<string, string | string[]> = {},
): Promise<Decision> {
  const resourcePolicy = action.startsWith("s3:")
    ? bucketPolicy
    : resource === TABLE
      ? tablePolicy
      : action === "sts:AssumeRole" && resource.includes(":role/orbit-terraform-state-")
        ? trustOf(resource)
        : undefined;
  const response = await runSimulation(
    {
      request: {
        principal: principal.arn,
        action,
        resource: { resource, accountId: resource.split(":")[4] || STAGING },
        contextVariables: {
          "aws:RequestedRegion": REGION,
          // What IAM sets on every request: the role's ARN, and a TLS connection.
          "aws:PrincipalArn": principal.arn,
          "aws:SecureTransport": "true",
          ...context,
        },
      },
      identityPolicies: principal.policies.map((policy, i) => ({ name: `p${i}`, policy })),
      serviceControlPolicies: [],
      resourceControlPolicies: [],
      ...(resourcePolicy ? { resourcePolicy } : {}),
      ...(principal.boundary
        ? { permissionBoundaryPolicies: [{ name: "boundary", policy: principal.boundary }] }
        : {}),
    },
    {},
  );
  if (response.resultType === "error") {
    throw new Error(`${action} on ${resource}: ${JSON.stringify(response.errors)}`);
  }
  return response.overallResult as Decision;
}

const lock = (stack: string) => ({ "dynamodb:LeadingKeys": [lockItem(stack)] });
const OTHER_STACKS = ["prod", "shared", `identity-${PROD}`];

describe("state isolation (simulated: identity policy, boundary, bucket and table policies, trust)", () => {
  it("the bucket and the table admit exactly the state roles and the break-glass role", () => {
    expect(onlyResource(state, "aws_dynamodb_resource_policy").resource_arn).toBe(
      "${aws_dynamodb_table.state_lock_table.arn}",
    );
    const admitted = (policy: object, sid: string) =>
      (
        policy as {
          Statement: { Sid: string; Condition: { ArnNotEquals: Record<string, unknown> } }[];
        }
      ).Statement.find((s) => s.Sid === sid)!.Condition.ArnNotEquals["aws:PrincipalArn"];
    const expected = [
      ...Object.values(resourcesOf(state, "aws_iam_role")).map(
        (r) => `arn:aws:iam::${STAGING}:role/${String(r.name)}`,
      ),
      breakGlass.arn,
    ];
    expect([admitted(bucketPolicy, "OnlyStateRolesReachState")].flat().sort()).toEqual(
      expected.sort(),
    );
    expect([admitted(tablePolicy, "OnlyStateRolesReachLocks")].flat().sort()).toEqual(
      expected.sort(),
    );
  });

  it("each deploy role reaches its own state end to end: its state role, its object, its lock item", async () => {
    expect(await decide(deployStaging, "sts:AssumeRole", stateRole("staging"))).toBe("Allowed");
    expect(await decide(deployProd, "sts:AssumeRole", stateRole("prod"))).toBe("Allowed");
    for (const stack of ["staging", "prod"]) {
      const role = stateRolePrincipal(stack);
      expect(await decide(role, "s3:GetObject", object(stack)), stack).toBe("Allowed");
      expect(await decide(role, "s3:PutObject", object(stack)), stack).toBe("Allowed");
      for (const action of ["dynamodb:PutItem", "dynamodb:GetItem", "dynamodb:DeleteItem"]) {
        expect(await decide(role, action, TABLE, lock(stack)), `${stack} ${action}`).toBe(
          "Allowed",
        );
      }
      // ...and no other stack's.
      const other = stack === "staging" ? "prod" : "staging";
      expect(await decide(role, "s3:GetObject", object(other))).not.toBe("Allowed");
      expect(await decide(role, "dynamodb:DeleteItem", TABLE, lock(other))).not.toBe("Allowed");
    }
  });

  it("the staging deploy role is denied prod's, shared's and the identity stacks' state, directly and through their state roles", async () => {
    for (const stack of OTHER_STACKS) {
      for (const action of ["s3:GetObject", "s3:PutObject", "s3:DeleteObject"]) {
        expect(await decide(deployStaging, action, object(stack)), `${action} ${stack}`).toBe(
          "ExplicitlyDenied",
        );
      }
      expect(await decide(deployStaging, "sts:AssumeRole", stateRole(stack)), stack).not.toBe(
        "Allowed",
      );
      expect(
        await decide(deployStaging, "sts:AssumeRole", `${stateRole(stack)}-plan`),
        stack,
      ).not.toBe("Allowed");
    }
    // Not even its own state directly: only through its state role.
    expect(await decide(deployStaging, "s3:GetObject", object("staging"))).toBe("ExplicitlyDenied");
  });

  it("a role the staging deploy role creates, with the boundary and any policy, is denied every state object, lock item and state role", async () => {
    for (const stack of ["staging", ...OTHER_STACKS]) {
      for (const action of ["s3:GetObject", "s3:PutObject", "s3:ListBucket"]) {
        const resource = action === "s3:ListBucket" ? BUCKET : object(stack);
        expect(await decide(createdByStaging, action, resource), `${action} ${stack}`).toBe(
          "ExplicitlyDenied",
        );
      }
      for (const action of ["dynamodb:DeleteItem", "dynamodb:PutItem", "dynamodb:GetItem"]) {
        expect(
          await decide(createdByStaging, action, TABLE, lock(stack)),
          `${action} ${stack}`,
        ).toBe("ExplicitlyDenied");
      }
      expect(await decide(createdByStaging, "dynamodb:Scan", TABLE)).toBe("ExplicitlyDenied");
      expect(await decide(createdByStaging, "sts:AssumeRole", stateRole(stack)), stack).not.toBe(
        "Allowed",
      );
    }
  });

  it("a role the staging deploy role creates reads only the secrets its environment owns", async () => {
    const notOwned = [
      `arn:aws:secretsmanager:${REGION}:${STAGING}:secret:payments-api-key-AbCdEf`,
      `arn:aws:secretsmanager:${REGION}:${STAGING}:secret:orbit-prod-token-AbCdEf`,
      `arn:aws:secretsmanager:us-east-1:${STAGING}:secret:rds!db-0000-AbCdEf`,
    ];
    for (const secret of notOwned) {
      for (const who of [createdByStaging, deployStaging]) {
        expect(await decide(who, "secretsmanager:GetSecretValue", secret), secret).not.toBe(
          "Allowed",
        );
      }
    }
    // Its own database's secret (RDS names it rds!db-<uuid>) stays readable under the boundary.
    expect(
      await decide(
        createdByStaging,
        "secretsmanager:GetSecretValue",
        `arn:aws:secretsmanager:${REGION}:${STAGING}:secret:rds!db-0000-AbCdEf`,
      ),
    ).toBe("Allowed");
    // Nor does the boundary let it at another environment's data by name.
    for (const [action, resource] of [
      ["s3:GetObject", "arn:aws:s3:::orbit-prod-assets/key"],
      ["dynamodb:GetItem", `arn:aws:dynamodb:${REGION}:${STAGING}:table/orbit-prod-items`],
      ["sqs:ReceiveMessage", `arn:aws:sqs:${REGION}:${STAGING}:payments-jobs`],
    ] as const) {
      expect(await decide(createdByStaging, action, resource), resource).not.toBe("Allowed");
    }
  });

  it("a role the staging deploy role creates may pass only the environment's own roles", async () => {
    const own = `arn:aws:iam::${STAGING}:role/orbit-staging-api-task`;
    const foreign = [
      `arn:aws:iam::${STAGING}:role/orbit-github-deploy-staging`,
      `arn:aws:iam::${STAGING}:role/orbit-terraform-state-prod`,
      `arn:aws:iam::${STAGING}:role/OrganizationAccountAccessRole`,
    ];
    expect(await decide(createdByStaging, "iam:PassRole", own)).toBe("Allowed");
    for (const role of foreign)
      expect(await decide(createdByStaging, "iam:PassRole", role), role).not.toBe("Allowed");
  });

  it("any other principal of the account, whatever its own policy, is denied the state; the break-glass role is not", async () => {
    for (const stack of ["staging", ...OTHER_STACKS]) {
      expect(await decide(otherAdmin, "s3:GetObject", object(stack))).toBe("ExplicitlyDenied");
      expect(await decide(otherAdmin, "dynamodb:DeleteItem", TABLE, lock(stack))).toBe(
        "ExplicitlyDenied",
      );
      expect(await decide(otherAdmin, "sts:AssumeRole", stateRole(stack))).not.toBe("Allowed");
      expect(await decide(breakGlass, "s3:GetObject", object(stack))).toBe("Allowed");
      expect(await decide(breakGlass, "dynamodb:DeleteItem", TABLE, lock(stack))).toBe("Allowed");
    }
    // The bucket's and table's configuration: only the break-glass role changes it.
    expect(await decide(otherAdmin, "s3:PutBucketPolicy", BUCKET)).toBe("ExplicitlyDenied");
    expect(await decide(otherAdmin, "s3:DeleteBucket", BUCKET)).toBe("ExplicitlyDenied");
    expect(await decide(otherAdmin, "dynamodb:DeleteTable", TABLE)).toBe("ExplicitlyDenied");
    expect(await decide(breakGlass, "s3:PutBucketPolicy", BUCKET)).toBe("Allowed");
    expect(await decide(breakGlass, "dynamodb:UpdateTable", TABLE)).toBe("Allowed");
  });
});
