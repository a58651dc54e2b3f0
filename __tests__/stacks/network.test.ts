/**
 * The environment's network as the environment stack builds and wires it (NAT modes, endpoints
 * for the services' uses, the traffic matrix on the NACLs), read from the synthesized
 * environment. The Network construct's own contract is in __tests__/network/network.test.ts.
 */
import { describe, expect, it } from "vitest";
import { parseCidr, formatIp } from "../../src/lib/cidr";
import { evaluateNacl, type NaclRule } from "../../src/lib/nacl";
import { naclRulesOfAcl } from "../../src/rules/topology";
import { requiredEndpoints } from "../../src/network/vpc-endpoints";
import type { Tier } from "../../src/lib/subnet-plan";
import { resourcesOf, type StackJson, environmentJson } from "../helpers";

type Resource = Record<string, unknown>;
const ref = (type: string, name: string, attr = "id") => `\${${type}.${name}.${attr}}`;

function stackWithNat(natGateways: "none" | "single" | "perAz", azCount: 2 | 3 = 3): StackJson {
  return environmentJson("prod", { network: { natGateways, azCount } });
}

function privateDefaultRoutes(json: StackJson): Resource[] {
  const privateTables = Object.keys(resourcesOf(json, "aws_route_table"))
    .filter((name) => name.startsWith("network_private_"))
    .map((name) => ref("aws_route_table", name));
  return Object.values(resourcesOf(json, "aws_route")).filter((route) =>
    privateTables.includes(route.route_table_id as string),
  );
}

describe("NAT gateways", () => {
  it.each([
    ["none", 0],
    ["single", 1],
    ["perAz", 3],
  ] as const)("NAT %s gives %i NAT gateways, each with its own Elastic IP", (mode, count) => {
    const json = stackWithNat(mode);
    const nats = Object.values(resourcesOf(json, "aws_nat_gateway"));
    expect(nats).toHaveLength(count);
    const eipRefs = Object.keys(resourcesOf(json, "aws_eip")).map((name) =>
      ref("aws_eip", name, "allocation_id"),
    );
    expect(nats.map((nat) => nat.allocation_id).sort()).toEqual(eipRefs.sort());
  });

  it("NAT single routes every private subnet through the one NAT gateway", () => {
    const routes = privateDefaultRoutes(stackWithNat("single"));
    expect(routes).toHaveLength(3);
    for (const route of routes) {
      expect(route).toMatchObject({
        destination_cidr_block: "0.0.0.0/0",
        nat_gateway_id: ref("aws_nat_gateway", "network_nat_a"),
      });
    }
  });

  it("NAT perAz routes each private subnet through the NAT gateway of its own AZ", () => {
    const json = stackWithNat("perAz");
    for (const zone of ["a", "b", "c"]) {
      expect(resourcesOf(json, "aws_route")[`network_private_${zone}_default_route`]).toMatchObject(
        {
          route_table_id: ref("aws_route_table", `network_private_${zone}_rt`),
          destination_cidr_block: "0.0.0.0/0",
          nat_gateway_id: ref("aws_nat_gateway", `network_nat_${zone}`),
        },
      );
      expect(resourcesOf(json, "aws_nat_gateway")[`network_nat_${zone}`]?.subnet_id).toBe(
        ref("aws_subnet", `network_public_${zone}`),
      );
    }
  });

  it("NAT none leaves the private subnets without any default route", () => {
    expect(privateDefaultRoutes(stackWithNat("none"))).toEqual([]);
  });

  it("the public subnets route to the internet gateway", () => {
    expect(
      resourcesOf(stackWithNat("single"), "aws_route").network_public_default_route,
    ).toMatchObject({
      destination_cidr_block: "0.0.0.0/0",
      gateway_id: ref("aws_internet_gateway", "network_igw"),
    });
  });
});

