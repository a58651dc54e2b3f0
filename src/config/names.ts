/**
 * Names and ARNs that follow from the configuration alone: the image repository, the CI roles,
 * the permissions boundary and the per-stack state roles. The stacks that create these, the
 * stacks and workflows that use them, the pipeline manifest and the tests all derive them here,
 * so they cannot drift apart.
 */
import type { BackendConfig } from "./backend";
import type { EnvironmentConfig, PlatformConfig, ProjectConfig } from "./schema";

/** GitHub Actions' OIDC issuer (no scheme), as IAM condition keys spell it. */
export const GITHUB_OIDC_HOST = "token.actions.githubusercontent.com";
/** The audience `aws-actions/configure-aws-credentials` requests, and the only one trusted. */
export const GITHUB_OIDC_AUDIENCE = "sts.amazonaws.com";
/** Every CI role session lasts at most this long. */
export const CI_SESSION_SECONDS = 3600;

/** Stacks whose state is in the S3 bucket (the `state` stack's own state is local). */
export function remoteStateStacks(config: PlatformConfig): string[] {
  return ["shared", ...Object.keys(config.environments)];
}
/** `shared` or an environment's name. */
export type RemoteStateStack = string;
/** `state`, `shared` or an environment's name. */
export type StackName = string;

/** `write`: read, write and lock one stack's state (apply). `plan`: read it and take its lock. */
export type StateAccess = "write" | "plan";

export const arn = {
  role: (account: string, name: string) => `arn:aws:iam::${account}:role/${name}`,
  policy: (account: string, name: string) => `arn:aws:iam::${account}:policy/${name}`,
  oidcProvider: (account: string) => `arn:aws:iam::${account}:oidc-provider/${GITHUB_OIDC_HOST}`,
};

/** The account of the shared stack (and of the state bucket, image repository and state roles). */
export function sharedAccount(project: ProjectConfig): string {
  return project.sharedAccountIds[0]!;
}

/** The environment a stack deploys; throws for `state`, `shared` and unknown names. */
export function environmentOf(config: PlatformConfig, stack: StackName): EnvironmentConfig {
  const env = Object.hasOwn(config.environments, stack) ? config.environments[stack] : undefined;
  if (env === undefined) throw new Error(`${stack} is not an environment`);
  return env;
}

/** The one account a stack runs in. */
export function stackAccount(config: PlatformConfig, stack: StackName): string {
  return stack === "state" || stack === "shared"
    ? sharedAccount(config.project)
    : environmentOf(config, stack).allowedAccountIds[0]!;
}

/** The region a stack runs in. */
export function stackRegion(config: PlatformConfig, stack: StackName): string {
  return stack === "state" || stack === "shared"
    ? config.project.region
    : environmentOf(config, stack).region;
}

/** The regions the environments in `account` run in, the project's region first if among them. */
export function accountRegions(config: PlatformConfig, account: string): string[] {
  const regions = Object.values(config.environments)
    .filter((env) => env.allowedAccountIds.includes(account))
    .map((env) => env.region);
  if (account === sharedAccount(config.project)) regions.unshift(config.project.region);
  return [...new Set(regions)];
}

/**
 * The service image's repository in the shared account, addressed without reading its state. In
 * `region` other than the project's, the replica the shared stack replicates every push to.
 */
export function imageRepository(project: ProjectConfig, region: string = project.region) {
  const account = sharedAccount(project);
  const name = `${project.name}/app`;
  const registry = `${account}.dkr.ecr.${region}.amazonaws.com`;
  return {
    name,
    account,
    region,
    registry,
    url: `${registry}/${name}`,
    arn: `arn:aws:ecr:${region}:${account}:repository/${name}`,
  };
}

/** The regions other than the project's that run an environment: the image's replicas. */
export function replicaRegions(config: PlatformConfig): string[] {
  const regions = Object.values(config.environments).map((env) => env.region);
  return [...new Set(regions)].filter((region) => region !== config.project.region).sort();
}

/** The names of the CI identity. Roles have the same names in every account they exist in. */
export function ciNames(project: ProjectConfig) {
  const { name, github } = project;
  const repository = `${github.owner}/${github.repository}`;
  return {
    repository,
    planRole: `${name}-github-plan`,
    publishRole: `${name}-github-publish`,
    deployRole: (env: string) => `${name}-github-deploy-${env}`,
    /** Matches every CI role, for the boundary's "hands off" statement. */
    rolePattern: `${name}-github-*`,
    boundaryPolicy: `${name}-ci-boundary`,
    /** The exact OIDC `sub` claim of each kind of job. */
    subject: {
      pullRequest: `repo:${repository}:pull_request`,
      releaseBranch: `repo:${repository}:ref:refs/heads/${github.releaseBranch}`,
      environment: (githubEnvironment: string) =>
        `repo:${repository}:environment:${githubEnvironment}`,
    },
  };
}

/** The GitHub environment whose jobs may deploy `env`. */
export function githubEnvironment(env: EnvironmentConfig): string {
  return env.githubEnvironment ?? env.name;
}

/**
 * The state role a stack's backend assumes: `<backend.tf.json role name>-<stack>` for `write`,
 * with `-plan` appended for `plan`. Each may touch one stack's state object and lock, nothing else.
 */
export function stateRoleName(
  backend: BackendConfig,
  stack: RemoteStateStack,
  access: StateAccess,
) {
  return `${backend.stateRole.name}-${stack}${access === "plan" ? "-plan" : ""}`;
}

export function stateRoleArn(backend: BackendConfig, stack: RemoteStateStack, access: StateAccess) {
  return arn.role(backend.stateRole.accountId, stateRoleName(backend, stack, access));
}

/** Each stack's state object in the shared bucket. */
export function stateKey(project: string, stack: string): string {
  return `${project}/${stack}.tfstate`;
}

/** The accounts that hold CI identity: the shared account first, then the environments'. */
export function ciAccounts(config: PlatformConfig): string[] {
  return [
    ...new Set([
      sharedAccount(config.project),
      ...Object.keys(config.environments).map((name) => stackAccount(config, name)),
    ]),
  ];
}

/** The Terraform variable of the shared stack that names the role it assumes in `account`. */
export function accountRoleVariable(account: string): string {
  return `account_role_arn_${account}`;
}
