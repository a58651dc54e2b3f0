import { Testing } from "cdktf";
import { describe, expect, it } from "vitest";
import { parseConfig } from "../../src/config/load";
import { servicesFor } from "../../src/lib/aws-services";
import { EnvironmentStack } from "../../src/stacks/environment-stack";
import { IDENTITY_STACK_PREFIX, identityStacks } from "../../src/config/names";
import { IdentityStack } from "../../src/stacks/identity-stack";
import { SharedStack } from "../../src/stacks/shared-stack";
import { committedBackend, environmentOf, resourcesOf, synth, type StackJson } from "../helpers";

/**
 * GitHub Actions' identity, read back from the synthesized shared stack (the shared account's) and
 * identity stacks (every other account's). Every role is located by the account its stack's
 * provider acts in, so a role created in the wrong account fails these tests.
 */
const config = parseConfig();
const shared = synth(new SharedStack(Testing.app(), "shared", config, committedBackend));
const identities = identityStacks(config).map((id) =>
  synth(
    new IdentityStack(
      Testing.app(),
      id.slice(IDENTITY_STACK_PREFIX.length),
      config,
      committedBackend,
    ),
  ),
);
const ciStacks = [shared, ...identities];
/** Every resource of `type` in the CI stacks, with its address and the account it is created in. */
const ciResources = (type: string) =>
  ciStacks.flatMap((json) =>
    Object.entries(resourcesOf(json, type)).map(([address, values]) => ({
      address,
      values,
      account: accountOf(json, values.provider),
    })),
  );
const ciResource = (type: string, address: string) => {
  const found = ciResources(type).find((r) => r.address === address);
  if (!found) throw new Error(`no ${type}.${address} in the CI stacks`);
  return found;
};

interface Statement {
  Sid?: string;
  Effect: "Allow" | "Deny";
  Principal?: Record<string, string>;
  Action?: string | string[];
  NotAction?: string | string[];
  Resource?: string | string[];
  Condition?: Record<string, Record<string, string | string[]>>;
}

interface Role {
  address: string;
  account: string;
  name: string;
  trust: Statement[];
  boundary?: string;
  /** Inline policy statements and attached managed policy ARNs. */
  statements: Statement[];
  managed: string[];
}

function accountOf(json: StackJson, provider: unknown): string {
  const alias =
    provider === "aws" || provider === undefined ? undefined : String(provider).slice(4);
  const entry = json.provider.aws.find((p) => p.alias === alias)!;
  return (entry.allowed_account_ids as string[])[0]!;
}

function rolesOf(json: StackJson): Role[] {
  return Object.entries(resourcesOf(json, "aws_iam_role")).map(([address, role]) => {
    const ref = `\${aws_iam_role.${address}.`;
    return {
      address,
      account: accountOf(json, role.provider),
      name: role.name as string,
      trust: JSON.parse(role.assume_role_policy as string).Statement,
      boundary: role.permissions_boundary as string | undefined,
      statements: Object.values(resourcesOf(json, "aws_iam_role_policy"))
        .filter((p) => String(p.role).startsWith(ref))
        .flatMap((p) => JSON.parse(p.policy as string).Statement as Statement[]),
      managed: Object.values(resourcesOf(json, "aws_iam_role_policy_attachment"))
        .filter((p) => String(p.role).startsWith(ref))
        .map((p) => p.policy_arn as string),
    };
  });
}

const roles = ciStacks.flatMap(rolesOf);
const role = (account: string, name: string): Role => {
  const found = roles.filter((r) => r.account === account && r.name === name);
  if (found.length !== 1) throw new Error(`expected one role ${name} in ${account}`);
  return found[0]!;
};
const actions = (s: Statement) => [s.Action ?? []].flat();
const resources = (s: Statement) => [s.Resource ?? []].flat();

const REPO = "repo:example-org/orbit";
const OIDC = "token.actions.githubusercontent.com";

/**
 * Read from the configuration: the shared account, each environment's account, and the accounts
 * CI assumes roles in (the shared one first).
 */
