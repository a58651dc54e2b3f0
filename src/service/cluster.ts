import { EcsCluster } from "@cdktf/provider-aws/lib/ecs-cluster";
import { EcsClusterCapacityProviders } from "@cdktf/provider-aws/lib/ecs-cluster-capacity-providers";
import { Construct } from "constructs";

export interface ClusterProps {
  /** `<project>-<environment>`: the cluster's name. */
  readonly name: string;
}

/**
 * The environment's ECS cluster, shared by its services: Container Insights (the running-task
 * metrics that alarms and backlog scaling read) and the FARGATE and FARGATE_SPOT capacity
 * providers.
 *
 * Cost: the cluster is free; Container Insights ~$0.30 per custom metric per month.
 */
export class Cluster extends Construct {
  public readonly cluster: EcsCluster;
  /** Services depend on it: a capacity provider strategy needs the providers attached first. */
  public readonly capacityProviders: EcsClusterCapacityProviders;

  constructor(scope: Construct, id: string, props: ClusterProps) {
    super(scope, id);
    this.cluster = new EcsCluster(this, "cluster", {
      name: props.name,
      setting: [{ name: "containerInsights", value: "enabled" }],
    });
    this.capacityProviders = new EcsClusterCapacityProviders(this, "capacity-providers", {
      clusterName: this.cluster.name,
      capacityProviders: ["FARGATE", "FARGATE_SPOT"],
    });
  }
}
