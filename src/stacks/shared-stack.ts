import { AwsProvider } from "@cdktf/provider-aws/lib/provider";
import { TerraformOutput, TerraformVariable } from "cdktf";
import type { Construct } from "constructs";
import type { BackendConfig } from "../config/backend";
import {
  accountRegions,
  accountRoleVariable,
  arn,
  ciAccounts,
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
import { ImageRepository, replicateImages } from "../image-repository/image-repository";
import { PlatformStack, projectStackProps } from "./platform-stack";

/**
 * What every environment shares: the service's image repository (one image, promoted from
 * staging to prod), and GitHub Actions' identity in every account CI touches (see
 * `CiAccountIdentity`). In accounts other than the shared one, it acts through a provider that
 * assumes `project.accountAccessRoleName` there (a Terraform variable per account, so CI plans can
 * substitute their read-only role).
 *
 * Applied by an administrator, never by CI: no CI role may change CI's own identity.
 */
export class SharedStack extends PlatformStack {
  public readonly images: ImageRepository;
  /** The image's replicas in the other regions that run environments. */
  public readonly imageReplicas: readonly ImageRepository[];
  public readonly ci: Record<string, CiAccountIdentity> = {};

  constructor(scope: Construct, id: string, config: PlatformConfig, backend: BackendConfig) {
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
    this.images = new ImageRepository(this, "images", {
      name: repository.name,
      pullAccountIds: pullersIn(project.region),
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

    const names = ciNames(project);
    const home = sharedAccount(project);
    const accounts = ciAccounts(config);
    const planRoleOf = (account: string) => arn.role(account, names.planRole);
    for (const account of accounts) {
      const provider = account === home ? this.provider : this.accountProvider(config, account);
      const deployments = Object.values(config.environments)
        .filter((env) => stackAccount(config, env.name) === account)
        .map((env) => {
          const name = env.name;
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
          };
        });
      this.ci[account] = new CiAccountIdentity(this, `ci-${account}`, {
        provider,
        accountId: account,
        regions: accountRegions(config, account),
        names,
        planStateRoleArns: remoteStateStacks(config)
          .filter((stack) => stackAccount(config, stack) === account)
          .map((stack) => stateRoleArn(backend, stack, "plan")),
        chainedPlanRoleArns:
          account === home ? accounts.filter((a) => a !== home).map(planRoleOf) : [],
        trustedPlanRole: account === home ? undefined : this.ci[home]!.planRole,
        publishTo: account === repository.account ? { repositoryArn: repository.arn } : undefined,
        deployments,
        protectedRoleArnPatterns:
          account === backend.stateRole.accountId
            ? [arn.role(account, `${backend.stateRole.name}-*`)]
            : [],
      });
    }
    new TerraformOutput(this, "ci_role_arns", {
      description: "The roles GitHub Actions assumes (cdktf.out/pipeline.json lists them per job)",
      value: Object.fromEntries(
        Object.entries(this.ci).flatMap(([account, ci]) => [
          [`${account}_plan`, ci.planRole.arn],
          ...(ci.publishRole ? [[`${account}_publish`, ci.publishRole.arn]] : []),
          ...Object.entries(ci.deployRoles).map(([env, role]) => [
            `${account}_deploy_${env}`,
            role.arn,
          ]),
        ]),
      ),
    });
  }

  /** A provider acting in another account through a role there that an administrator may assume. */
  private accountProvider(config: PlatformConfig, account: string): AwsProvider {
    const { project } = config;
    const roleArn = new TerraformVariable(this, accountRoleVariable(account), {
      type: "string",
      default: arn.role(account, project.accountAccessRoleName),
      description: `The role the shared stack assumes in account ${account}. CI plans pass their read-only plan role there.`,
    });
    return new AwsProvider(this, `aws-${account}`, {
      alias: `account_${account}`,
      region: project.region,
      allowedAccountIds: [account],
      assumeRole: [{ roleArn: roleArn.stringValue, sessionName: `${project.name}-shared-stack` }],
      defaultTags: [
        {
          tags: {
            ...project.tags,
            Project: project.name,
            Environment: "shared",
            ManagedBy: "cdktf",
          },
        },
      ],
    });
  }
}