describe("VPC endpoints", () => {
  it.each(["single", "perAz"] as const)("do not exist with NAT %s", (mode) => {
    expect(resourcesOf(stackWithNat(mode), "aws_vpc_endpoint")).toEqual({});
  });

  it("exist with NAT none: exactly what the services' uses need, with private DNS, in every private subnet", () => {
    const json = stackWithNat("none");
    const endpoints = Object.values(resourcesOf(json, "aws_vpc_endpoint"));
    const privateSubnets = ["a", "b", "c"].map((z) => ref("aws_subnet", `network_private_${z}`));
    const interfaces = endpoints.filter((e) => e.vpc_endpoint_type === "Interface");
    // prod's services use the database, a table, a queue and a topic.
    const required = requiredEndpoints({
      database: true,
      tables: true,
      queues: true,
      topics: true,
    });
    expect(
      endpoints.map((e) => String(e.service_name).replace("com.amazonaws.eu-west-1.", "")).sort(),
    ).toEqual([...required].sort());
    expect(interfaces.map((e) => e.service_name).sort()).toEqual(
      ["ecr.api", "ecr.dkr", "logs", "secretsmanager", "sns", "sqs"].map(
        (s) => `com.amazonaws.eu-west-1.${s}`,
      ),
    );
    for (const endpoint of interfaces) {
      expect(endpoint).toMatchObject({ private_dns_enabled: true, subnet_ids: privateSubnets });
    }
    const gateways = endpoints.filter((e) => e.vpc_endpoint_type === "Gateway");
    const privateTables = ["a", "b", "c"].map((z) =>
      ref("aws_route_table", `network_private_${z}_rt`),
    );
    expect(gateways).toEqual(
      ["dynamodb", "s3"].map((service) =>
        expect.objectContaining({
          service_name: `com.amazonaws.eu-west-1.${service}`,
          route_table_ids: privateTables,
        }),
      ),
    );
  });

  it("with NAT none, leave out the endpoints of what no service uses", () => {
    const json = environmentJson("staging", {
      network: { natGateways: "none" },
      database: undefined,
      topics: undefined,
      queues: { events: { subscribesTo: [] } },
      services: { api: { uses: { database: false, topics: undefined } } },
    });
    expect(
      Object.values(resourcesOf(json, "aws_vpc_endpoint"))
        .map((e) => String(e.service_name).replace("com.amazonaws.eu-west-1.", ""))
        .sort(),
    ).toEqual(["dynamodb", "ecr.api", "ecr.dkr", "logs", "s3", "sqs"]);
  });

  it("admit only HTTPS from inside the VPC", () => {
    const json = stackWithNat("none");
    const endpointsSg = ref("aws_security_group", "network_endpoints_sg");
    const rules = Object.values(resourcesOf(json, "aws_vpc_security_group_ingress_rule")).filter(
      (rule) => rule.security_group_id === endpointsSg,
    );
    expect(rules).toEqual([
      expect.objectContaining({
        ip_protocol: "tcp",
        from_port: 443,
        to_port: 443,
        cidr_ipv4: "10.20.0.0/16",
      }),
    ]);
    expect(
      Object.values(resourcesOf(json, "aws_vpc_security_group_egress_rule")).filter(
        (rule) => rule.security_group_id === endpointsSg,
      ),
    ).toEqual([]);
  });
});

describe("isolated subnets", () => {
  it("have a route table with no route at all, so nothing leaves the VPC", () => {
    for (const mode of ["none", "single", "perAz"] as const) {
      const json = stackWithNat(mode);
      const table = ref("aws_route_table", "network_isolated_rt");
      const associations = Object.values(resourcesOf(json, "aws_route_table_association"));
      expect(
        associations.filter((a) => a.route_table_id === table).map((a) => a.subnet_id),
      ).toEqual(["a", "b", "c"].map((z) => ref("aws_subnet", `network_isolated_${z}`)));
      expect(
        Object.values(resourcesOf(json, "aws_route")).filter((r) => r.route_table_id === table),
      ).toEqual([]);
      expect(resourcesOf(json, "aws_route_table").network_isolated_rt?.route).toBeUndefined();
    }
  });
});