const SHARED = config.project.sharedAccountIds[0]!;
const environments = Object.values(config.environments);
const CI_ACCOUNTS = [...new Set([SHARED, ...environments.map((env) => env.allowedAccountIds[0]!)])];
/** [account, environment] of every environment. */
const deployments = environments.map((env) => [env.allowedAccountIds[0]!, env.name] as const);

describe("GitHub OIDC identity (shared stack)", () => {
  it("creates the GitHub OIDC provider, audience sts.amazonaws.com, in each account CI assumes roles in", () => {
    const providers = ciResources("aws_iam_openid_connect_provider");
    expect(CI_ACCOUNTS).toEqual(expect.arrayContaining(["111111111111", "222222222222"]));
    expect(providers.map((p) => p.account).sort()).toEqual([...CI_ACCOUNTS].sort());
    for (const { values: provider } of providers) {
      expect(provider).toMatchObject({
        url: `https://${OIDC}`,
        client_id_list: ["sts.amazonaws.com"],
      });
    }
  });

  it("creates each role in the account of what it acts on", () => {
    const created = roles.map((r) => `${r.account}/${r.name}`).sort();
    // A plan role in every CI account, the publish role beside the image repository, a deploy
    // role for every environment in that environment's account...
    expect(created).toEqual(
      [
        ...CI_ACCOUNTS.map((account) => `${account}/orbit-github-plan`),
        `${SHARED}/orbit-github-publish`,
        ...deployments.map(([account, env]) => `${account}/orbit-github-deploy-${env}`),
      ].sort(),
    );
    // ...which for the committed environments is:
    expect(created).toEqual(
      expect.arrayContaining([
        "111111111111/orbit-github-deploy-staging",
        "111111111111/orbit-github-plan",
        "111111111111/orbit-github-publish",
        "222222222222/orbit-github-deploy-prod",
        "222222222222/orbit-github-plan",
      ]),
    );
  });

  /** Every CI role and the one subject it trusts. */
  const subjects: [string, string, string][] = [
    ...CI_ACCOUNTS.map((account): [string, string, string] => [
      account,
      "orbit-github-plan",
      `${REPO}:pull_request`,
    ]),
    [SHARED, "orbit-github-publish", `${REPO}:ref:refs/heads/main`],
    ...environments.map((env): [string, string, string] => [
      env.allowedAccountIds[0]!,
      `orbit-github-deploy-${env.name}`,
      `${REPO}:environment:${env.githubEnvironment ?? env.name}`,
    ]),
  ];

  it("gives the committed roles the subjects of their jobs (prod deploys from `production`)", () => {
    expect(subjects).toEqual(
      expect.arrayContaining([
        ["111111111111", "orbit-github-plan", `${REPO}:pull_request`],
        ["222222222222", "orbit-github-plan", `${REPO}:pull_request`],
        ["111111111111", "orbit-github-publish", `${REPO}:ref:refs/heads/main`],
        ["111111111111", "orbit-github-deploy-staging", `${REPO}:environment:staging`],
        ["222222222222", "orbit-github-deploy-prod", `${REPO}:environment:production`],
      ]),
    );
  });

  /** What a job's token must further say: the release branch, and the workflow file the job is in. */
  const claimsOf = (name: string): Record<string, string> =>
    name === "orbit-github-plan"
      ? {}
      : {
          [`${OIDC}:ref`]: "refs/heads/main",
          [`${OIDC}:job_workflow_ref`]: name.startsWith("orbit-github-deploy-")
            ? "example-org/orbit/.github/workflows/deploy.yml@refs/heads/main"
            : "example-org/orbit/.github/workflows/release.yml@refs/heads/main",
        };

  it.each(subjects)(
    "%s %s trusts exactly aud sts.amazonaws.com, sub %s, and on the release branch its one workflow",
    (account, name, sub) => {
      const [github] = role(account, name).trust.filter(
        (s) => s.Action === "sts:AssumeRoleWithWebIdentity",
      );
      expect(github).toEqual({
        Sid: "GitHubActions",
        Effect: "Allow",
        Principal: {
          Federated: expect.stringMatching(
            /^\$\{aws_iam_openid_connect_provider\.ci_\d{12}_github\.arn\}$/,
          ),
        },
        Action: "sts:AssumeRoleWithWebIdentity",
        Condition: {
          StringEquals: {
            [`${OIDC}:aud`]: "sts.amazonaws.com",
            [`${OIDC}:sub`]: sub,
            ...claimsOf(name),
          },
        },
      });
      // The federated principal is the OIDC provider of the role's own account.
      const providerAddress = (github!.Principal!.Federated as string).split(".")[1]!;
      expect(ciResource("aws_iam_openid_connect_provider", providerAddress).account).toBe(account);
    },
  );

  it("no role is assumable from another repository, branch or environment: no wildcard, no StringLike, no other principal", () => {
    for (const r of roles) {
      for (const statement of r.trust) {
        expect(statement.Effect).toBe("Allow");
        const conditions = statement.Condition ?? {};
        expect(Object.keys(conditions).filter((op) => op !== "StringEquals")).toEqual([]);
        if (statement.Action === "sts:AssumeRoleWithWebIdentity") {
          const sub = conditions.StringEquals![`${OIDC}:sub`];
          expect(typeof sub, `${r.name}: one subject`).toBe("string");
          expect(sub).toMatch(/^repo:example-org\/orbit:/);
          expect(sub).not.toMatch(/[*?]/);
        } else {
          // No other trust: every account's identity is planned with that account's own plan
          // role, so no plan role lets another account's chain in.
          throw new Error(
            `${r.account}/${r.name} trusts more than GitHub: ${JSON.stringify(statement)}`,
          );
        }
      }
    }
  });

  it("limits every CI session to one hour, a deploy's to two (a first production apply takes about one)", () => {
    for (const { values: r } of ciResources("aws_iam_role")) {
      expect(r.max_session_duration, String(r.name)).toBe(
        String(r.name).startsWith("orbit-github-deploy-") ? 7200 : 3600,
      );
    }
  });

  it("the publish role can do nothing but push to the one repository (and log in to its registry)", () => {
    const publish = role("111111111111", "orbit-github-publish");
    expect(publish.managed).toEqual([]);
    const repository = "arn:aws:ecr:eu-west-1:111111111111:repository/orbit/app";
    for (const statement of publish.statements) {
      expect(statement.Effect).toBe("Allow");
      expect(actions(statement).every((a) => a.startsWith("ecr:") && !a.includes("*"))).toBe(true);
      if (resources(statement).includes("*")) {
        // No resource-level permissions for it: the token is per registry.
        expect(statement.Action).toBe("ecr:GetAuthorizationToken");
      } else {
        expect(resources(statement)).toEqual([repository]);
      }
    }
    expect(publish.statements.flatMap(actions).sort()).toEqual([
      "ecr:BatchCheckLayerAvailability",
      "ecr:BatchGetImage",
      "ecr:CompleteLayerUpload",
      "ecr:DescribeImageReplicationStatus",
      "ecr:DescribeImages",
      "ecr:GetAuthorizationToken",
      "ecr:InitiateLayerUpload",
      "ecr:PutImage",
      "ecr:UploadLayerPart",
    ]);
    // And that repository is the one the shared stack creates.
    const ecr = Object.values(resourcesOf(shared, "aws_ecr_repository"));
    expect(ecr.map((r) => r.name)).toEqual(["orbit/app"]);
  });

  it("attaches the boundary to the deploy roles, and the boundary is the policy of their own account", () => {
    for (const [account, env] of deployments) {
      const deploy = role(account, `orbit-github-deploy-${env}`);
      expect(deploy.boundary).toBe(`\${aws_iam_policy.ci_${account}_boundary.arn}`);
      const boundary = ciResource("aws_iam_policy", `ci_${account}_boundary`);
      expect(boundary.values.name).toBe("orbit-ci-boundary");
      expect(boundary.account).toBe(account);
    }
  });

  it("the boundary forbids roles without it, removing or editing it, touching CI identity or state roles, and long-lived credentials", () => {
    const boundary = ciResource("aws_iam_policy", "ci_111111111111_boundary").values;
    const arn = "arn:aws:iam::111111111111:policy/orbit-ci-boundary";
    const denies = Object.fromEntries(
      (JSON.parse(boundary.policy as string).Statement as Statement[])
        .filter((s) => s.Effect === "Deny")
        .map((s) => [s.Sid, s]),
    );
    expect(denies.NoRoleWithoutThisBoundary).toMatchObject({
      Action: expect.arrayContaining([
        "iam:CreateRole",
        "iam:PutRolePolicy",
        "iam:AttachRolePolicy",
      ]),
      Resource: "*",
      Condition: { StringNotEquals: { "iam:PermissionsBoundary": arn } },
    });
    expect(denies.NoBoundaryRemoval).toMatchObject({ Action: "iam:DeleteRolePermissionsBoundary" });
    expect(denies.NoBoundaryChanges).toMatchObject({
      Action: expect.arrayContaining(["iam:CreatePolicyVersion", "iam:SetDefaultPolicyVersion"]),
      Resource: arn,
    });
    expect(denies.NoChangesToCiIdentity).toEqual({
      Sid: "NoChangesToCiIdentity",
      Effect: "Deny",
      NotAction: ["iam:Get*", "iam:List*", "sts:AssumeRole"],
      Resource: [
        "arn:aws:iam::111111111111:role/orbit-github-*",
        "arn:aws:iam::111111111111:oidc-provider/token.actions.githubusercontent.com",
        "arn:aws:iam::111111111111:role/orbit-terraform-state-*",
      ],
    });
    expect(denies.NoLongLivedCredentials).toMatchObject({
      Action: expect.arrayContaining(["iam:CreateUser", "iam:CreateAccessKey"]),
    });
    expect(denies.OnlyTheseRegions).toMatchObject({
      Condition: { StringNotEquals: { "aws:RequestedRegion": ["eu-west-1"] } },
    });
  });

  it("a deploy role may create and change only its environment's roles, and only with the boundary", () => {
    const deploy = role("222222222222", "orbit-github-deploy-prod");
    const iam = deploy.statements.filter((s) => actions(s).some((a) => a.startsWith("iam:")));
    for (const statement of iam) {
      if (statement.Sid === "ServiceLinkedRoles") continue;
      expect(resources(statement)).toEqual(["arn:aws:iam::222222222222:role/orbit-prod-*"]);
    }
    const creates = iam.filter((s) => actions(s).includes("iam:CreateRole"));
    expect(creates).toHaveLength(1);
    expect(creates[0]!.Condition).toEqual({
      StringEquals: {
        "iam:PermissionsBoundary": "arn:aws:iam::222222222222:policy/orbit-ci-boundary",
      },
    });
    // Nothing lets it write policies onto roles without that condition.
    const writes = ["iam:PutRolePolicy", "iam:AttachRolePolicy", "iam:PutRolePermissionsBoundary"];
    for (const statement of iam.filter((s) => actions(s).some((a) => writes.includes(a)))) {
      expect(statement.Condition).toEqual(creates[0]!.Condition);
    }
  });

  it("a deploy role may reach its own state and no other, and never reads the database password", () => {
    for (const [account, env] of deployments) {
      const deploy = role(account, `orbit-github-deploy-${env}`);
      const assumes = deploy.statements.filter((s) => actions(s).includes("sts:AssumeRole"));
      expect(assumes.flatMap(resources)).toEqual([
        `arn:aws:iam::111111111111:role/orbit-terraform-state-${env}`,
      ]);
      expect(deploy.statements.flatMap(actions)).not.toContain("secretsmanager:GetSecretValue");
      expect(deploy.statements.flatMap(actions).some((a) => a.startsWith("ecr:"))).toBe(false);
    }
  });

  it("a deploy role's * resources are region-bound services; data and identity are named after its environment", () => {
    const deploy = role("111111111111", "orbit-github-deploy-staging");
    for (const statement of deploy.statements) {
      if (resources(statement).includes("*")) {
        expect(statement.Sid).toBe("PlatformServicesInRegion");
        expect(statement.Condition).toEqual({
          StringEquals: { "aws:RequestedRegion": "eu-west-1" },
        });
        expect(
          actions(statement).filter((a) =>
            /^(iam|s3|dynamodb|sqs|sns|secretsmanager|sts|ecr):/.test(a),
          ),
        ).toEqual([]);
      }
    }
    const named = (service: string) =>
      deploy.statements
        .filter((s) => actions(s).some((a) => a.startsWith(`${service}:`)))
        .flatMap(resources);
    expect(named("s3")).toEqual(["arn:aws:s3:::orbit-staging-*"]);
    expect(named("dynamodb")).toEqual([
      "arn:aws:dynamodb:eu-west-1:111111111111:table/orbit-staging-*",
    ]);
    expect(named("sqs")).toContain("arn:aws:sqs:eu-west-1:111111111111:orbit-staging-*");
  });

  it("a deploy role's services, passed roles and service-linked roles are those its environment stack's types need", () => {
    for (const [account, env] of deployments) {
      const deploy = role(account, `orbit-github-deploy-${env}`);
      const bySid = (sid: string) => deploy.statements.find((s) => s.Sid === sid)!;
      // Read independently from the synthesized environment stack, through the map.
      const stack = synth(
        new EnvironmentStack(Testing.app(), environmentOf(config, env), committedBackend),
      );
      const inRegion = servicesFor(Object.keys(stack.resource))
        .filter((s) => s.grant === "in-region")
        .map((s) => `${s.service}:*`);
      expect(actions(bySid("PlatformServicesInRegion"))).toEqual(inRegion);
      const trusted = Object.values(resourcesOf(stack, "aws_iam_role")).flatMap((r) =>
        (JSON.parse(r.assume_role_policy as string).Statement as Statement[]).map(
          (s) => s.Principal!.Service!,
        ),
      );
      expect(bySid("PassEnvironmentRoles").Condition!.StringEquals!["iam:PassedToService"]).toEqual(
        [...new Set(trusted)].sort(),
      );
      // What that comes to today, for the committed environments.
      if (env !== "staging" && env !== "prod") continue;
      expect(inRegion).toEqual([
        "ec2:*",
        "elasticloadbalancing:*",
        "ecs:*",
        "application-autoscaling:*",
        "rds:*",
        "kms:*",
        "wafv2:*",
        "acm:*",
        "cloudwatch:*",
        "logs:*",
      ]);
      expect(bySid("PassEnvironmentRoles").Condition).toEqual({
        StringEquals: {
          "iam:PassedToService": [
            "ecs-tasks.amazonaws.com",
            // prod's API deploys by canary: ECS assumes its traffic-shift role.
            ...(env === "prod" ? ["ecs.amazonaws.com"] : []),
            "monitoring.rds.amazonaws.com",
            "vpc-flow-logs.amazonaws.com",
          ],
        },
      });
      expect(bySid("ServiceLinkedRoles").Condition).toEqual({
        StringEquals: {
          "iam:AWSServiceName": [
            "ecs.amazonaws.com",
            "ecs.application-autoscaling.amazonaws.com",
            "elasticloadbalancing.amazonaws.com",
            "rds.amazonaws.com",
          ],
        },
      });
      const boundary = ciResource("aws_iam_policy", `ci_${account}_boundary`).values;
      const boundaryStatements = JSON.parse(boundary.policy as string).Statement as Statement[];
      const boundarySid = (sid: string) => boundaryStatements.find((s) => s.Sid === sid)!;
      // Services that name resources by generated ids: anywhere (in the regions); services that
      // hold data: only the resources named after the account's environments.
      expect(actions(boundarySid("PlatformServices")).filter((a) => a.endsWith(":*"))).toEqual(
        inRegion,
      );
      const envs = deployments.filter(([a]) => a === account).map(([, e]) => e);
      expect(resources(boundarySid("OwnS3"))).toEqual(envs.map((e) => `arn:aws:s3:::orbit-${e}-*`));
      expect(resources(boundarySid("OwnDynamodb"))).toEqual(
        envs.map((e) => `arn:aws:dynamodb:eu-west-1:${account}:table/orbit-${e}-*`),
      );
      expect(resources(boundarySid("OwnSecretsmanager"))).toEqual([
        `arn:aws:secretsmanager:eu-west-1:${account}:secret:rds!*`,
      ]);
      for (const sid of ["OwnSqs", "OwnSns", "OwnRoute53", "OwnBudgets"]) {
        expect(
          resources(boundarySid(sid)).some((r) => r.includes("*") && !r.includes("orbit-")),
        ).toBe(sid === "OwnRoute53"); // Route 53 changes (change/*) have generated ids
      }
      expect(boundarySid("OwnState")).toEqual({
        Sid: "OwnState",
        Effect: "Allow",
        Action: "sts:AssumeRole",
        Resource: envs.map((e) => `arn:aws:iam::111111111111:role/orbit-terraform-state-${e}`),
      });
    }
  });

  it("the plan role reads configuration, never data, and reads and locks state only through the plan state roles", () => {
    const plan = role("111111111111", "orbit-github-plan");
    expect(plan.managed).toEqual(["arn:aws:iam::aws:policy/ReadOnlyAccess"]);
    const allowed = (account: string) =>
      role(account, "orbit-github-plan")
        .statements.filter((s) => s.Effect === "Allow")
        .flatMap(resources)
        .sort();
    const statePlanRole = (stack: string) =>
      `arn:aws:iam::111111111111:role/orbit-terraform-state-${stack}-plan`;
    for (const account of CI_ACCOUNTS) {
      // Every plan role: the plan state roles of the stacks in its account...
      const stacks = [
        account === SHARED ? "shared" : `identity-${account}`,
        ...deployments.filter(([a]) => a === account).map(([, env]) => env),
      ];
      expect(allowed(account), account).toEqual(stacks.map(statePlanRole).sort());
      expect(role(account, "orbit-github-plan").managed).toEqual([
        "arn:aws:iam::aws:policy/ReadOnlyAccess",
      ]);
    }
    // For the committed stacks:
    expect(allowed("111111111111")).toEqual(
      expect.arrayContaining([
        "arn:aws:iam::111111111111:role/orbit-terraform-state-shared-plan",
        "arn:aws:iam::111111111111:role/orbit-terraform-state-staging-plan",
      ]),
    );
    expect(allowed("222222222222")).toEqual([
      "arn:aws:iam::111111111111:role/orbit-terraform-state-identity-222222222222-plan",
      "arn:aws:iam::111111111111:role/orbit-terraform-state-prod-plan",
    ]);
    const denied = plan.statements.filter((s) => s.Effect === "Deny").flatMap(actions);
    expect(denied).toEqual(
      expect.arrayContaining([
        "s3:GetObject",
        "dynamodb:Scan",
        "dynamodb:GetItem",
        "secretsmanager:GetSecretValue",
        "sqs:ReceiveMessage",
        "kms:Decrypt",
      ]),
    );
  });

  it("each account's identity is applied with that account's own credentials: one provider, no role of another account assumed", () => {
    for (const json of ciStacks) {
      const providers = json.provider.aws;
      expect(providers).toHaveLength(1);
      expect(providers[0]!.assume_role).toBeUndefined();
      expect((json as unknown as { variable?: unknown }).variable).toBeUndefined();
    }
    expect(identities.map((json) => json.provider.aws[0]!.allowed_account_ids)).toEqual(
      CI_ACCOUNTS.filter((a) => a !== SHARED).map((a) => [a]),
    );
  });
});

describe("roles created by the environment stacks", () => {
  it.each(Object.keys(config.environments))(
    "%s: every role carries the boundary of its account, so the deploy role can create it",
    (name) => {
      const app = Testing.app();
      const json = synth(new EnvironmentStack(app, environmentOf(config, name), committedBackend));
      const account = environmentOf(config, name).allowedAccountIds[0];
      const created = Object.values(resourcesOf(json, "aws_iam_role"));
      expect(created.length).toBeGreaterThanOrEqual(4);
      for (const r of created) {
        expect(r.permissions_boundary).toBe(`arn:aws:iam::${account}:policy/orbit-ci-boundary`);
        // ...and is named so the deploy role's IAM statements cover it.
        expect(r.name).toMatch(new RegExp(`^orbit-${name}-`));
      }
    },
  );
});
