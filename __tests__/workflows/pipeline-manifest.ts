/**
 * The pipeline manifest the workflows read (`cdktf.out/pipeline.json`, written by synth): the
 * real one when a synth has run, else the committed fixture of the same contract, so these tests
 * run on a fresh clone before anything is synthesized. Either way it is parsed against the
 * contract below, so a manifest the workflows cannot read fails here first.
 */
import { existsSync, readFileSync } from "node:fs";
import { join } from "node:path";
import { z } from "zod";

export const REPOSITORY_ROOT = join(__dirname, "..", "..");
export const SYNTHESIZED_MANIFEST = join(REPOSITORY_ROOT, "cdktf.out", "pipeline.json");
export const FIXTURE_MANIFEST = join(__dirname, "pipeline.fixture.json");

const account = z.string().regex(/^\d{12}$/);
const roleArn = z.string().regex(/^arn:aws:iam::\d{12}:role\/[\w+=,.@-]+$/);
const relativePath = z
  .string()
  .min(1)
  .refine((p) => !p.startsWith("/") && !p.split("/").includes(".."), "a path inside cdktf.out");

const Stack = z.object({
  directory: relativePath,
  account,
  region: z.string().min(1),
  plan: z.object({ roleArn, backendConfigFile: relativePath, varFile: relativePath }).nullable(),
  deploy: z.object({ roleArn, githubEnvironment: z.string().min(1) }).nullable(),
});

/** One deploy of a release: a stack, and the GitHub environment its deploy job runs in. */
const ReleaseTarget = z.object({
  stack: z.string().min(1),
  githubEnvironment: z.string().min(1),
  tier: z.enum(["non-production", "production"]),
});

/** The contract: the fields the workflows use (others, if any, are ignored). */
export const PipelineManifest = z.object({
  version: z.literal(1),
  project: z.string().min(1),
  github: z.object({
    repository: z.string().regex(/^[\w.-]+\/[\w.-]+$/),
    releaseBranch: z.string().min(1),
  }),
  image: z.object({
    region: z.string().min(1),
    registry: z.string().regex(/^\d{12}\.dkr\.ecr\.[a-z0-9-]+\.amazonaws\.com$/),
    repositoryName: z.string().min(1),
    repositoryUrl: z.string().min(1),
    publishRoleArn: roleArn,
    deployedTagPrefix: z.string().min(1),
    replicaRegions: z.array(z.string().regex(/^[a-z]{2}-[a-z]+-\d$/)),
  }),
  /** Every environment, in release order. */
  environments: z.array(z.string().min(1)).min(1),
  /** The deploy jobs of a release, in two waves; the matrices of release.yml. */
  release: z.object({
    nonProduction: z.array(ReleaseTarget).min(1),
    production: z.array(ReleaseTarget).min(1),
  }),
  /** The plan jobs of a pull request; the matrix of pull-request.yml. */
  planStacks: z.array(z.string().min(1)).min(1),
  /** By stack name: `state`, `shared` and one per environment. */
  stacks: z.object({ state: Stack, shared: Stack }).catchall(Stack),
});
export type PipelineManifest = z.infer<typeof PipelineManifest>;
export type StackName = keyof PipelineManifest["stacks"];
export type ReleaseTarget = z.infer<typeof ReleaseTarget>;

export interface LoadedManifest {
  readonly manifest: PipelineManifest;
  /** The file it was read from. */
  readonly file: string;
  /** Its text as a workflow step reads it. */
  readonly text: string;
}

/** `cdktf.out/pipeline.json` when it exists, else the fixture. */
export function loadPipelineManifest(): LoadedManifest {
  const file = existsSync(SYNTHESIZED_MANIFEST) ? SYNTHESIZED_MANIFEST : FIXTURE_MANIFEST;
  const text = readFileSync(file, "utf8");
  return { manifest: PipelineManifest.parse(JSON.parse(text)), file, text };
}
