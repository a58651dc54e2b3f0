import { SecurityGroup } from "@cdktf/provider-aws/lib/security-group";
import { VpcEndpoint } from "@cdktf/provider-aws/lib/vpc-endpoint";
import { VpcSecurityGroupIngressRule } from "@cdktf/provider-aws/lib/vpc-security-group-ingress-rule";
import { Construct } from "constructs";

/**
 * What a Fargate task in a private subnet without NAT needs to start and run:
 * - `ecr.api` and `ecr.dkr` to authenticate and pull the image (layers come from S3, below);
 * - `logs` for the awslogs driver;
 * - `secretsmanager` for the task definition's secrets;
 * - `sts` for the task role's credentials used by AWS SDKs.
 */
export const DEFAULT_INTERFACE_ENDPOINTS = [
  "ecr.api",
  "ecr.dkr",
  "logs",
  "secretsmanager",
  "sts",
] as const;

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
 * Cost per month: each interface endpoint ~$7.30 per AZ plus $0.01 per GB (the environments'
 * seven in two AZs ~$102, in three ~$153); gateway endpoints are free.
 */
export class VpcEndpoints extends Construct {
  public readonly securityGroup: SecurityGroup;
  public readonly interfaceEndpoints: Readonly<Record<string, VpcEndpoint>>;
  public readonly gatewayEndpoints: Readonly<Record<string, VpcEndpoint>>;

  constructor(scope: Construct, id: string, props: VpcEndpointsProps) {
    super(scope, id);

    this.securityGroup = new SecurityGroup(this, "sg", {
      name: `${props.namePrefix}-endpoints`,
      description: "VPC interface endpoints: HTTPS from inside the VPC only",
      vpcId: props.vpcId,
      tags: { Name: `${props.namePrefix}-endpoints` },
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
