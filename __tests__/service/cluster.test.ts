import { EcsCluster } from "@cdktf/provider-aws/lib/ecs-cluster";
import { EcsClusterCapacityProviders } from "@cdktf/provider-aws/lib/ecs-cluster-capacity-providers";
import { Testing } from "cdktf";
import { describe, expect, it } from "vitest";
import { Cluster } from "../../src/service/cluster";
import { bareStack, resolved } from "../helpers";

describe("Cluster, built alone", () => {
  // GIVEN a bare stack WHEN a cluster is built with only its name
  const stack = bareStack();
  const cluster = new Cluster(stack, "cluster", { name: "orbit-test" });
  const synthesized = Testing.synth(stack);

  it("THEN it is one ECS cluster of that name with Container Insights, which alarms and backlog scaling read", () => {
    expect(synthesized).toHaveResourceWithProperties(EcsCluster, {
      name: "orbit-test",
      setting: [{ name: "containerInsights", value: "enabled" }],
    });
  });

  it("THEN it attaches both Fargate capacity providers, on-demand and Spot, to that cluster", () => {
    expect(synthesized).toHaveResourceWithProperties(EcsClusterCapacityProviders, {
      cluster_name: "${aws_ecs_cluster.cluster_cluster.name}",
      capacity_providers: ["FARGATE", "FARGATE_SPOT"],
    });
    // ...and the matcher does fail on a property the resource does not have.
    expect(synthesized).not.toHaveResourceWithProperties(EcsClusterCapacityProviders, {
      capacity_providers: ["FARGATE"],
    });
  });

  it("THEN it exposes the cluster and the capacity providers services must depend on", () => {
    expect(resolved(stack, cluster.cluster.arn)).toBe("${aws_ecs_cluster.cluster_cluster.arn}");
    expect(resolved(stack, cluster.capacityProviders.id)).toBe(
      "${aws_ecs_cluster_capacity_providers.cluster_capacity_providers.id}",
    );
  });
});
