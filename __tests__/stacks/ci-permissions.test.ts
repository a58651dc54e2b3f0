import { runSimulation } from "@cloud-copilot/iam-simulate";
import { Testing } from "cdktf";
import { describe, expect, it } from "vitest";
import { parseConfig } from "../../src/config/load";
import { IdentityStack } from "../../src/stacks/identity-stack";
import { SharedStack } from "../../src/stacks/shared-stack";
import { StateStack } from "../../src/stacks/state-stack";
import { committedBackend, resourcesOf, synth } from "../helpers";

/**
 * What the CI roles can and cannot do, decided by an IAM policy simulator
 * (@cloud-copilot/iam-simulate) over the synthesized policies: identity policy, permissions
 * boundary, explicit denies and conditions evaluated as IAM does. The simulator also validates
 * every action name and resource type it is asked about, so a misspelt action fails here.
 */
const config = parseConfig();
const shared = synth(new SharedStack(Testing.app(), "shared", config, committedBackend));
const state = synth(new StateStack(Testing.app(), "state", config, committedBackend));

const STAGING = "111111111111";
const PROD = "222222222222";
/** Prod's account's CI identity, in its own stack. */
const prodIdentity = synth(new IdentityStack(Testing.app(), PROD, config, committedBackend));
const STATE_BUCKET = "arn:aws:s3:::orbit-terraform-state-111111111111";
const STATE_TABLE = "arn:aws:dynamodb:eu-west-1:111111111111:table/orbit-terraform-locks";
const boundaryArn = (account: string) => `arn:aws:iam::${account}:policy/orbit-ci-boundary`;

type Decision = "Allowed" | "ExplicitlyDenied" | "ImplicitlyDenied";

/** Terraform references in the policies, resolved to the ARNs they will have. */
const REFERENCES: Record<string, string> = {
  "${aws_s3_bucket.state_bucket.arn}": STATE_BUCKET,
  "${aws_dynamodb_table.state_lock_table.arn}": STATE_TABLE,
};

/** A policy document with its references resolved; the simulator must never see `${...}`. */
function resolved(document: string): unknown {
  const text = Object.entries(REFERENCES).reduce(
    (t, [ref, arn]) => t.replaceAll(ref, arn),
    document,
  );
  if (text.includes("${")) throw new Error(`unresolved reference in ${text}`);
  return JSON.parse(text);
}

const inlinePolicy = (json: typeof shared, address: string) => {
  const policy = resourcesOf(json, "aws_iam_role_policy")[address];
  if (!policy) throw new Error(`no inline policy ${address}`);
  return resolved(policy.policy as string);
};

/** The trust policy of a role the state stack creates, by name. */
const stateTrust = (name: string) =>
  resolved(
    Object.values(resourcesOf(state, "aws_iam_role")).find((r) => r.name === name)!
      .assume_role_policy as string,
  );

interface Principal {
  readonly arn: string;
  readonly policies: unknown[];
  readonly boundary?: unknown;
}

const principals = {
  deployStaging: {
    arn: `arn:aws:iam::${STAGING}:role/orbit-github-deploy-staging`,
    policies: [inlinePolicy(shared, `ci_${STAGING}_deploy_policy_staging`)],
    boundary: resolved(
      resourcesOf(shared, "aws_iam_policy")[`ci_${STAGING}_boundary`]!.policy as string,
    ),
  },
  deployProd: {
    arn: `arn:aws:iam::${PROD}:role/orbit-github-deploy-prod`,
    policies: [inlinePolicy(prodIdentity, `ci_${PROD}_deploy_policy_prod`)],
    boundary: resolved(
      resourcesOf(prodIdentity, "aws_iam_policy")[`ci_${PROD}_boundary`]!.policy as string,
    ),
  },
  publish: {
    arn: `arn:aws:iam::${STAGING}:role/orbit-github-publish`,
    policies: [inlinePolicy(shared, `ci_${STAGING}_publish_policy`)],
  },
  // The plan role's own policy; ReadOnlyAccess (managed by AWS) grants the reads on top.
  plan: {
    arn: `arn:aws:iam::${STAGING}:role/orbit-github-plan`,
    policies: [
      inlinePolicy(shared, `ci_${STAGING}_plan_policy`),
      { Version: "2012-10-17", Statement: [{ Effect: "Allow", Action: "*", Resource: "*" }] },
    ],
  },
  stagingStatePlan: {
    arn: `arn:aws:iam::${STAGING}:role/orbit-terraform-state-staging-plan`,
    policies: [inlinePolicy(state, "state_plan_role_staging_policy")],
  },
  stagingState: {
    arn: `arn:aws:iam::${STAGING}:role/orbit-terraform-state-staging`,
    policies: [inlinePolicy(state, "state_role_staging_policy")],
  },
} satisfies Record<string, Principal>;

