import { describe, expect, it } from "vitest";
import {
  accountRegions,
  arn,
  ciAccounts,
  ciNames,
  environmentOf,
  githubEnvironment,
  identityStacks,
  imageRepository,
  remoteStateStacks,
  replicaRegions,
  stackAccount,
  stackRegion,
  stateKey,
  stateRoleArn,
  stateRoleName,
} from "../../src/config/names";
import { committedBackend, configWith } from "../helpers";

/** Names derived from the configuration: one place for each, the same everywhere. */
describe("names", () => {
  // GIVEN the committed configuration (shared account 111111111111 in eu-west-1, prod in 222222222222)
  const config = configWith("prod", {});
  const project = config.project;

  it("the remote-state stacks are shared, every other account's identity and every environment", () => {
    expect(remoteStateStacks(config)).toEqual([
      "shared",
      ...identityStacks(config),
      ...Object.keys(config.environments),
    ]);
    expect(identityStacks(config)).toEqual(["identity-222222222222"]);
  });

  it("state and shared act in the shared account and region, an environment in its own", () => {
    expect(stackAccount(config, "state")).toBe("111111111111");
    expect(stackAccount(config, "shared")).toBe("111111111111");
    expect(stackAccount(config, "prod")).toBe("222222222222");
    expect(stackRegion(config, "shared")).toBe(project.region);
    expect(stackRegion(config, "prod")).toBe(config.environments.prod!.region);
  });

  it("environmentOf refuses a name that is not an environment, even an Object property", () => {
    expect(environmentOf(config, "staging").name).toBe("staging");
    expect(() => environmentOf(config, "shared")).toThrow("shared is not an environment");
    expect(() => environmentOf(config, "toString")).toThrow("toString is not an environment");
  });

  it("an account's regions: the project's first for the shared account, each once", () => {
    expect(accountRegions(config, "111111111111")[0]).toBe(project.region);
    expect(new Set(accountRegions(config, "111111111111")).size).toBe(
      accountRegions(config, "111111111111").length,
    );
    expect(replicaRegions(config)).toEqual([]);
    expect(ciAccounts(config)[0]).toBe("111111111111");
    expect(ciAccounts(config)).toContain("222222222222");
  });

  it("the image repository lives in the shared account, addressed per region", () => {
    expect(imageRepository(project, "us-east-1")).toEqual({
      name: "orbit/app",
      account: "111111111111",
      region: "us-east-1",
      registry: "111111111111.dkr.ecr.us-east-1.amazonaws.com",
      url: "111111111111.dkr.ecr.us-east-1.amazonaws.com/orbit/app",
      arn: "arn:aws:ecr:us-east-1:111111111111:repository/orbit/app",
    });
    expect(imageRepository(project).region).toBe(project.region);
  });

  it("CI roles and the subjects GitHub's OIDC tokens carry", () => {
    const names = ciNames(project);
    const repository = `${project.github.owner}/${project.github.repository}`;
    expect(names.deployRole("prod")).toBe("orbit-github-deploy-prod");
    expect(names.rolePattern).toBe("orbit-github-*");
    expect(names.subject.environment("production")).toBe(
      `repo:${repository}:environment:production`,
    );
    expect(names.subject.releaseBranch).toBe(
      `repo:${repository}:ref:refs/heads/${project.github.releaseBranch}`,
    );
    expect(githubEnvironment(config.environments.staging!)).toBe(
      config.environments.staging!.githubEnvironment ?? "staging",
    );
  });

  it("each stack's state: its own key and its own write and plan roles", () => {
    expect(stateKey("orbit", "prod")).toBe("orbit/prod.tfstate");
    expect(stateRoleName(committedBackend, "prod", "write")).toBe("orbit-terraform-state-prod");
    expect(stateRoleName(committedBackend, "prod", "plan")).toBe("orbit-terraform-state-prod-plan");
    expect(stateRoleArn(committedBackend, "prod", "plan")).toBe(
      "arn:aws:iam::111111111111:role/orbit-terraform-state-prod-plan",
    );
  });

  it("ARNs and the shared stack's role variable per account", () => {
    expect(arn.policy("1", "p")).toBe("arn:aws:iam::1:policy/p");
    expect(arn.oidcProvider("1")).toBe(
      "arn:aws:iam::1:oidc-provider/token.actions.githubusercontent.com",
    );
  });
});
