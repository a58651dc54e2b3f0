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
/** The workflow whose jobs assume the deploy roles (called by the release workflow). */
export const DEPLOY_WORKFLOW = ".github/workflows/deploy.yml";
/** The workflow whose jobs assume the publish role. */
export const RELEASE_WORKFLOW = ".github/workflows/release.yml";
/** Every CI role session but a deploy's lasts at most this long. */
export const CI_SESSION_SECONDS = 3600;
/**
 * A deploy role's session: two hours, because a first production apply can take an hour (below)
 * and its credentials must outlive the job's timeout (.github/workflows/deploy.yml, 90 minutes).
 * The state role the backend chains into lasts an hour, and the SDK renews it from this session.
 */
export const DEPLOY_SESSION_SECONDS = 7200;

/** The stack that holds CI's identity in an account other than the shared one. */
export const IDENTITY_STACK_PREFIX = "identity-";

/**
 * One stack per account other than the shared one that CI deploys to (`identity-<account id>`):
 * the GitHub OIDC provider, the CI roles and the boundary there, applied by that account's
 * administrator with that account's own credentials. The shared account's identity is in `shared`.
 */
export function identityStacks(config: PlatformConfig): string[] {
  const home = sharedAccount(config.project);
  return ciAccounts(config)
    .filter((account) => account !== home)
    .map((account) => `${IDENTITY_STACK_PREFIX}${account}`);
}

/** Stacks whose state is in the S3 bucket (the `state` stack's own state is local), in apply order. */
export function remoteStateStacks(config: PlatformConfig): string[] {
  return ["shared", ...identityStacks(config), ...Object.keys(config.environments)];
}

/** Stacks an administrator applies, never CI: `state`, `shared` and the identity stacks. */
export function isAdministeredStack(config: PlatformConfig, stack: StackName): boolean {
  return stack === "state" || stack === "shared" || identityStacks(config).includes(stack);
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

/** The environment a stack deploys; throws for `state`, `shared`, identity stacks and unknown names. */
export function environmentOf(config: PlatformConfig, stack: StackName): EnvironmentConfig {
  const env = Object.hasOwn(config.environments, stack) ? config.environments[stack] : undefined;
  if (env === undefined) throw new Error(`${stack} is not an environment`);
  return env;
}

/** The one account a stack runs in. */
export function stackAccount(config: PlatformConfig, stack: StackName): string {
  if (stack === "state" || stack === "shared") return sharedAccount(config.project);
  if (identityStacks(config).includes(stack)) return stack.slice(IDENTITY_STACK_PREFIX.length);
  return environmentOf(config, stack).allowedAccountIds[0]!;
}

/** The region a stack runs in. */
export function stackRegion(config: PlatformConfig, stack: StackName): string {
  return isAdministeredStack(config, stack)
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
    /**
     * Claims besides `sub` that a role's trust compares exactly (AWS STS's GitHub-specific
     * condition keys, `token.actions.githubusercontent.com:<claim>`): the branch the run is on
     * (`ref`) and the workflow file and ref the job comes from (`job_workflow_ref`). `sub` names
     * only the environment; these hold a deploy to the release branch's own deploy workflow even
     * if the environment's branch rule in GitHub's settings is missing.
     */
    claims: {
      deploy: {
        ref: `refs/heads/${github.releaseBranch}`,
        job_workflow_ref: `${repository}/${DEPLOY_WORKFLOW}@refs/heads/${github.releaseBranch}`,
      },
      publish: {
        ref: `refs/heads/${github.releaseBranch}`,
        job_workflow_ref: `${repository}/${RELEASE_WORKFLOW}@refs/heads/${github.releaseBranch}`,
      },
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
      ...Object.values(config.environments).map((env) => env.allowedAccountIds[0]!),
    ]),
  ];
}

/** The role administrators act as in `account` (`project.administratorRoleName`). */
export function administratorRoleArn(project: ProjectConfig, account: string): string {
  return arn.role(account, project.administratorRoleName);
}

/**
 * The one role besides the state roles that may touch every state object and lock item and change
 * the bucket's and table's policies: `project.stateBreakGlassRoleArn`, else the shared account's
 * administrator role.
 */
export function stateBreakGlassRoleArn(project: ProjectConfig): string {
  return project.stateBreakGlassRoleArn ?? administratorRoleArn(project, sharedAccount(project));
}

/**
 * The roles a stack's state role trusts, by ARN, and nothing else of their accounts:
 * - `write` of an environment: that environment's CI deploy role;
 * - `write` of `shared` or an identity stack: the administrator role of its account, which
 *   applies it (CI never does);
 * - `plan`: the CI plan role of the stack's account;
 * and always the administrator role of the stack's account (applies and plans by hand, in the
 * account it administers anyway) and the break-glass role.
 */
export function stateRoleTrustedPrincipals(
  config: PlatformConfig,
  stack: RemoteStateStack,
  access: StateAccess,
): string[] {
  const { project } = config;
  const account = stackAccount(config, stack);
  const names = ciNames(project);
  const ci =
    access === "plan"
      ? [arn.role(account, names.planRole)]
      : isAdministeredStack(config, stack)
        ? []
        : [arn.role(account, names.deployRole(stack))];
  return [
    ...new Set([...ci, administratorRoleArn(project, account), stateBreakGlassRoleArn(project)]),
  ];
}
