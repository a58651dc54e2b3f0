import { App, TerraformOutput } from "cdktf";
import type { Construct } from "constructs";
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import type { BackendConfig } from "../config/backend";
import {
  accountRegions,
  arn,
  ciNames,
  githubEnvironment,
  imageRepository,
  remoteStateStacks,
  replicaRegions,
  sharedAccount,
  stackAccount,
  stateRoleArn,
} from "../config/names";
import { environmentAccounts, type PlatformConfig } from "../config/schema";
import { CiAccountIdentity } from "../ci-identity/ci-identity";
import { footprintOf, type StackFootprint } from "../ci-identity/footprint";
import { ImageRepository, replicateImages } from "../image-repository/image-repository";
import { EnvironmentStack } from "./environment-stack";
import { PlatformStack, projectStackProps } from "./platform-stack";

/** Each environment's footprint (resource types, services its roles trust), by environment name. */
export type EnvironmentFootprints = Readonly<Record<string, StackFootprint>>;

/** The footprints of built environment stacks, read from their construct trees. */
export function footprintsOf(stacks: Iterable<EnvironmentStack>): EnvironmentFootprints {
  return Object.fromEntries([...stacks].map((stack) => [stack.node.id, footprintOf(stack)]));
}

const memo = new Map<string, StackFootprint>();

/**
 * The footprints of the environment stacks of `config`, each built for that alone in a scratch
 * app: the shared stack's default when it is built without them (tests; `buildPlatform` passes
 * those of the stacks it builds). Memoized per environment: a stack is a function of its
 * environment's configuration and the backend.
 */
export function environmentFootprints(
  config: PlatformConfig,
  backend: BackendConfig,
): EnvironmentFootprints {
  return Object.fromEntries(
    Object.values(config.environments).map((env) => {
      const key = JSON.stringify([env, backend]);
      let footprint = memo.get(key);
      if (!footprint) {
        // An App creates its output directory when constructed; nothing is synthesized into it.
        const outdir = mkdtempSync(join(tmpdir(), "orbit-footprint-"));
        try {
          footprint = footprintOf(new EnvironmentStack(new App({ outdir }), env, backend));
        } finally {
          rmSync(outdir, { recursive: true, force: true });
        }
        memo.set(key, footprint);
      }
      return [env.name, footprint];
    }),
  );
}

/**
 * GitHub Actions' identity in `account` (`CiAccountIdentity`), built into `stack`, whose provider
 * acts in that account: the deploy roles of the environments there, the plan role and its state
 * roles, and beside the image repository the publish role.
 */
export function accountIdentity(
  stack: PlatformStack,
  config: PlatformConfig,
  backend: BackendConfig,
  footprints: EnvironmentFootprints,
  account: string,
): CiAccountIdentity {
  const { project } = config;
  const repository = imageRepository(project);
  const deployments = Object.values(config.environments)
    .filter((env) => stackAccount(config, env.name) === account)
    .map((env) => {
      const name = env.name;
      const footprint = footprints[name];
      if (!footprint) throw new Error(`${stack.node.id} was given no footprint of ${name}`);
      return {
        name,
        region: env.region,
        githubEnvironment: githubEnvironment(env),
        namePrefix: `${project.name}-${name}`,
        stateRoleArn: stateRoleArn(backend, name, "write"),
        hostedZoneId:
          env.loadBalancer.tls && "hostedZoneId" in env.loadBalancer.tls
            ? env.loadBalancer.tls.hostedZoneId
            : undefined,
        footprint,
      };
    });
  return new CiAccountIdentity(stack, `ci-${account}`, {
    provider: stack.provider,
    accountId: account,
    regions: accountRegions(config, account),
    names: ciNames(project),
    planStateRoleArns: remoteStateStacks(config)
      .filter((s) => stackAccount(config, s) === account)
      .map((s) => stateRoleArn(backend, s, "plan")),
    publishTo: account === repository.account ? { repositoryArn: repository.arn } : undefined,
    deployments,
    protectedRoleArnPatterns:
      account === backend.stateRole.accountId
        ? [arn.role(account, `${backend.stateRole.name}-*`)]
        : [],
  });
}

/** The roles GitHub Actions assumes in the stack's account, as an output. */
export function ciRoleOutput(stack: PlatformStack, ci: Record<string, CiAccountIdentity>): void {
  new TerraformOutput(stack, "ci_role_arns", {
    description: "The roles GitHub Actions assumes (cdktf.out/pipeline.json lists them per job)",
    value: Object.fromEntries(
      Object.entries(ci).flatMap(([account, identity]) => [
        [`${account}_plan`, identity.planRole.arn],
        ...(identity.publishRole ? [[`${account}_publish`, identity.publishRole.arn]] : []),
        ...Object.entries(identity.deployRoles).map(([env, role]) => [
          `${account}_deploy_${env}`,
          role.arn,
        ]),
      ]),
    ),
  });
}

/**
 * What every environment shares: the service's image repository (one image, promoted from
 * staging to prod), and GitHub Actions' identity in the shared account (see `CiAccountIdentity`).
 * Every other account's identity is in its own `identity-<account>` stack (`IdentityStack`), so
 * this stack acts in the shared account alone, with its credentials.
 *
 * Applied by an administrator, never by CI: no CI role may change CI's own identity.
 */
export class SharedStack extends PlatformStack {
  public readonly images: ImageRepository;
  /** The image's replicas in the other regions that run environments. */
  public readonly imageReplicas: readonly ImageRepository[];
  public readonly ci: Record<string, CiAccountIdentity> = {};

  /**
   * @param footprints what each environment stack holds, by environment name: its deploy role's
   *   permissions and its account's boundary are derived from it. Defaults to the footprints of
   *   the environment stacks `config` describes, built aside.
   */
  constructor(
    scope: Construct,
    id: string,
    config: PlatformConfig,
    backend: BackendConfig,
    footprints: EnvironmentFootprints = environmentFootprints(config, backend),
  ) {
    const { project } = config;
    super(
      scope,
      id,
      projectStackProps(project, project.region, { kind: "s3", config: backend, stack: "shared" }),
    );
    const repository = imageRepository(project);
    // Accounts other than the shared one that run environments in `region` pull there.
    const pullersIn = (region: string) =>
      environmentAccounts(config, region).filter(
        (account) => !project.sharedAccountIds.includes(account),
      );
    // The stacks whose every image is kept: the production-tier environments'.
    const lifecycle = {
      productionStacks: Object.values(config.environments)
        .filter((env) => env.tier === "production")
        .map((env) => env.name),
    };
    this.images = new ImageRepository(this, "images", {
      name: repository.name,
      pullAccountIds: pullersIn(project.region),
      lifecycle,
    });
    new TerraformOutput(this, "repository_url", { value: this.images.repository.repositoryUrl });
    // A task pulls from its own region: a NAT-less VPC cannot reach another region's registry
    // (endpoints are regional), and a same-region pull costs no transfer.
    const replicas = replicaRegions(config).map(
      (region) =>
        new ImageRepository(this, `images-${region}`, {
          name: repository.name,
          region,
          pullAccountIds: pullersIn(region),
          lifecycle,
        }),
    );
    this.imageReplicas = replicas;
    if (replicas.length > 0) {
      replicateImages(this, "image-replication", {
        registryId: repository.account,
        repositoryName: repository.name,
        replicas,
      });
    }

    const home = sharedAccount(project);
    this.ci[home] = accountIdentity(this, config, backend, footprints, home);
    ciRoleOutput(this, this.ci);
  }
}