describe("VPC defaults", () => {
  it("strip the default security group, network ACL and route table of every rule", () => {
    const json = stackWithNat("single");
    const sg = resourcesOf(json, "aws_default_security_group").network_default_sg;
    expect(sg?.ingress).toBeUndefined();
    expect(sg?.egress).toBeUndefined();
    const acl = resourcesOf(json, "aws_default_network_acl").network_default_nacl;
    expect(acl?.ingress).toBeUndefined();
    expect(acl?.egress).toBeUndefined();
    expect(resourcesOf(json, "aws_default_route_table").network_default_rt?.route).toEqual([]);
  });

  it("enable DNS support and hostnames, which private DNS for the endpoints needs", () => {
    expect(resourcesOf(stackWithNat("none"), "aws_vpc").network_vpc).toMatchObject({
      cidr_block: "10.20.0.0/16",
      enable_dns_support: true,
      enable_dns_hostnames: true,
    });
  });
});

describe("flow logs", () => {
  it("record all traffic to a log group with the configured retention, through a role bound to this account", () => {
    const json = environmentJson("staging", { network: { flowLogs: { retentionDays: 90 } } });
    expect(resourcesOf(json, "aws_flow_log").network_flow_log).toMatchObject({
      vpc_id: ref("aws_vpc", "network_vpc"),
      traffic_type: "ALL",
      log_destination_type: "cloud-watch-logs",
      log_destination: ref("aws_cloudwatch_log_group", "network_flow_log_group", "arn"),
    });
    expect(
      resourcesOf(json, "aws_cloudwatch_log_group").network_flow_log_group?.retention_in_days,
    ).toBe(90);
    const trust = JSON.parse(
      resourcesOf(json, "aws_iam_role").network_flow_log_role?.assume_role_policy as string,
    );
    expect(trust.Statement[0].Condition.StringEquals["aws:SourceAccount"]).toBe(
      "${data.aws_caller_identity.account.account_id}",
    );
    const policy = JSON.parse(
      resourcesOf(json, "aws_iam_role_policy").network_flow_log_policy?.policy as string,
    );
    expect(policy.Statement[0].Resource).toEqual([
      ref("aws_cloudwatch_log_group", "network_flow_log_group", "arn"),
      `${ref("aws_cloudwatch_log_group", "network_flow_log_group", "arn")}:log-stream:*`,
    ]);
  });
});

/**
 * The traffic matrix of docs/architecture.md, evaluated on the network ACLs as synthesized.
 * A TCP flow passes when the initiator's subnet lets it out, the target's subnet lets it in, and
 * the reply (to the initiator's ephemeral port) passes both ways back.
 */
