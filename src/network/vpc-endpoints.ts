import type { SecurityGroup } from "@cdktf/provider-aws/lib/security-group";
import { VpcEndpoint } from "@cdktf/provider-aws/lib/vpc-endpoint";
import { VpcSecurityGroupIngressRule } from "@cdktf/provider-aws/lib/vpc-security-group-ingress-rule";
import { Construct } from "constructs";
import { securityGroup } from "./security-group";

/**
 * What every Fargate task in a private subnet without NAT needs to start and run: `ecr.api` and
 * `ecr.dkr` to authenticate and pull the image, `s3` (a free gateway endpoint) for its layers, and
 * `logs` for the awslogs driver. The task role's credentials come from the ECS agent's local
 * endpoint, not from STS, so `sts` is not among them.
 */
export const TASK_ENDPOINTS = ["ecr.api", "ecr.dkr", "logs", "s3"] as const;

/** Services AWS serves through a (free) gateway endpoint rather than an interface endpoint. */
const GATEWAY_SERVICES = new Set(["s3", "dynamodb"]);

/**
 * The endpoints a network without NAT needs for the declared uses, and no others (an unused
 * interface endpoint costs ~$7.30 per AZ per month): the tasks' own, `secretsmanager` for the
 * database's credentials, `dynamodb` for tables, `sqs` for queues, `sns` for topics.
 */
export function requiredEndpoints(uses: {
  readonly database: boolean;
  readonly tables: boolean;
  readonly queues: boolean;
  readonly topics: boolean;
}): string[] {
  return [
    ...TASK_ENDPOINTS,
    ...(uses.database ? ["secretsmanager"] : []),
    ...(uses.tables ? ["dynamodb"] : []),
    ...(uses.queues ? ["sqs"] : []),
    ...(uses.topics ? ["sns"] : []),
  ];
}

/** Endpoint services split by kind, for `VpcEndpoints`. */
export function splitEndpoints(services: readonly string[]) {
  return {
    interfaceServices: services.filter((s) => !GATEWAY_SERVICES.has(s)),
    gatewayServices: services.filter((s) => GATEWAY_SERVICES.has(s)),
  };
}

export interface VpcEndpointsProps {
  readonly namePrefix: string;
  readonly region: string;
  readonly vpcId: string;
  /** Clients inside this range may reach the endpoints on 443. */
  readonly vpcCidr: string;
  /** The subnets that get an endpoint network interface, one per AZ. */
  readonly subnetIds: readonly string[];
  /** The route tables that get the S3 gateway endpoint's route. */
  readonly routeTableIds: readonly string[];
  readonly interfaceServices: readonly string[];
  /** Services reached through gateway endpoints on `routeTableIds` (`s3`, `dynamodb`). */
  readonly gatewayServices: readonly string[];
}

/**
 * Interface endpoints with private DNS (so SDKs and the ECS agent use them unchanged) and gateway
 * endpoints (S3, DynamoDB), replacing a NAT gateway for traffic to AWS.
 *
 * Cost per month: each interface endpoint ~$7.30 per AZ plus $0.01 per GB; gateway endpoints are
 * free.
 */
export class VpcEndpoints extends Construct {
  public readonly securityGroup: SecurityGroup;
  public readonly interfaceEndpoints: Readonly<Record<string, VpcEndpoint>>;
  public readonly gatewayEndpoints: Readonly<Record<string, VpcEndpoint>>;

  constructor(scope: Construct, id: string, props: VpcEndpointsProps) {
    super(scope, id);

    this.securityGroup = securityGroup(this, "sg", {
      name: `${props.namePrefix}-endpoints`,
      description: "VPC interface endpoints: HTTPS from inside the VPC only",
      vpcId: props.vpcId,
    });
    new VpcSecurityGroupIngressRule(this, "https-from-vpc", {
      securityGroupId: this.securityGroup.id,
      description: "HTTPS from inside the VPC",
      ipProtocol: "tcp",
      fromPort: 443,
      toPort: 443,
      cidrIpv4: props.vpcCidr,
    });

    this.interfaceEndpoints = Object.fromEntries(
      props.interfaceServices.map((service) => [
        service,
        new VpcEndpoint(this, service.replace(/\./g, "-"), {
          vpcId: props.vpcId,
          serviceName: `com.amazonaws.${props.region}.${service}`,
          vpcEndpointType: "Interface",
          privateDnsEnabled: true,
          subnetIds: [...props.subnetIds],
          securityGroupIds: [this.securityGroup.id],
          tags: { Name: `${props.namePrefix}-${service}` },
        }),
      ]),
    );

    this.gatewayEndpoints = Object.fromEntries(
      props.gatewayServices.map((service) => [
        service,
        new VpcEndpoint(this, service, {
          vpcId: props.vpcId,
          serviceName: `com.amazonaws.${props.region}.${service}`,
          vpcEndpointType: "Gateway",
          routeTableIds: [...props.routeTableIds],
          tags: { Name: `${props.namePrefix}-${service}` },
        }),
      ]),
    );
  }
}
