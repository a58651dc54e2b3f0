import { IamOpenidConnectProvider } from "@cdktf/provider-aws/lib/iam-openid-connect-provider";
import { IamPolicy } from "@cdktf/provider-aws/lib/iam-policy";
import { IamRole } from "@cdktf/provider-aws/lib/iam-role";
import { IamRolePolicyAttachment } from "@cdktf/provider-aws/lib/iam-role-policy-attachment";
import { Testing } from "cdktf";
import { describe, expect, it } from "vitest";
import {
  CiAccountIdentity,
  type CiAccountIdentityProps,
  type Deployment,
} from "../../src/ci-identity/ci-identity";
import { ciNames } from "../../src/config/names";
import { ProjectSchema } from "../../src/config/schema";
import { bareStack, grantedPolicies, resolved, resourcesOf, synth } from "../helpers";

const project = ProjectSchema.parse({
  name: "orbit",
  region: "eu-west-1",
  sharedAccountIds: ["111111111111"],
  tags: {},
  github: { owner: "example-org", repository: "orbit" },
});
const names = ciNames(project);

const deployment = (resourceTypes: string[] = ["aws_sqs_queue"]): Deployment => ({
  name: "staging",
  region: "eu-west-1",
  githubEnvironment: "staging",
  namePrefix: "orbit-staging",
  stateRoleArn: "arn:aws:iam::111111111111:role/orbit-terraform-state-staging",
  footprint: { resourceTypes, passedToServices: [] },
});

/** GIVEN a bare stack WHEN an account's CI identity is built with minimal props. */
function ciIdentity(props: Partial<Omit<CiAccountIdentityProps, "provider">> = {}) {
  const stack = bareStack();
  const identity = new CiAccountIdentity(stack, "ci", {
    provider: stack.provider,
    accountId: "111111111111",
    regions: ["eu-west-1"],
    names,
    planStateRoleArns: ["arn:aws:iam::111111111111:role/orbit-terraform-state-staging-plan"],
    deployments: [],
    ...props,
  });
  return { stack, identity, text: Testing.synth(stack), json: synth(stack) };
}

const trustOf = (json: ReturnType<typeof synth>, roleName: string) => {
  const role = Object.values(resourcesOf(json, "aws_iam_role")).find((r) => r.name === roleName);
  return JSON.parse(role!.assume_role_policy as string).Statement as Record<string, unknown>[];
};

describe("CiAccountIdentity, built alone", () => {
  describe("GIVEN no deployment and no repository", () => {
    const { text, json, identity, stack } = ciIdentity();

    it("THEN GitHub's OIDC provider for the sts.amazonaws.com audience", () => {
      expect(text).toHaveResourceWithProperties(IamOpenidConnectProvider, {
        url: "https://token.actions.githubusercontent.com",
        client_id_list: ["sts.amazonaws.com"],
      });
    });

    it("THEN a plan role that only pull requests of this repository may assume, for an hour", () => {
      expect(text).toHaveResourceWithProperties(IamRole, {
        name: "orbit-github-plan",
        max_session_duration: 3600,
      });
      expect(trustOf(json, "orbit-github-plan")).toEqual([
        {
          Sid: "GitHubActions",
          Effect: "Allow",
          Principal: { Federated: "${aws_iam_openid_connect_provider.ci_github.arn}" },
          Action: "sts:AssumeRoleWithWebIdentity",
          Condition: {
            StringEquals: {
              "token.actions.githubusercontent.com:aud": "sts.amazonaws.com",
              "token.actions.githubusercontent.com:sub": "repo:example-org/orbit:pull_request",
            },
          },
        },
      ]);
    });

    it("THEN the plan role reads configuration (ReadOnlyAccess) and may assume only the plan state roles", () => {
      expect(text).toHaveResourceWithProperties(IamRolePolicyAttachment, {
        policy_arn: "arn:aws:iam::aws:policy/ReadOnlyAccess",
      });
      expect(grantedPolicies(json).plan!.find((s) => s.Sid === "ReadAndLockState")).toMatchObject({
        Action: "sts:AssumeRole",
        Resource: ["arn:aws:iam::111111111111:role/orbit-terraform-state-staging-plan"],
      });
    });

    it("THEN no publish role, no boundary and no deploy role", () => {
      expect(identity.publishRole).toBeUndefined();
      expect(identity.boundary).toBeUndefined();
      expect(identity.deployRoles).toEqual({});
      expect(text).not.toHaveResource(IamPolicy);
      expect(Object.keys(resourcesOf(json, "aws_iam_role"))).toHaveLength(1);
      expect(resolved(stack, identity.planRole.arn)).toBe("${aws_iam_role.ci_plan_role.arn}");
    });
  });

  it("GIVEN the image repository THEN a publish role for the release branch, pushing to that repository", () => {
    const repositoryArn = "arn:aws:ecr:eu-west-1:111111111111:repository/orbit/app";
    const { json, identity } = ciIdentity({ publishTo: { repositoryArn } });
    expect(identity.publishRole).toBeDefined();
    expect(trustOf(json, "orbit-github-publish")[0]!.Condition).toMatchObject({
      StringEquals: {
        "token.actions.githubusercontent.com:sub": "repo:example-org/orbit:ref:refs/heads/main",
      },
    });
    expect(JSON.stringify(grantedPolicies(json)["push-image"])).toContain(repositoryArn);
  });

  it("GIVEN a deployment THEN a deploy role for its GitHub environment, inside the boundary", () => {
    const { json, identity, text } = ciIdentity({ deployments: [deployment()] });
    expect(Object.keys(identity.deployRoles)).toEqual(["staging"]);
    expect(text).toHaveResourceWithProperties(IamPolicy, { name: "orbit-ci-boundary" });
    expect(text).toHaveResourceWithProperties(IamRole, {
      name: "orbit-github-deploy-staging",
      permissions_boundary: "${aws_iam_policy.ci_boundary.arn}",
    });
    expect(trustOf(json, "orbit-github-deploy-staging")[0]!.Condition).toMatchObject({
      StringEquals: {
        "token.actions.githubusercontent.com:sub": "repo:example-org/orbit:environment:staging",
      },
    });
  });

  it("refuses a deployment holding a type no deploy statement covers, naming the environment", () => {
    expect(() => ciIdentity({ deployments: [deployment(["aws_iam_policy"])] })).toThrow(
      /^staging: aws_iam_policy needs iam, which a deploy role gets only on resources named after its environment/,
    );
  });
});
