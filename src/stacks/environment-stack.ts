import { TerraformOutput } from "cdktf";
import type { Construct } from "constructs";
import type { BackendConfig } from "../config/backend";
import type { EnvironmentConfig } from "../config/schema";
import { Network } from "../constructs/network";
import { PlatformStack } from "./platform-stack";

/** One whole environment (`staging` or `prod`) in its own state. */
export class EnvironmentStack extends PlatformStack {
  public readonly network: Network;

  constructor(scope: Construct, env: EnvironmentConfig, backend: BackendConfig) {
    super(scope, env.name, {
      project: env.project.name,
      region: env.region,
      allowedAccountIds: env.allowedAccountIds,
      tags: {
        ...env.project.tags,
        ...env.tags,
        Project: env.project.name,
        Environment: env.name,
        ManagedBy: "cdktf",
      },
      backend: { kind: "s3", config: backend },
    });
    const namePrefix = `${env.project.name}-${env.name}`;

    this.network = new Network(this, "network", {
      namePrefix,
      region: env.region,
      cidr: env.network.cidr,
      availabilityZones: env.network.availabilityZones,
      subnetPrefixLengths: env.network.subnetPrefixLengths,
      natGateways: env.network.natGateways,
      servicePort: env.service.containerPort,
      flowLogs: env.network.flowLogs,
    });

    new TerraformOutput(this, "vpc_id", { value: this.network.vpc.id });
    new TerraformOutput(this, "public_subnet_ids", { value: this.network.subnetIds("public") });
    new TerraformOutput(this, "private_subnet_ids", { value: this.network.subnetIds("private") });
    new TerraformOutput(this, "isolated_subnet_ids", { value: this.network.subnetIds("isolated") });
  }
}