describe("network ACLs realise the traffic matrix", () => {
  interface Host {
    readonly tier: Tier | "internet";
    readonly ip: string;
  }

  function aclModel(json: StackJson) {
    const subnets = resourcesOf(json, "aws_subnet");
    const rulesByTier = {} as Record<Tier, NaclRule[]>;
    const hosts = {} as Record<Tier, Host[]>;
    for (const acl of Object.values(resourcesOf(json, "aws_network_acl"))) {
      const members = (acl.subnet_ids as string[]).map((id) => subnets[id.split(".")[1]!]!);
      const tier = (members[0]!.tags as Record<string, string>).Tier as Tier;
      expect(members.every((s) => (s.tags as Record<string, string>).Tier === tier)).toBe(true);
      rulesByTier[tier] = naclRulesOfAcl(acl);
      // A host in each subnet: its tenth address.
      hosts[tier] = members.map((s) => ({
        tier,
        ip: formatIp(parseCidr(s.cidr_block as string)!.network + 10),
      }));
    }
    return { rulesByTier, hosts };
  }

  /** Every check a TCP flow and its reply must pass; empty when the flow is allowed. */
  function blocked(
    model: ReturnType<typeof aclModel>,
    from: Host,
    to: Host,
    port: number,
    clientPort: number,
  ): string[] {
    const failures: string[] = [];
    const check = (host: Host, direction: "ingress" | "egress", peer: Host, dstPort: number) => {
      if (host.tier === "internet") return;
      const verdict = evaluateNacl(model.rulesByTier[host.tier], direction, {
        peerIp: peer.ip,
        port: dstPort,
      });
      if (!verdict.allowed)
        failures.push(`${host.tier} ${direction} ${peer.ip}:${dstPort} (rule ${verdict.rule})`);
    };
    check(from, "egress", to, port);
    check(to, "ingress", from, port);
    check(to, "egress", from, clientPort);
    check(from, "ingress", to, clientPort);
    return failures;
  }

  const internet: Host = { tier: "internet", ip: "203.0.113.10" };

  for (const mode of ["single", "perAz", "none"] as const) {
    describe(`with NAT ${mode}`, () => {
      const model = aclModel(stackWithNat(mode));
      const [publicA, publicB] = model.hosts.public;
      const [privateA, privateB] = model.hosts.private;
      const [isolatedA, isolatedB] = model.hosts.isolated;
      const port = 8080;

      it("allows internet -> ALB on 443 and on 80 (redirect), from any client port", () => {
        for (const clientPort of [1024, 65535]) {
          expect(blocked(model, internet, publicA!, 443, clientPort)).toEqual([]);
          expect(blocked(model, internet, publicB!, 80, clientPort)).toEqual([]);
        }
      });

      it("allows ALB -> service tasks on the container port, across AZs, from any ALB port", () => {
        for (const clientPort of [1024, 65535]) {
          expect(blocked(model, publicA!, privateB!, port, clientPort)).toEqual([]);
          expect(blocked(model, publicB!, privateA!, port, clientPort)).toEqual([]);
        }
      });

      it("allows service tasks -> database on 5432, across AZs", () => {
        for (const clientPort of [32768, 60999]) {
          expect(blocked(model, privateA!, isolatedB!, 5432, clientPort)).toEqual([]);
          expect(blocked(model, privateB!, isolatedA!, 5432, clientPort)).toEqual([]);
        }
      });

      if (mode === "none") {
        it("allows service tasks -> interface endpoints on 443 in any AZ", () => {
          expect(blocked(model, privateA!, privateB!, 443, 40000)).toEqual([]);
        });
      } else {
        it("allows service tasks -> AWS APIs on 443 through the NAT gateway, on every leg", () => {
          const task = privateB!;
          const legs: [Tier, "ingress" | "egress", string, number][] = [
            // Out: the task's packet, routed to the NAT, then relayed from the NAT's address.
            ["private", "egress", internet.ip, 443],
            ["public", "ingress", task.ip, 443],
            ["public", "egress", internet.ip, 443],
            // Back: to the NAT's port (1024-65535), then to the task's own ephemeral port.
            ["public", "ingress", internet.ip, 1024],
            ["public", "ingress", internet.ip, 65535],
            ["public", "egress", task.ip, 40000],
            ["private", "ingress", internet.ip, 40000],
          ];
          for (const [tier, direction, peerIp, dstPort] of legs) {
            expect(
              evaluateNacl(model.rulesByTier[tier], direction, { peerIp, port: dstPort }),
              `${tier} ${direction} ${peerIp}:${dstPort}`,
            ).toMatchObject({ allowed: true });
          }
        });
      }

      it("denies internet -> service tasks on the container port and on well-known ports", () => {
        for (const target of [port, 22, 5432, 443]) {
          expect(blocked(model, internet, privateA!, target, 40000)).not.toEqual([]);
        }
      });

      it("denies internet -> database on any port", () => {
        for (const target of [5432, 22, 443, 40000]) {
          expect(blocked(model, internet, isolatedA!, target, 40000)).not.toEqual([]);
        }
      });

      it("denies ALB -> database", () => {
        expect(blocked(model, publicA!, isolatedA!, 5432, 40000)).not.toEqual([]);
        expect(blocked(model, publicB!, isolatedB!, 5432, 1024)).not.toEqual([]);
      });

      // 1024-65535 must stay open for replies to the ALB and NAT gateway (NACLs are stateless);
      // the ALB's security group closes those ports. Below them the NACL denies all but 80 and 443.
      it("denies internet -> public subnets on well-known ports other than 80 and 443", () => {
        for (const target of [22, 23, 25, 445, 1023]) {
          expect(blocked(model, internet, publicA!, target, 40000)).not.toEqual([]);
        }
      });

      it("denies service tasks -> internet on anything but 443", () => {
        expect(blocked(model, privateA!, internet, 80, 40000)).not.toEqual([]);
        expect(blocked(model, privateA!, internet, 22, 40000)).not.toEqual([]);
      });
    });
  }
});
