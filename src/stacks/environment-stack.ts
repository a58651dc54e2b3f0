import type { EcrRepository } from "@cdktf/provider-aws/lib/ecr-repository";
import { TerraformOutput, TerraformVariable } from "cdktf";
import type { Construct } from "constructs";
import type { BackendConfig } from "../config/backend";
import type { EnvironmentConfig } from "../config/schema";
import { FargateService } from "../constructs/fargate-service";
import { LoadBalancer } from "../constructs/load-balancer";
import { Network } from "../constructs/network";
import { TrafficRule } from "../constructs/traffic-rule";
import { PlatformStack } from "./platform-stack";

/** Git SHAs (7 to 40 hex digits) or release versions such as v1.4.2; never a moving tag. */
export const IMAGE_TAG_PATTERN = "^([0-9a-f]{7,40}|v[0-9]+\\.[0-9]+\\.[0-9]+)$";

export interface SharedResources {
  /** The image repository of the `shared` stack; read by cross-stack reference. */
  readonly repository: EcrRepository;
}

/** One whole environment (`staging` or `prod`) in its own state. */
export class EnvironmentStack extends PlatformStack {
  public readonly imageTag: TerraformVariable;
  public readonly network: Network;
  public readonly loadBalancer: LoadBalancer;
  public readonly service: FargateService;

  constructor(
    scope: Construct,
    env: EnvironmentConfig,
    backend: BackendConfig,
    shared: SharedResources,
  ) {
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
    const { service: svc } = env;

    this.imageTag = new TerraformVariable(this, "image_tag", {
      type: "string",
      description:
        "The service image to run: a tag of the shared repository (the commit SHA CI pushed, or vX.Y.Z). " +
        "Changing it is a release: the plan replaces the task definition and updates the service, nothing else.",
      validation: [
        {
          condition: `\${can(regex("${IMAGE_TAG_PATTERN.replace(/\\/g, "\\\\")}", var.image_tag))}`,
          errorMessage:
            "image_tag must be a commit SHA (7-40 lower-case hex digits) or vX.Y.Z, never a moving tag such as latest.",
        },
      ],
    });

    this.network = new Network(this, "network", {
      namePrefix,
      region: env.region,
      cidr: env.network.cidr,
      availabilityZones: env.network.availabilityZones,
      subnetPrefixLengths: env.network.subnetPrefixLengths,
      natGateways: env.network.natGateways,
      servicePort: svc.containerPort,
      flowLogs: env.network.flowLogs,
    });

    this.loadBalancer = new LoadBalancer(this, "load-balancer", {
      namePrefix,
      region: env.region,
      vpcId: this.network.vpc.id,
      subnetIds: this.network.subnetIds("public"),
      targetPort: svc.containerPort,
      healthCheck: svc.healthCheck,
      deregistrationDelaySeconds: svc.deregistrationDelaySeconds,
      idleTimeoutSeconds: env.loadBalancer.idleTimeoutSeconds,
      deletionProtection: env.loadBalancer.deletionProtection,
      accessLogRetentionDays: env.loadBalancer.accessLogRetentionDays,
      tls: env.loadBalancer.tls,
      waf: env.loadBalancer.waf?.enabled ? env.loadBalancer.waf : undefined,
    });

    this.service = new FargateService(this, "service", {
      namePrefix,
      region: env.region,
      vpcId: this.network.vpc.id,
      subnetIds: this.network.subnetIds("private"),
      repositoryUrl: shared.repository.repositoryUrl,
      repositoryArn: shared.repository.arn,
      imageTag: this.imageTag.stringValue,
      containerPort: svc.containerPort,
      cpu: svc.cpu,
      memoryMiB: svc.memoryMiB,
      cpuArchitecture: svc.cpuArchitecture,
      desiredCount: svc.desiredCount,
      autoscaling: svc.autoscaling,
      deployment: svc.deployment,
      capacity: svc.capacity,
      stopTimeoutSeconds: svc.stopTimeoutSeconds,
      logRetentionDays: svc.logRetentionDays,
      targetGroupArn: this.loadBalancer.targetGroup.arn,
      listeners: this.loadBalancer.listeners,
      requestCountResourceLabel: `${this.loadBalancer.alb.arnSuffix}/${this.loadBalancer.targetGroup.arnSuffix}`,
    });

    new TrafficRule(this, "alb-to-service", {
      fromSecurityGroupId: this.loadBalancer.securityGroup.id,
      toSecurityGroupId: this.service.securityGroup.id,
      port: svc.containerPort,
      description: "Load balancer to the service tasks (requests and health checks)",
    });

    this.outputs(shared);
  }

  private outputs(shared: SharedResources): void {
    const output = (id: string, value: string, description: string) =>
      new TerraformOutput(this, id, { value, description });
    output("service_url", this.loadBalancer.url, "Where the service answers");
    output("alb_dns_name", this.loadBalancer.alb.dnsName, "The load balancer's DNS name");
    output("cluster_name", this.service.cluster.name, "The ECS cluster");
    output("service_name", this.service.service.name, "The ECS service");
    output(
      "ecr_repository_url",
      shared.repository.repositoryUrl,
      "The image repository (shared stack)",
    );
    new TerraformOutput(this, "vpc_id", { value: this.network.vpc.id });
    new TerraformOutput(this, "private_subnet_ids", { value: this.network.subnetIds("private") });
  }
}
