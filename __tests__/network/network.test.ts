import { FlowLog } from "@cdktf/provider-aws/lib/flow-log";
import { CloudwatchLogGroup } from "@cdktf/provider-aws/lib/cloudwatch-log-group";
import { NatGateway } from "@cdktf/provider-aws/lib/nat-gateway";
import { Vpc } from "@cdktf/provider-aws/lib/vpc";
import { VpcEndpoint } from "@cdktf/provider-aws/lib/vpc-endpoint";
import { Testing } from "cdktf";
import { describe, expect, it } from "vitest";
import { SubnetPlanError } from "../../src/lib/subnet-plan";
import { Network, type NetworkProps } from "../../src/network/network";
import { NetworkSchema } from "../../src/network/settings";
import { bareStack, resolved, resourcesOf, synth } from "../helpers";

const defaults = NetworkSchema.parse({});

/** GIVEN a bare stack WHEN a network is built with minimal props, `props` overriding them. */
function network(props: Partial<NetworkProps> = {}) {
  const stack = bareStack();
  const construct = new Network(stack, "network", {
    namePrefix: "orbit-test",
    region: "eu-west-1",
    accountId: "111111111111",
    cidr: "10.0.0.0/16",
    availabilityZones: ["eu-west-1a", "eu-west-1b"],
    subnetPrefixLengths: defaults.subnetPrefixLengths,
    natGateways: "single",
    servicePorts: [8080],
    flowLogs: defaults.flowLogs,
    ...props,
  });
  return { stack, network: construct, json: synth(stack), text: Testing.synth(stack) };
}

const cidrsOf = (json: ReturnType<typeof synth>, tier: string) =>
  Object.entries(resourcesOf(json, "aws_subnet"))
    .filter(([name]) => name.startsWith(`network_${tier}_`))
    .map(([, subnet]) => [subnet.availability_zone, subnet.cidr_block]);

describe("Network, built alone", () => {
  describe("GIVEN two zones and one NAT gateway", () => {
    const built = network();

    it("THEN one VPC of the range, with the DNS that private endpoints need", () => {
      expect(built.text).toHaveResourceWithProperties(Vpc, {
        cidr_block: "10.0.0.0/16",
        enable_dns_support: true,
        enable_dns_hostnames: true,
      });
    });

    it("THEN a public, a private and an isolated subnet in each zone, from the subnet plan", () => {
      for (const tier of ["public", "private", "isolated"] as const) {
        const planned = built.network.plan[tier].map((s) => [s.availabilityZone, s.cidr]);
        expect(planned).toHaveLength(2);
        expect(cidrsOf(built.json, tier)).toEqual(planned);
      }
      expect(built.network.subnets.private).toHaveLength(2);
    });

    it("THEN one NAT gateway and no VPC endpoint", () => {
      expect(Object.keys(resourcesOf(built.json, "aws_nat_gateway"))).toHaveLength(1);
      expect(built.network.natGateways).toHaveLength(1);
      expect(built.text).not.toHaveResource(VpcEndpoint);
      expect(built.network.endpoints).toBeUndefined();
    });

    it("THEN flow logs of all traffic to a log group kept 30 days", () => {
      expect(built.text).toHaveResourceWithProperties(FlowLog, { traffic_type: "ALL" });
      expect(built.text).toHaveResourceWithProperties(CloudwatchLogGroup, {
        retention_in_days: 30,
      });
    });

    it("THEN it exposes the VPC, the subnets by tier and the flow log group to wire", () => {
      expect(resolved(built.stack, built.network.vpc.id)).toBe("${aws_vpc.network_vpc.id}");
      expect(Object.keys(built.network.subnets).sort()).toEqual(["isolated", "private", "public"]);
      expect(Object.keys(built.network.networkAcls).sort()).toEqual([
        "isolated",
        "private",
        "public",
      ]);
    });

    it("THEN without a database port, no NACL rule admits 5432", () => {
      expect(
        Object.values(built.network.naclRules)
          .flat()
          .filter((r) => r.fromPort === 5432),
      ).toEqual([]);
    });
  });

  it("GIVEN a database port THEN the private and isolated NACLs admit it", () => {
    const { network: built } = network({ databasePort: 5432 });
    expect(built.naclRules.isolated.some((r) => r.fromPort === 5432 && !r.egress)).toBe(true);
    expect(built.naclRules.private.some((r) => r.fromPort === 5432 && r.egress)).toBe(true);
  });

  it("GIVEN NAT per AZ and three zones THEN one NAT gateway per zone", () => {
    const { text, network: built } = network({
      natGateways: "perAz",
      availabilityZones: ["eu-west-1a", "eu-west-1b", "eu-west-1c"],
    });
    expect(built.natGateways).toHaveLength(3);
    expect(text).toHaveResourceWithProperties(NatGateway, {
      subnet_id: "${aws_subnet.network_public_c.id}",
    });
  });

  it("GIVEN no NAT THEN no NAT gateway, and the endpoints asked for, in the private subnets", () => {
    const { json, network: built } = network({
      natGateways: "none",
      endpointServices: ["ecr.api", "ecr.dkr", "logs", "s3"],
    });
    expect(resourcesOf(json, "aws_nat_gateway")).toEqual({});
    expect(built.endpoints).toBeDefined();
    const services = Object.values(resourcesOf(json, "aws_vpc_endpoint")).map(
      (e) => e.service_name,
    );
    expect(services.sort()).toEqual(
      ["ecr.api", "ecr.dkr", "logs", "s3"].map((s) => `com.amazonaws.eu-west-1.${s}`).sort(),
    );
  });

  it("GIVEN a flow log retention THEN the log group keeps them that long", () => {
    const { text } = network({ flowLogs: { ...defaults.flowLogs, retentionDays: 90 } });
    expect(text).toHaveResourceWithProperties(CloudwatchLogGroup, { retention_in_days: 90 });
  });

  it("refuses a range too small for its subnets, naming the prefix lengths", () => {
    expect(() => network({ cidr: "10.0.0.0/24" })).toThrow(SubnetPlanError);
  });
});
