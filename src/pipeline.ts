/**
 * The pipeline manifest: what the GitHub Actions workflows need to know about the stacks (which
 * account and region each runs in, which role each job assumes, how a plan reaches state), written
 * by `synthesize()` beside the stacks as `cdktf.out/pipeline.json`, with one backend override and
 * one variables file per planned stack under `cdktf.out/pipeline/`.
 *
 * It comes from the same configuration as the stacks, so the workflows hold no account ids, role
 * ARNs or regions of their own, and no AWS secret.
 */
import { mkdirSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import type { BackendConfig } from "./config/backend";
import {
  arn,
  ciNames,
  githubEnvironment,
  environmentOf,
  imageRepository,
  remoteStateStacks,
  replicaRegions,
  isAdministeredStack,
  stackAccount,
  stackRegion,
  stateRoleArn,
  type RemoteStateStack,
  type StackName,
} from "./config/names";
import type { PlatformConfig, Tier } from "./config/schema";
import { DEPLOYED_TAG_PREFIX } from "./image-repository/image-repository";

export const PIPELINE_MANIFEST = "pipeline.json";
const PIPELINE_DIR = "pipeline";

export interface StackPlan {
  /** The plan role of the stack's account (trusts pull requests). */
  readonly roleArn: string;
  /** `terraform init -backend-config=<this>`: the stack's read-and-lock state role. */
  readonly backendConfigFile: string;
  /** `terraform plan -var-file=<this>`: values only a plan needs (may be empty). */
  readonly varFile: string;
}

export interface StackEntry {
  readonly directory: string;
  readonly account: string;
  readonly region: string;
  /** How CI plans it; `null` for the state stack, whose state is local to its operator. */
  readonly plan: StackPlan | null;
  /** How CI deploys it; `null` for stacks an administrator applies (state, shared, identity-*). */
  readonly deploy: { readonly roleArn: string; readonly githubEnvironment: string } | null;
}

export interface PipelineManifest {
  readonly version: 1;
  readonly project: string;
  readonly github: { readonly repository: string; readonly releaseBranch: string };
  readonly image: {
    readonly region: string;
    readonly registry: string;
    readonly repositoryName: string;
    readonly repositoryUrl: string;
    readonly publishRoleArn: string;
    /** The release tags an image `<this><stack>.<sha>` once a stack's deploy ran with it. */
    readonly deployedTagPrefix: string;
    /** Regions the image is replicated to; a release waits until it is in each. */
    readonly replicaRegions: readonly string[];
  };
  /** Every environment in release order: all non-production ones, then all production ones. */
  readonly environments: readonly string[];
  /**
   * What the release deploys, in two waves: every non-production environment (each smoke-tested),
   * then every production one, each behind its own GitHub environment's approval.
   */
  readonly release: Readonly<Record<"nonProduction" | "production", readonly ReleaseTarget[]>>;
  /** The stacks a pull request plans: `shared`, every `identity-<account>` and every environment. */
  readonly planStacks: readonly string[];
  readonly stacks: Readonly<Record<StackName, StackEntry>>;
}

/** One deploy of a release: a stack and the GitHub environment its deploy job runs in. */
export interface ReleaseTarget {
  readonly stack: string;
  readonly githubEnvironment: string;
  readonly tier: Tier;
}

interface PipelineFile {
  readonly path: string;
  readonly content: string;
}

/** The manifest and the files it points at, as paths relative to the output directory. */
export function pipelineFiles(config: PlatformConfig, backend: BackendConfig): PipelineFile[] {
  const { project } = config;
  const names = ciNames(project);
  const repository = imageRepository(project);
  const files: PipelineFile[] = [];

  const planOf = (stack: RemoteStateStack): StackPlan => {
    const backendConfigFile = `${PIPELINE_DIR}/${stack}.plan.tfbackend`;
    const varFile = `${PIPELINE_DIR}/${stack}.plan.tfvars.json`;
    files.push({
      path: backendConfigFile,
      content:
        `# Written by synth (src/pipeline.ts). CI plans of ${stack}: read its state and take its lock,\n` +
        `# never write it. terraform init -backend-config=<this file>\n` +
        `assume_role = {\n  role_arn = "${stateRoleArn(backend, stack, "plan")}"\n}\n`,
    });
    // Every stack acts in one account, with that account's plan role: nothing to substitute.
    const vars = {};
    files.push({ path: varFile, content: `${JSON.stringify(vars, null, 2)}\n` });
    return {
      roleArn: arn.role(stackAccount(config, stack), names.planRole),
      backendConfigFile,
      varFile,
    };
  };

  const entry = (stack: StackName): StackEntry => ({
    directory: `stacks/${stack}`,
    account: stackAccount(config, stack),
    region: stackRegion(config, stack),
    plan: stack === "state" ? null : planOf(stack),
    deploy: isAdministeredStack(config, stack)
      ? null
      : {
          roleArn: arn.role(stackAccount(config, stack), names.deployRole(stack)),
          githubEnvironment: githubEnvironment(environmentOf(config, stack)),
        },
  });

  const stacks = Object.fromEntries(
    ["state", ...remoteStateStacks(config)].map((stack) => [stack, entry(stack)]),
  );
  const environments = Object.values(config.environments);
  const targets = (production: boolean): ReleaseTarget[] =>
    environments
      .filter((env) => (env.tier === "production") === production)
      .map((env) => ({
        stack: env.name,
        githubEnvironment: githubEnvironment(env),
        tier: env.tier,
      }));

  const manifest: PipelineManifest = {
    version: 1,
    project: project.name,
    github: { repository: names.repository, releaseBranch: project.github.releaseBranch },
    image: {
      region: project.region,
      registry: repository.registry,
      repositoryName: repository.name,
      repositoryUrl: repository.url,
      publishRoleArn: arn.role(repository.account, names.publishRole),
      deployedTagPrefix: DEPLOYED_TAG_PREFIX,
      replicaRegions: replicaRegions(config),
    },
    environments: environments.map((env) => env.name),
    release: { nonProduction: targets(false), production: targets(true) },
    planStacks: remoteStateStacks(config),
    stacks,
  };
  return [{ path: PIPELINE_MANIFEST, content: `${JSON.stringify(manifest, null, 2)}\n` }, ...files];
}

/** Writes the manifest and its files into `outdir`. */
export function writePipelineFiles(
  outdir: string,
  config: PlatformConfig,
  backend: BackendConfig,
): void {
  mkdirSync(join(outdir, PIPELINE_DIR), { recursive: true });
  for (const file of pipelineFiles(config, backend)) {
    writeFileSync(join(outdir, file.path), file.content);
  }
}
