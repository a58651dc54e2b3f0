import { describe, expect, it } from "vitest";
import { parseConfig } from "../src/config/load";
import { remoteStateStacks } from "../src/config/names";
import { pipelineFiles, type PipelineManifest } from "../src/pipeline";
import { committedBackend, resourcesOf, type StackJson, platformJson } from "./helpers";

/**
 * The pipeline manifest is what the workflows trust: every role, state role and variable it names
 * must be one the stacks create, in the account it says.
 */
const config = parseConfig();
const files = Object.fromEntries(
  pipelineFiles(config, committedBackend).map((f) => [f.path, f.content]),
);
const manifest = JSON.parse(files["pipeline.json"]!) as PipelineManifest;

const stacks = platformJson();

/** `arn:aws:iam::<account>:role/<name>` of every role a stack creates, by its provider's account. */
function roleArns(json: StackJson): string[] {
  return Object.values(resourcesOf(json, "aws_iam_role")).map((role) => {
    const alias =
      role.provider === undefined || role.provider === "aws"
        ? undefined
        : String(role.provider).slice(4);
    const account = (
      json.provider.aws.find((p) => p.alias === alias)!.allowed_account_ids as string[]
    )[0];
    return `arn:aws:iam::${account}:role/${role.name as string}`;
  });
}

/** The roles of the stacks that hold CI's identity: `shared` and every `identity-<account>`. */
const ciStacks = Object.keys(stacks).filter((id) => id === "shared" || id.startsWith("identity-"));
const ciRoles = ciStacks.flatMap((id) => roleArns(stacks[id]!));
const stateRoles = roleArns(stacks.state!);

describe("pipeline manifest (cdktf.out/pipeline.json)", () => {
  it("names, for every stack, the account and region its provider is pinned to", () => {
    for (const [name, entry] of Object.entries(manifest.stacks)) {
      expect(entry.directory).toBe(`stacks/${name}`);
      const provider = stacks[name]!.provider.aws[0]!;
      expect(provider.allowed_account_ids).toEqual([entry.account]);
      expect(provider.region).toBe(entry.region);
    }
  });

  it("names only CI roles the shared and identity stacks create, in the stack's own account", () => {
    const named = [
      manifest.image.publishRoleArn,
      ...Object.values(manifest.stacks).flatMap((s) => [s.plan?.roleArn, s.deploy?.roleArn]),
    ].filter((arn): arn is string => arn !== undefined);
    // The publish role, a plan role for every remote-state stack, a deploy role for every environment.
    expect(named.length).toBe(
      1 + remoteStateStacks(config).length + Object.keys(config.environments).length,
    );
    for (const arn of named) expect(ciRoles).toContain(arn);
    for (const entry of Object.values(manifest.stacks)) {
      for (const arn of [entry.plan?.roleArn, entry.deploy?.roleArn]) {
        if (arn) expect(arn.split(":")[4]).toBe(entry.account);
      }
    }
  });

  it("deploys each environment from the GitHub environment its deploy role trusts", () => {
    const trusts = ciStacks
      .flatMap((id) => Object.values(resourcesOf(stacks[id]!, "aws_iam_role")))
      .map((r) => JSON.stringify(JSON.parse(r.assume_role_policy as string)));
    expect(manifest.stacks.prod!.deploy?.githubEnvironment).toBe("production");
    expect(manifest.stacks.staging!.deploy?.githubEnvironment).toBe("staging");
    for (const env of manifest.environments) {
      const sub = `repo:${manifest.github.repository}:environment:${manifest.stacks[env]!.deploy!.githubEnvironment}`;
      expect(trusts.some((t) => t.includes(`"${sub}"`))).toBe(true);
    }
    // Every environment, in release order: the non-production ones first, then the production ones.
    expect([...manifest.environments].sort()).toEqual(Object.keys(config.environments).sort());
    const tiers = manifest.environments.map((env) => config.environments[env]!.tier);
    expect(tiers).toEqual([
      ...tiers.filter((tier) => tier !== "production"),
      ...tiers.filter((tier) => tier === "production"),
    ]);
    expect(manifest.environments.indexOf("staging")).toBeGreaterThanOrEqual(0);
    expect(manifest.environments.indexOf("staging")).toBeLessThan(
      manifest.environments.indexOf("prod"),
    );
  });

  it("plans every remote-state stack through a read-and-lock state role the state stack creates; never the local state stack", () => {
    expect(manifest.stacks.state!.plan).toBeNull();
    expect(remoteStateStacks(config)).toEqual(
      expect.arrayContaining(["shared", "staging", "prod"]),
    );
    for (const name of remoteStateStacks(config)) {
      const plan = manifest.stacks[name]!.plan!;
      const backend = files[plan.backendConfigFile]!;
      const arn = /role_arn = "([^"]+)"/.exec(backend)![1]!;
      expect(arn).toBe(`arn:aws:iam::111111111111:role/orbit-terraform-state-${name}-plan`);
      expect(stateRoles).toContain(arn);
    }
  });

  it("plans every stack with the plan role of its own account, substituting nothing", () => {
    expect(ciStacks).toEqual(expect.arrayContaining(["shared", "identity-222222222222"]));
    for (const name of remoteStateStacks(config)) {
      expect(JSON.parse(files[manifest.stacks[name]!.plan!.varFile]!), name).toEqual({});
      expect(manifest.stacks[name]!.plan!.roleArn).toBe(
        `arn:aws:iam::${manifest.stacks[name]!.account}:role/orbit-github-plan`,
      );
      expect((stacks[name] as unknown as { variable?: unknown }).variable, name).toEqual(
        name in config.environments ? expect.anything() : undefined,
      );
    }
    // The identity stacks are applied by an administrator, like `shared`: CI never deploys them.
    expect(manifest.stacks["identity-222222222222"]).toMatchObject({
      account: "222222222222",
      deploy: null,
    });
  });

  it("addresses the image repository the shared stack creates, which the environments run", () => {
    const [repository] = Object.values(resourcesOf(stacks.shared!, "aws_ecr_repository"));
    expect(repository!.name).toBe(manifest.image.repositoryName);
    expect(manifest.image.repositoryUrl).toBe(
      `${manifest.stacks.shared!.account}.dkr.ecr.${manifest.stacks.shared!.region}.amazonaws.com/orbit/app`,
    );
    for (const env of manifest.environments) {
      const [task] = Object.values(resourcesOf(stacks[env]!, "aws_ecs_task_definition"));
      const image = JSON.parse(task!.container_definitions as string)[0].image as string;
      expect(image).toBe(`${manifest.image.repositoryUrl}:\${var.image_tag}`);
    }
  });
});
