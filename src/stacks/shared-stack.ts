import { TerraformOutput } from "cdktf";
import type { Construct } from "constructs";
import type { BackendConfig } from "../config/backend";
import type { PlatformConfig } from "../config/schema";
import { ImageRepository } from "../constructs/image-repository";
import { PlatformStack } from "./platform-stack";

/**
 * What every environment shares: the service's image repository (one image, promoted from
 * staging to prod). Environment stacks read its outputs by cross-stack reference.
 */
export class SharedStack extends PlatformStack {
  public readonly images: ImageRepository;

  constructor(scope: Construct, id: string, config: PlatformConfig, backend: BackendConfig) {
    const { project } = config;
    super(scope, id, {
      project: project.name,
      region: project.region,
      allowedAccountIds: project.sharedAccountIds,
      tags: { ...project.tags, Project: project.name, Environment: "shared", ManagedBy: "cdktf" },
      backend: { kind: "s3", config: backend },
    });
    const environmentAccounts = Object.values(config.environments).flatMap(
      (env) => env.allowedAccountIds,
    );
    this.images = new ImageRepository(this, "images", {
      name: `${project.name}/app`,
      pullAccountIds: [...new Set(environmentAccounts)].filter(
        (account) => !project.sharedAccountIds.includes(account),
      ),
    });
    new TerraformOutput(this, "repository_url", { value: this.images.repository.repositoryUrl });
  }
}
