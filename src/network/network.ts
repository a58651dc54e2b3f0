import { CloudwatchLogGroup } from "@cdktf/provider-aws/lib/cloudwatch-log-group";
import { DefaultNetworkAcl } from "@cdktf/provider-aws/lib/default-network-acl";
import { DefaultRouteTable } from "@cdktf/provider-aws/lib/default-route-table";
import { DefaultSecurityGroup } from "@cdktf/provider-aws/lib/default-security-group";
import { Eip } from "@cdktf/provider-aws/lib/eip";
import { FlowLog } from "@cdktf/provider-aws/lib/flow-log";
import { IamRole } from "@cdktf/provider-aws/lib/iam-role";
import { IamRolePolicy } from "@cdktf/provider-aws/lib/iam-role-policy";
import { InternetGateway } from "@cdktf/provider-aws/lib/internet-gateway";
import { NatGateway } from "@cdktf/provider-aws/lib/nat-gateway";
import { NetworkAcl, type NetworkAclIngress } from "@cdktf/provider-aws/lib/network-acl";
import { Route } from "@cdktf/provider-aws/lib/route";
import { RouteTable } from "@cdktf/provider-aws/lib/route-table";
import { RouteTableAssociation } from "@cdktf/provider-aws/lib/route-table-association";
import { Subnet } from "@cdktf/provider-aws/lib/subnet";
import { Vpc } from "@cdktf/provider-aws/lib/vpc";
import { Construct } from "constructs";
import type { NatMode } from "./settings";
import { policyDocument, serviceTrustPolicy } from "../lib/iam";
import { naclRules, type NaclRule } from "../lib/nacl";
import { planSubnets, type SubnetPlan, type Tier } from "../lib/subnet-plan";
import { splitEndpoints, TASK_ENDPOINTS, VpcEndpoints } from "./vpc-endpoints";

export interface NetworkProps {
  /** Prefix of every name and `Name` tag, e.g. `orbit-prod`. */
  readonly namePrefix: string;
  /** The region, for the endpoints' service names and the flow log role's source ARN. */
  readonly region: string;
  /** The account, for the flow log role's trust policy. */
  readonly accountId: string;
  readonly cidr: string;
  /** 2 or 3 AZ names of `region`. */
  readonly availabilityZones: readonly string[];
  readonly subnetPrefixLengths: Readonly<Record<Tier, number>>;
  /** See `NatMode`; `none` creates the VPC endpoints instead. */
  readonly natGateways: NatMode;
  /** The public services' container ports, opened by the NACLs from the public to the private subnets. */
  readonly servicePorts: readonly number[];
  /**
   * The database port, opened by the NACLs from the private to the isolated subnets.
   * @default - none: the environment has no database
   */
  readonly databasePort?: number;
  readonly flowLogs: {
    /**
     * Encrypts the flow log group.
     * @default - CloudWatch's own encryption
     */
    readonly kmsKeyArn?: string;
    readonly retentionDays: number;
    readonly trafficType: string;
    readonly maxAggregationIntervalSeconds: number;
  };
  /**
   * The AWS services the tasks call, as endpoint service names after `com.amazonaws.<region>.`:
   * when `natGateways` is `none`, exactly these get an endpoint (interface, or gateway for `s3`
   * and `dynamodb`), and nothing else is reachable. See `requiredEndpoints`.
   * @default - what every Fargate task needs: `ecr.api`, `ecr.dkr`, `logs`, `s3`
   */
  readonly endpointServices?: readonly string[];
}

/**
 * A VPC over two or three AZs with three subnet tiers:
 * - public: the load balancer and NAT gateways; routes to the internet gateway;
 * - private: the Fargate tasks; egress through NAT gateways or, with none, VPC endpoints;
 * - isolated: the database; no route beyond the VPC.
 *
 * Each tier has a network ACL that admits only the flows of the traffic matrix, the default
 * security group, NACL and route table are stripped of every rule, and all traffic is recorded
 * in VPC flow logs.
 *
 * Cost per month (us-east-1 / eu-west-1 list prices, 730 h): the VPC, subnets, route tables and
 * NACLs are free. Each NAT gateway is ~$33 plus $0.045 per GB processed, so `single` is ~$33 and
 * `perAz` ~$66 (2 AZs) or ~$99 (3 AZs) before traffic. `none` costs nothing for NAT but each
 * interface endpoint is ~$7.30 per AZ plus $0.01 per GB: the five defaults are ~$73 in 2 AZs and
 * ~$110 in 3 AZs; the environment stack adds SQS and SNS (seven: ~$102 / ~$153). Gateway
 * endpoints (S3, DynamoDB) are free. Flow logs cost $0.50 per GB ingested plus storage.
 */
