import { EcsService } from "@cdktf/provider-aws/lib/ecs-service";
import { EcsTaskDefinition } from "@cdktf/provider-aws/lib/ecs-task-definition";
import { AppautoscalingPolicy } from "@cdktf/provider-aws/lib/appautoscaling-policy";
import { AppautoscalingTarget } from "@cdktf/provider-aws/lib/appautoscaling-target";
import { Eip } from "@cdktf/provider-aws/lib/eip";
import { Instance } from "@cdktf/provider-aws/lib/instance";
import { NatGateway } from "@cdktf/provider-aws/lib/nat-gateway";
import { DbInstance } from "@cdktf/provider-aws/lib/db-instance";
import { describe, expect, it } from "vitest";
import { estimateStack, FREE, UnpricedError, PRICED_TYPES } from "../../src/cost/estimate";
import { HOURS_PER_MONTH, PRICES } from "../../src/cost/prices";
import { UsageSchema } from "../../src/cost/settings";
import { AWS_RESOURCE_TYPES } from "../../src/lib/aws-services";
import { PlatformStack } from "../../src/stacks/platform-stack";
import { Testing } from "cdktf";
import { bareStack, synth, type StackJson } from "../helpers";

const usage = UsageSchema.parse({});
const estimate = (json: StackJson, assumed = usage) =>
  estimateStack("test", json as never, assumed);
const eu = (sku: keyof typeof PRICES) => PRICES[sku].usd["eu-west-1"];
const cents = (usd: number) => Math.round(usd * 100) / 100;

/** GIVEN a bare stack in eu-west-1 with one NAT gateway and its Elastic IP. */
function natStack() {
  const stack = bareStack();
  const eip = new Eip(stack, "eip", { domain: "vpc" });
  new NatGateway(stack, "nat", { allocationId: eip.id, subnetId: "subnet-1" });
  return synth(stack);
}

/** GIVEN a Fargate service of `tasks` tasks of 0.5 vCPU / 1 GB with a capacity strategy. */
function fargateStack(tasks: number, strategy: { base: number; fargate: number; spot: number }) {
  const stack = bareStack();
  const definition = new EcsTaskDefinition(stack, "task", {
    family: "t",
    cpu: "512",
    memory: "1024",
    requiresCompatibilities: ["FARGATE"],
    networkMode: "awsvpc",
    containerDefinitions: "[]",
  });
  new EcsService(stack, "service", {
    name: "s",
    taskDefinition: definition.arn,
    desiredCount: tasks,
    capacityProviderStrategy: [
      { capacityProvider: "FARGATE", base: strategy.base, weight: strategy.fargate },
      { capacityProvider: "FARGATE_SPOT", weight: strategy.spot },
    ],
  });
  return synth(stack);
}

