import { AwsProvider } from "@cdktf/provider-aws/lib/provider";
import { TerraformOutput, TerraformVariable } from "cdktf";
import type { Construct } from "constructs";
import type { BackendConfig } from "../config/backend";
import {
  accountRoleVariable,
  arn,
  ciAccounts,
  ciNames,
  githubEnvironment,
  imageRepository,
  REMOTE_STATE_STACKS,
  sharedAccount,
  stackAccount,
  stateRoleArn,
} from "../config/names";
import { ENVIRONMENT_NAMES, environmentAccounts, type PlatformConfig } from "../config/schema";
import { CiAccountIdentity } from "../constructs/ci-identity";
import { ImageRepository } from "../constructs/image-repository";
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
  public readonly ci: Record<string, CiAccountIdentity> = {};

  constructor(scope: Construct, id: string, config: PlatformConfig, backend: BackendConfig) {
    const { project } = config;
    super(
      scope,
      id,
      projectStackProps(project, project.region, { kind: "s3", config: backend, stack: "shared" }),
    );
    const repository = imageRepository(project);
    this.images = new ImageRepository(this, "images", {
      name: repository.name,
      pullAccountIds: environmentAccounts(config).filter(
        (account) => !project.sharedAccountIds.includes(account),
      ),
    });
    new TerraformOutput(this, "repository_url", { value: this.images.repository.repositoryUrl });

    const names = ciNames(project);
    const home = sharedAccount(project);
    const accounts = ciAccounts(config);
    const planRoleOf = (account: string) => arn.role(account, names.planRole);
    for (const account of accounts) {
      const provider = account === home ? this.provider : this.accountProvider(config, account);
      const deployments = ENVIRONMENT_NAMES.filter(
        (name) => stackAccount(config, name) === account,
      ).map((name) => {
        const env = config.environments[name];
        return {
          name,
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
        region: project.region,
        names,
        planStateRoleArns: REMOTE_STATE_STACKS.filter(
          (stack) => stackAccount(config, stack) === account,
        ).map((stack) => stateRoleArn(backend, stack, "plan")),
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