async function decide(
  principal: Principal,
  action: string,
  resource: string,
  context: Record<string, string | string[]> = {},
): Promise<Decision> {
  const account = principal.arn.split(":")[4]!;
  const response = await runSimulation(
    {
      request: {
        principal: principal.arn,
        action,
        resource: { resource, accountId: resource.split(":")[4] || account },
        // IAM sets aws:PrincipalArn on every request (a role session's is its role's ARN).
        contextVariables: {
          "aws:RequestedRegion": "eu-west-1",
          "aws:PrincipalArn": principal.arn,
          ...context,
        },
      },
      identityPolicies: principal.policies.map((policy, i) => ({ name: `p${i}`, policy })),
      serviceControlPolicies: [],
      resourceControlPolicies: [],
      // Assuming a state role: its trust policy decides too (and alone, across accounts).
      ...(action === "sts:AssumeRole" && resource.includes(":role/orbit-terraform-state-")
        ? { resourcePolicy: stateTrust(resource.split("/")[1]!) }
        : {}),
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

const allowed = async (...args: Parameters<typeof decide>) => (await decide(...args)) === "Allowed";

describe("deploy roles (simulated with the boundary)", () => {
  const { deployStaging, deployProd } = principals;
  const withBoundary = { "iam:PermissionsBoundary": boundaryArn(STAGING) };
  const ownRole = `arn:aws:iam::${STAGING}:role/orbit-staging-task`;

  it("may build the environment in its region, and nothing in another region", async () => {
    expect(
      await allowed(deployStaging, "ec2:CreateVpc", `arn:aws:ec2:eu-west-1:${STAGING}:vpc/*`),
    ).toBe(true);
    expect(
      await allowed(
        deployStaging,
        "ecs:CreateService",
        `arn:aws:ecs:eu-west-1:${STAGING}:service/orbit-staging/orbit-staging`,
      ),
    ).toBe(true);
    expect(
      await decide(deployStaging, "ec2:CreateVpc", `arn:aws:ec2:us-east-1:${STAGING}:vpc/*`, {
        "aws:RequestedRegion": "us-east-1",
      }),
    ).not.toBe("Allowed");
  });

  it("may create its environment's roles only with the boundary on them", async () => {
    expect(await allowed(deployStaging, "iam:CreateRole", ownRole, withBoundary)).toBe(true);
    expect(await decide(deployStaging, "iam:CreateRole", ownRole)).toBe("ExplicitlyDenied");
    expect(
      await decide(deployStaging, "iam:CreateRole", ownRole, {
        "iam:PermissionsBoundary": `arn:aws:iam::${STAGING}:policy/something-wider`,
      }),
    ).toBe("ExplicitlyDenied");
    expect(await allowed(deployStaging, "iam:PutRolePolicy", ownRole, withBoundary)).toBe(true);
    expect(await decide(deployStaging, "iam:DeleteRolePermissionsBoundary", ownRole)).toBe(
      "ExplicitlyDenied",
    );
  });

  it("cannot raise its own or any CI role's privileges, or edit the boundary", async () => {
    for (const role of [
      "orbit-github-deploy-staging",
      "orbit-github-publish",
      "orbit-github-plan",
    ]) {
      const arn = `arn:aws:iam::${STAGING}:role/${role}`;
      for (const action of [
        "iam:PutRolePolicy",
        "iam:AttachRolePolicy",
        "iam:UpdateAssumeRolePolicy",
      ]) {
        expect(await decide(deployStaging, action, arn, withBoundary), `${action} ${role}`).toBe(
          "ExplicitlyDenied",
        );
      }
    }
    for (const action of [
      "iam:CreatePolicyVersion",
      "iam:SetDefaultPolicyVersion",
      "iam:DeletePolicy",
    ]) {
      expect(await decide(deployStaging, action, boundaryArn(STAGING))).toBe("ExplicitlyDenied");
    }
    expect(
      await decide(
        deployStaging,
        "iam:PutRolePolicy",
        `arn:aws:iam::${STAGING}:role/orbit-terraform-state-prod`,
        withBoundary,
      ),
    ).toBe("ExplicitlyDenied");
    expect(
      await decide(
        deployStaging,
        "iam:UpdateOpenIDConnectProviderThumbprint",
        `arn:aws:iam::${STAGING}:oidc-provider/token.actions.githubusercontent.com`,
      ),
    ).toBe("ExplicitlyDenied");
  });

  it("cannot touch roles outside its environment, nor leave long-lived credentials", async () => {
    expect(
      await allowed(
        deployStaging,
        "iam:CreateRole",
        `arn:aws:iam::${STAGING}:role/admin`,
        withBoundary,
      ),
    ).toBe(false);
    expect(
      await allowed(
        deployStaging,
        "iam:PassRole",
        `arn:aws:iam::${STAGING}:role/orbit-github-publish`,
      ),
    ).toBe(false);
    expect(
      await decide(deployStaging, "iam:CreateUser", `arn:aws:iam::${STAGING}:user/backdoor`),
    ).toBe("ExplicitlyDenied");
    expect(
      await decide(deployStaging, "iam:CreateAccessKey", `arn:aws:iam::${STAGING}:user/backdoor`),
    ).toBe("ExplicitlyDenied");
  });

  it("passes its roles only to the services that run them", async () => {
    expect(
      await allowed(deployStaging, "iam:PassRole", ownRole, {
        "iam:PassedToService": "ecs-tasks.amazonaws.com",
      }),
    ).toBe(true);
    expect(
      await allowed(deployStaging, "iam:PassRole", ownRole, {
        "iam:PassedToService": "lambda.amazonaws.com",
      }),
    ).toBe(false);
    // The services the environment stack's roles trust, read from their trust policies.
    for (const service of ["vpc-flow-logs.amazonaws.com", "monitoring.rds.amazonaws.com"]) {
      expect(
        await allowed(deployStaging, "iam:PassRole", ownRole, { "iam:PassedToService": service }),
        service,
      ).toBe(true);
    }
  });

  it("creates the service-linked roles of the services its stack uses, and no other", async () => {
    const linked = (service: string) =>
      allowed(
        deployStaging,
        "iam:CreateServiceLinkedRole",
        `arn:aws:iam::${STAGING}:role/aws-service-role/${service}/AWSServiceRole`,
        { "iam:AWSServiceName": service },
      );
    for (const service of [
      "ecs.amazonaws.com",
      "elasticloadbalancing.amazonaws.com",
      "rds.amazonaws.com",
      "ecs.application-autoscaling.amazonaws.com",
    ]) {
      expect(await linked(service), service).toBe(true);
    }
    expect(await linked("lambda.amazonaws.com")).toBe(false);
  });

  it("reaches its own state and no other, and never the state bucket directly", async () => {
    expect(
      await allowed(
        deployStaging,
        "sts:AssumeRole",
        `arn:aws:iam::${STAGING}:role/orbit-terraform-state-staging`,
      ),
    ).toBe(true);
    expect(
      await allowed(
        deployProd,
        "sts:AssumeRole",
        `arn:aws:iam::${STAGING}:role/orbit-terraform-state-prod`,
      ),
    ).toBe(true);
    for (const stack of ["shared", "prod", "staging-plan"]) {
      expect(
        await allowed(
          deployStaging,
          "sts:AssumeRole",
          `arn:aws:iam::${STAGING}:role/orbit-terraform-state-${stack}`,
        ),
      ).toBe(false);
    }
    expect(await allowed(deployStaging, "s3:GetObject", `${STATE_BUCKET}/orbit/prod.tfstate`)).toBe(
      false,
    );
    expect(await allowed(deployStaging, "dynamodb:PutItem", STATE_TABLE)).toBe(false);
  });

  it("manages its environment's data resources by name, never another environment's or the image repository", async () => {
    expect(
      await allowed(
        deployStaging,
        "dynamodb:CreateTable",
        `arn:aws:dynamodb:eu-west-1:${STAGING}:table/orbit-staging-items`,
      ),
    ).toBe(true);
    expect(
      await allowed(
        deployStaging,
        "dynamodb:DeleteTable",
        `arn:aws:dynamodb:eu-west-1:${STAGING}:table/orbit-prod-items`,
      ),
    ).toBe(false);
    expect(
      await allowed(
        deployStaging,
        "s3:PutBucketPolicy",
        "arn:aws:s3:::orbit-staging-alb-logs-111111111111",
      ),
    ).toBe(true);
    expect(
      await allowed(
        deployStaging,
        "s3:PutBucketPolicy",
        "arn:aws:s3:::orbit-terraform-state-111111111111",
      ),
    ).toBe(false);
    expect(
      await allowed(
        deployStaging,
        "ecr:PutImage",
        `arn:aws:ecr:eu-west-1:${STAGING}:repository/orbit/app`,
      ),
    ).toBe(false);
    expect(
      await allowed(
        deployStaging,
        "secretsmanager:GetSecretValue",
        `arn:aws:secretsmanager:eu-west-1:${STAGING}:secret:rds!db-1234-AbCdEf`,
      ),
    ).toBe(false);
  });
});

describe("publish role (simulated)", () => {
  const repository = `arn:aws:ecr:eu-west-1:${STAGING}:repository/orbit/app`;

  it("pushes and re-tags images of the one repository, and sees their replication", async () => {
    for (const action of [
      "ecr:InitiateLayerUpload",
      "ecr:UploadLayerPart",
      "ecr:CompleteLayerUpload",
      "ecr:PutImage",
      "ecr:BatchGetImage",
      "ecr:DescribeImageReplicationStatus",
    ]) {
      expect(await allowed(principals.publish, action, repository), action).toBe(true);
    }
    expect(await allowed(principals.publish, "ecr:GetAuthorizationToken", "*")).toBe(true);
  });

  it("can do nothing else: not another repository, not delete, not change the repository's policy", async () => {
    expect(
      await allowed(
        principals.publish,
        "ecr:PutImage",
        `arn:aws:ecr:eu-west-1:${STAGING}:repository/other`,
      ),
    ).toBe(false);
    for (const action of [
      "ecr:BatchDeleteImage",
      "ecr:DeleteRepository",
      "ecr:SetRepositoryPolicy",
      "ecr:PutLifecyclePolicy",
    ]) {
      expect(await allowed(principals.publish, action, repository), action).toBe(false);
    }
    expect(
      await allowed(principals.publish, "s3:GetObject", `${STATE_BUCKET}/orbit/shared.tfstate`),
    ).toBe(false);
    expect(
      await allowed(
        principals.publish,
        "sts:AssumeRole",
        `arn:aws:iam::${STAGING}:role/orbit-terraform-state-shared`,
      ),
    ).toBe(false);
  });
});

describe("plan role (simulated, with everything ReadOnlyAccess could grant)", () => {
  it("reads no data, whatever its managed policy allows", async () => {
    const reads: [string, string][] = [
      ["s3:GetObject", `${STATE_BUCKET}/orbit/prod.tfstate`],
      ["dynamodb:Scan", `arn:aws:dynamodb:eu-west-1:${STAGING}:table/orbit-staging-items`],
      [
        "secretsmanager:GetSecretValue",
        `arn:aws:secretsmanager:eu-west-1:${STAGING}:secret:rds!db-1-AbCdEf`,
      ],
      ["sqs:ReceiveMessage", `arn:aws:sqs:eu-west-1:${STAGING}:orbit-staging-events`],
      ["kms:Decrypt", `arn:aws:kms:eu-west-1:${STAGING}:key/1234abcd-12ab-34cd-56ef-1234567890ab`],
    ];
    for (const [action, resource] of reads) {
      expect(await decide(principals.plan, action, resource), action).toBe("ExplicitlyDenied");
    }
  });
});

describe("state roles (simulated)", () => {
  const lock = {
    "dynamodb:LeadingKeys": ["orbit-terraform-state-111111111111/orbit/staging.tfstate"],
  };
  const digest = {
    "dynamodb:LeadingKeys": ["orbit-terraform-state-111111111111/orbit/staging.tfstate-md5"],
  };

  it("a stack's plan state role reads its state and takes its lock, and writes neither state nor digest", async () => {
    const role = principals.stagingStatePlan;
    expect(await allowed(role, "s3:GetObject", `${STATE_BUCKET}/orbit/staging.tfstate`)).toBe(true);
    expect(await allowed(role, "dynamodb:PutItem", STATE_TABLE, lock)).toBe(true);
    expect(await allowed(role, "dynamodb:DeleteItem", STATE_TABLE, lock)).toBe(true);
    expect(await allowed(role, "dynamodb:GetItem", STATE_TABLE, digest)).toBe(true);
    expect(await allowed(role, "s3:PutObject", `${STATE_BUCKET}/orbit/staging.tfstate`)).toBe(
      false,
    );
    expect(await allowed(role, "dynamodb:PutItem", STATE_TABLE, digest)).toBe(false);
  });

  it("a stack's write role writes its own state and locks, and no other stack's", async () => {
    const role = principals.stagingState;
    expect(await allowed(role, "s3:PutObject", `${STATE_BUCKET}/orbit/staging.tfstate`)).toBe(true);
    expect(await allowed(role, "dynamodb:PutItem", STATE_TABLE, digest)).toBe(true);
    expect(await allowed(role, "s3:GetObject", `${STATE_BUCKET}/orbit/prod.tfstate`)).toBe(false);
    expect(await allowed(role, "s3:PutObject", `${STATE_BUCKET}/orbit/prod.tfstate`)).toBe(false);
    expect(
      await allowed(role, "dynamodb:PutItem", STATE_TABLE, {
        "dynamodb:LeadingKeys": ["orbit-terraform-state-111111111111/orbit/prod.tfstate"],
      }),
    ).toBe(false);
    expect(await allowed(role, "s3:DeleteObject", `${STATE_BUCKET}/orbit/staging.tfstate`)).toBe(
      false,
    );
  });
});