export class Network extends Construct {
  public readonly vpc: Vpc;
  public readonly plan: SubnetPlan;
  public readonly subnets: Readonly<Record<Tier, readonly Subnet[]>>;
  public readonly internetGateway: InternetGateway;
  public readonly natGateways: readonly NatGateway[];
  public readonly routeTables: Readonly<Record<Tier, readonly RouteTable[]>>;
  public readonly networkAcls: Readonly<Record<Tier, NetworkAcl>>;
  public readonly naclRules: Readonly<Record<Tier, readonly NaclRule[]>>;
  public readonly flowLogGroup: CloudwatchLogGroup;
  /** Present exactly when `natGateways` is `none`. */
  public readonly endpoints?: VpcEndpoints;

  constructor(
    scope: Construct,
    id: string,
    private readonly props: NetworkProps,
  ) {
    super(scope, id);
    this.plan = planSubnets({
      vpcCidr: props.cidr,
      availabilityZones: props.availabilityZones,
      prefixLengths: props.subnetPrefixLengths,
    });

    this.vpc = this.createVpc();
    this.stripDefaults();
    this.subnets = this.createSubnets();
    this.internetGateway = new InternetGateway(this, "igw", {
      vpcId: this.vpc.id,
      tags: this.name("igw"),
    });
    this.natGateways = this.createNatGateways();
    this.routeTables = this.createRouteTables();
    this.naclRules = naclRules({
      subnetCidrs: this.cidrsByTier(),
      servicePorts: props.servicePorts,
      databasePort: props.databasePort,
      natEnabled: props.natGateways !== "none",
      interfaceEndpoints: props.natGateways === "none",
    });
    this.networkAcls = this.createNetworkAcls();
    this.flowLogGroup = this.createFlowLogs();
    if (props.natGateways === "none") {
      this.endpoints = new VpcEndpoints(this, "endpoints", {
        namePrefix: props.namePrefix,
        region: props.region,
        vpcId: this.vpc.id,
        vpcCidr: props.cidr,
        subnetIds: this.subnets.private.map((s) => s.id),
        routeTableIds: this.routeTables.private.map((t) => t.id),
        ...splitEndpoints(props.endpointServices ?? TASK_ENDPOINTS),
      });
    }
  }

  private name(suffix: string): Record<string, string> {
    return { Name: `${this.props.namePrefix}-${suffix}` };
  }

  /** `eu-west-1a` -> `a`: construct ids follow the AZ, not its position, so they stay stable. */
  private static zoneSuffix(zone: string): string {
    return zone.slice(-1);
  }

  private cidrsByTier(): Record<Tier, string[]> {
    return {
      public: this.plan.public.map((s) => s.cidr),
      private: this.plan.private.map((s) => s.cidr),
      isolated: this.plan.isolated.map((s) => s.cidr),
    };
  }

  private createVpc(): Vpc {
    return new Vpc(this, "vpc", {
      cidrBlock: this.props.cidr,
      enableDnsSupport: true,
      enableDnsHostnames: true,
      tags: this.name("vpc"),
    });
  }

  /** The VPC's defaults allow traffic; take every rule away so nothing can use them by accident. */
  private stripDefaults(): void {
    new DefaultSecurityGroup(this, "default-sg", {
      vpcId: this.vpc.id,
      tags: this.name("default-do-not-use"),
    });
    new DefaultNetworkAcl(this, "default-nacl", {
      defaultNetworkAclId: this.vpc.defaultNetworkAclId,
      tags: this.name("default-do-not-use"),
      // Every subnet is associated with a tier ACL; this keeps Terraform from fighting over them.
      lifecycle: { ignoreChanges: ["subnet_ids"] },
    });
    new DefaultRouteTable(this, "default-rt", {
      defaultRouteTableId: this.vpc.defaultRouteTableId,
      route: [],
      tags: this.name("default-do-not-use"),
    });
  }

  private createSubnets(): Record<Tier, Subnet[]> {
    const create = (tier: Tier) =>
      this.plan[tier].map(
        (planned) =>
          new Subnet(this, `${tier}-${Network.zoneSuffix(planned.availabilityZone)}`, {
            vpcId: this.vpc.id,
            cidrBlock: planned.cidr,
            availabilityZone: planned.availabilityZone,
            // Nothing here gets a public IP by default, not even in the public tier: the ALB and
            // NAT gateways bring their own addresses.
            mapPublicIpOnLaunch: false,
            tags: {
              ...this.name(`${tier}-${Network.zoneSuffix(planned.availabilityZone)}`),
              Tier: tier,
            },
          }),
      );
    return { public: create("public"), private: create("private"), isolated: create("isolated") };
  }

