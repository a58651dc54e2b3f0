import { TerraformOutput } from "cdktf";
import type { Construct } from "constructs";
import type { BackendConfig } from "../config/backend";
import { environmentAccounts, type PlatformConfig } from "../config/schema";
import { ImageRepository } from "../constructs/image-repository";
import { PlatformStack, projectStackProps } from "./platform-stack";

/**
 * What every environment shares: the service's image repository (one image, promoted from
 * staging to prod). Environment stacks read its outputs by cross-stack reference.
 */
export class SharedStack extends PlatformStack {
  public readonly images: ImageRepository;

  constructor(scope: Construct, id: string, config: PlatformConfig, backend: BackendConfig) {
    const { project } = config;
    super(scope, id, projectStackProps(project, project.region, { kind: "s3", config: backend }));
    this.images = new ImageRepository(this, "images", {
      name: `${project.name}/app`,
      pullAccountIds: environmentAccounts(config).filter(
        (account) => !project.sharedAccountIds.includes(account),
      ),
    });
    new TerraformOutput(this, "repository_url", { value: this.images.repository.repositoryUrl });
  }
}