describe("the cost estimate of a synthesized stack", () => {
  it("prices one NAT gateway for 730 h at the table's hourly rate x 730, and its address likewise", () => {
    const result = estimate(natStack());
    const nat = result.items.filter((i) => i.address === "aws_nat_gateway.nat");
    expect(nat.find((i) => i.kind === "fixed")!.usd).toBeCloseTo(eu("natGatewayHour") * 730, 10);
    expect(HOURS_PER_MONTH).toBe(730);
    const ip = result.items.find((i) => i.address === "aws_eip.eip")!;
    expect(ip.usd).toBeCloseTo(eu("publicIpv4Hour") * 730, 10);
    expect(result.fixedUsd).toBe(cents((eu("natGatewayHour") + eu("publicIpv4Hour")) * 730));
  });

  it("prices the NAT gateway's traffic from the stated assumption, as usage, not as fixed cost", () => {
    const result = estimate(natStack(), { ...usage, natGigabytesPerMonth: 100 });
    const traffic = result.items.find(
      (i) => i.address === "aws_nat_gateway.nat" && i.kind === "usage",
    )!;
    expect(traffic.usd).toBeCloseTo(100 * eu("natGatewayGigabyte"), 10);
    expect(traffic.description).toContain("100 GB");
    expect(result.assumed).toContain("natGigabytesPerMonth");
  });

  it("fails loudly on a resource type the table does not know, naming it and where to add it", () => {
    const stack = bareStack();
    new Instance(stack, "vm", { ami: "ami-1", instanceType: "t3.micro" });
    expect(() => estimate(synth(stack))).toThrow(UnpricedError);
    expect(() => estimate(synth(stack))).toThrow(
      /aws_instance is neither priced nor listed as free/,
    );
  });

  it("refuses a region without a column instead of pricing it at 0", () => {
    const stack = new PlatformStack(Testing.app(), "test", {
      project: "orbit",
      region: "ap-south-2",
      allowedAccountIds: ["111111111111"],
      tags: {},
      backend: { kind: "local" },
    });
    new Eip(stack, "eip", { domain: "vpc" });
    expect(() => estimate(synth(stack))).toThrow(/region ap-south-2 has no column/);
  });

  it("refuses a database class without a row, naming the table to add it to", () => {
    const stack = bareStack();
    new DbInstance(stack, "db", {
      engine: "postgres",
      instanceClass: "db.x2g.16xlarge",
      allocatedStorage: 20,
      storageType: "gp3",
    });
    expect(() => estimate(synth(stack))).toThrow(
      /db\.x2g\.16xlarge has no row in DATABASE_INSTANCE_HOUR/,
    );
  });

  it("prices a Multi-AZ database as two instances and twice the storage", () => {
    const stack = bareStack();
    new DbInstance(stack, "db", {
      engine: "postgres",
      instanceClass: "db.t4g.micro",
      allocatedStorage: 20,
      storageType: "gp3",
      multiAz: true,
    });
    const fixed = estimate(synth(stack)).fixedUsd;
    expect(fixed).toBe(cents(2 * 730 * 0.018 + 2 * 20 * eu("databaseGp3GigabyteMonth")));
  });

  it("prices Fargate tasks on-demand or on Spot by the capacity provider strategy", () => {
    const vcpu = 0.5;
    const gb = 1;
    const onDemand = 730 * (vcpu * eu("fargateVcpuHour") + gb * eu("fargateGigabyteHour"));
    const spot = 730 * (vcpu * eu("fargateSpotVcpuHour") + gb * eu("fargateSpotGigabyteHour"));
    expect(estimate(fargateStack(2, { base: 0, fargate: 1, spot: 0 })).fixedUsd).toBe(
      cents(2 * onDemand),
    );
    expect(estimate(fargateStack(2, { base: 0, fargate: 0, spot: 1 })).fixedUsd).toBe(
      cents(2 * spot),
    );
    // One task on the base (on-demand), the other three split 1:2.
    expect(estimate(fargateStack(4, { base: 1, fargate: 1, spot: 2 })).fixedUsd).toBe(
      cents(2 * onDemand + 2 * spot),
    );
  });

  it("prices the two alarms a target-tracking policy makes, per metric its math reads", () => {
    const stack = bareStack();
    const policy = (id: string, configuration: Record<string, unknown>) =>
      new AppautoscalingPolicy(stack, id, {
        name: id,
        resourceId: "service/c/s",
        scalableDimension: "ecs:service:DesiredCount",
        serviceNamespace: "ecs",
        policyType: "TargetTrackingScaling",
        targetTrackingScalingPolicyConfiguration: { targetValue: 70, ...configuration },
      });
    policy("cpu", {
      predefinedMetricSpecification: { predefinedMetricType: "ECSServiceAverageCPUUtilization" },
    });
    policy("backlog", {
      customizedMetricSpecification: {
        metrics: [
          { id: "a", metricStat: { metric: { metricName: "A", namespace: "N" }, stat: "Sum" } },
          { id: "b", metricStat: { metric: { metricName: "B", namespace: "N" }, stat: "Sum" } },
          { id: "e", expression: "a / b", returnData: true },
        ],
      },
    });
    const result = estimate(synth(stack));
    expect(result.fixedUsd).toBe(cents((2 * 1 + 2 * 2) * eu("alarmMetricMonth")));
  });

  it("puts the tasks of a scale-out on Spot by the weights alone: the base is already running", () => {
    const json = fargateStack(1, { base: 1, fargate: 1, spot: 3 });
    const stack = bareStack();
    new AppautoscalingTarget(stack, "target", {
      maxCapacity: 5,
      minCapacity: 1,
      resourceId: "${aws_ecs_service.service.name}",
      scalableDimension: "ecs:service:DesiredCount",
      serviceNamespace: "ecs",
    });
    json.resource.aws_appautoscaling_target = synth(stack).resource.aws_appautoscaling_target!;
    const scaled = estimate(json, { ...usage, scaleOutHoursPerMonth: 100 }).items.filter(
      (i) => i.kind === "usage" && i.address === "aws_ecs_service.service",
    );
    // 4 extra tasks for 100 h: 1 on-demand, 3 on Spot.
    const vcpuHours = (kind: string) =>
      scaled
        .filter((i) => i.description.includes(`${kind} vCPU`))
        .reduce((a, i) => a + i.quantity, 0);
    expect(vcpuHours("on-demand")).toBeCloseTo(1 * 100 * 0.5, 6);
    expect(vcpuHours("Spot")).toBeCloseTo(3 * 100 * 0.5, 6);
  });

  it("groups line items by the construct they belong to", () => {
    const result = estimate(natStack());
    expect(Object.keys(result.byConcept)).toEqual(["stack"]);
    expect(result.byConcept.stack!.totalUsd).toBe(result.totalUsd);
  });

  it("knows every type the platform may deploy: each is priced or free with a reason", () => {
    const known = new Set([...PRICED_TYPES, ...Object.keys(FREE)]);
    const unknown = Object.keys(AWS_RESOURCE_TYPES).filter((type) => !known.has(type));
    expect(unknown).toEqual([]);
    for (const reason of Object.values(FREE)) expect(reason.length).toBeGreaterThan(3);
  });
});