  private createNatGateways(): NatGateway[] {
    const count = { none: 0, single: 1, perAz: this.subnets.public.length }[this.props.natGateways];
    return this.subnets.public.slice(0, count).map((subnet, i) => {
      const suffix = Network.zoneSuffix(this.plan.public[i]!.availabilityZone);
      const eip = new Eip(this, `nat-eip-${suffix}`, {
        domain: "vpc",
        tags: this.name(`nat-${suffix}`),
        dependsOn: [this.internetGateway],
      });
      return new NatGateway(this, `nat-${suffix}`, {
        allocationId: eip.allocationId,
        subnetId: subnet.id,
        tags: this.name(`nat-${suffix}`),
        dependsOn: [this.internetGateway],
      });
    });
  }

  private createRouteTables(): Record<Tier, RouteTable[]> {
    const table = (id: string, subnets: readonly Subnet[], suffixes: readonly string[]) => {
      const rt = new RouteTable(this, `${id}-rt`, { vpcId: this.vpc.id, tags: this.name(`${id}`) });
      subnets.forEach(
        (subnet, i) =>
          new RouteTableAssociation(this, `${id}-rta-${suffixes[i]}`, {
            subnetId: subnet.id,
            routeTableId: rt.id,
          }),
      );
      return rt;
    };
    const suffixes = (tier: Tier) =>
      this.plan[tier].map((s) => Network.zoneSuffix(s.availabilityZone));

    const publicTable = table("public", this.subnets.public, suffixes("public"));
    new Route(this, "public-default-route", {
      routeTableId: publicTable.id,
      destinationCidrBlock: "0.0.0.0/0",
      gatewayId: this.internetGateway.id,
    });

    // One private table per AZ, so `perAz` keeps each AZ's egress in its own AZ.
    const privateTables = this.subnets.private.map((subnet, i) => {
      const suffix = suffixes("private")[i]!;
      const rt = table(`private-${suffix}`, [subnet], [suffix]);
      const nat = this.natGateways[Math.min(i, this.natGateways.length - 1)];
      if (nat) {
        new Route(this, `private-${suffix}-default-route`, {
          routeTableId: rt.id,
          destinationCidrBlock: "0.0.0.0/0",
          natGatewayId: nat.id,
        });
      }
      return rt;
    });

    // The isolated tier has only the implicit local route: nothing leaves the VPC.
    const isolatedTable = table("isolated", this.subnets.isolated, suffixes("isolated"));

    return { public: [publicTable], private: privateTables, isolated: [isolatedTable] };
  }

  private createNetworkAcls(): Record<Tier, NetworkAcl> {
    const toBlock = (rule: NaclRule): NetworkAclIngress => ({
      ruleNo: rule.ruleNumber,
      action: rule.action,
      protocol: rule.protocol === "all" ? "-1" : "tcp",
      cidrBlock: rule.cidrBlock,
      fromPort: rule.fromPort,
      toPort: rule.toPort,
    });
    const acl = (tier: Tier) =>
      new NetworkAcl(this, `${tier}-nacl`, {
        vpcId: this.vpc.id,
        subnetIds: this.subnets[tier].map((s) => s.id),
        ingress: this.naclRules[tier].filter((r) => !r.egress).map(toBlock),
        egress: this.naclRules[tier].filter((r) => r.egress).map(toBlock),
        tags: this.name(`${tier}-nacl`),
      });
    return { public: acl("public"), private: acl("private"), isolated: acl("isolated") };
  }

  private createFlowLogs(): CloudwatchLogGroup {
    const accountId = this.props.accountId;
    const group = new CloudwatchLogGroup(this, "flow-log-group", {
      name: `/aws/vpc/${this.props.namePrefix}/flow-logs`,
      retentionInDays: this.props.flowLogs.retentionDays,
      kmsKeyId: this.props.flowLogs.kmsKeyArn,
      tags: this.name("flow-logs"),
    });
    const role = new IamRole(this, "flow-log-role", {
      name: `${this.props.namePrefix}-vpc-flow-logs`,
      assumeRolePolicy: serviceTrustPolicy(
        "vpc-flow-logs.amazonaws.com",
        accountId,
        `arn:aws:ec2:${this.props.region}:${accountId}:vpc-flow-log/*`,
      ),
    });
    new IamRolePolicy(this, "flow-log-policy", {
      role: role.id,
      name: "write-flow-logs",
      policy: policyDocument({
        Effect: "Allow",
        Action: ["logs:CreateLogStream", "logs:PutLogEvents", "logs:DescribeLogStreams"],
        Resource: [group.arn, `${group.arn}:log-stream:*`],
      }),
    });
    new FlowLog(this, "flow-log", {
      vpcId: this.vpc.id,
      trafficType: this.props.flowLogs.trafficType,
      logDestinationType: "cloud-watch-logs",
      logDestination: group.arn,
      iamRoleArn: role.arn,
      maxAggregationInterval: this.props.flowLogs.maxAggregationIntervalSeconds,
      tags: this.name("flow-log"),
    });
    return group;
  }

  /** Every tier's subnets in AZ order, for the stacks' outputs. */
  public subnetIds(tier: Tier): string[] {
    return this.subnets[tier].map((s) => s.id);
  }
}
