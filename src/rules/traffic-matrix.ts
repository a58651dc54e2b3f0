import { formatIp, parseCidr } from "../lib/cidr";
import { evaluateNacl, type NaclRule } from "../lib/nacl";
import { block, environmentOf, list, type Resource, type StackModel } from "./model";
import { fromFindings, notApplicable, type Finding, type Rule } from "./rule";
import {
  admits,
  cidrCovers,
  groupsAllow,
  hasDefaultRoute,
  naclRulesOfAcl,
  routeTablesOf,
  securityGroupRules,
  servicePaths,
  type SgRule,
} from "./topology";

const INTERNET = "203.0.113.10";

/** One side of a flow: the internet, or hosts in some subnets behind some security groups. */
interface Side {
  readonly label: string;
  readonly groups: Resource[];
  readonly subnets: Resource[];
  /** Ephemeral ports this side's clients use. */
  readonly clientPorts: readonly number[];
}

interface Cell {
  readonly from: string;
  readonly to: string;
  readonly port: string;
  readonly expected: "allowed" | "denied";
  readonly actual: "allowed" | "denied";
  /** Which layers allow or deny, for the report. */
  readonly layers: string;
  readonly paths: string[];
}

function naclRulesOf(stack: StackModel, subnet: Resource): NaclRule[] | undefined {
  const acl = stack
    .resources("aws_network_acl")
    .find((a) => list(a.values.subnet_ids).some((id) => stack.refersTo(id, subnet)));
  return acl ? naclRulesOfAcl(acl.values) : undefined;
}

const hostIn = (subnet: Resource) =>
  formatIp(parseCidr(String(subnet.values.cidr_block))!.network + 10);

/** Whether the NACLs of every subnet pair let the flow and its reply through. */
function naclsAllow(stack: StackModel, from: Side, to: Side, port: number): boolean {
  const fromHosts =
    from.subnets.length > 0
      ? from.subnets.map((s) => ({ ip: hostIn(s), acl: naclRulesOf(stack, s) }))
      : [{ ip: INTERNET, acl: undefined }];
  const toHosts =
    to.subnets.length > 0
      ? to.subnets.map((s) => ({ ip: hostIn(s), acl: naclRulesOf(stack, s) }))
      : [{ ip: INTERNET, acl: undefined }];
  const passes = (
    acl: NaclRule[] | undefined,
    direction: "ingress" | "egress",
    peerIp: string,
    dstPort: number,
  ) => acl === undefined || evaluateNacl(acl, direction, { peerIp, port: dstPort }).allowed;
  return fromHosts.every((a) =>
    toHosts.every(
      (b) =>
        a.ip === b.ip ||
        (passes(a.acl, "egress", b.ip, port) &&
          passes(b.acl, "ingress", a.ip, port) &&
          from.clientPorts.every(
            (client) =>
              passes(b.acl, "egress", a.ip, client) && passes(a.acl, "ingress", b.ip, client),
          )),
    ),
  );
}

/** Whether security groups let `from` reach `to` on `port` (egress on the source, ingress on the target). */
function groupsPass(
  rules: readonly SgRule[],
  from: Side,
  to: Side,
  port: number,
  vpcCidr: string,
): boolean {
  if (from.groups.length === 0) {
    // From the internet: some ingress rule on a target group from a range beyond the VPC.
    return to.groups.some((g) =>
      rules.some(
        (r) =>
          r.direction === "ingress" &&
          r.group.address === g.address &&
          r.cidr !== undefined &&
          !cidrCovers(vpcCidr, r.cidr) &&
          cidrCovers(r.cidr, `${INTERNET}/32`) &&
          (r.allProtocols || (r.fromPort <= port && port <= r.toPort)),
      ),
    );
  }
  if (to.groups.length === 0) {
    return from.groups.some((g) =>
      rules.some(
        (r) =>
          r.direction === "egress" &&
          r.group.address === g.address &&
          cidrCovers(r.cidr, `${INTERNET}/32`) &&
          (r.allProtocols || (r.fromPort <= port && port <= r.toPort)),
      ),
    );
  }
  return from.groups.some((a) =>
    to.groups.some((b) => {
      const pass = groupsAllow(rules, a, b, port, vpcCidr);
      return pass.egress && pass.ingress;
    }),
  );
}

/**
 * PLAT-2: the security groups, network ACLs and route tables realise the traffic matrix of
 * docs/architecture.md: every must-allow flow passes every layer (both directions through the
 * stateless NACLs), and every must-deny flow is stopped by at least one.
 */
export const trafficMatrix: Rule = {
  id: "PLAT-2",
  name: "Traffic matrix",
  level: "error",
  message:
    "Every must-allow flow of the traffic matrix is allowed and every must-deny flow is denied.",
  explanation:
    "Security groups, NACLs and routes are three layers written in three places; a flow works only when all three " +
    "agree, and stays closed only while one of them refuses. Checking each resource alone cannot tell.",
  check(stack) {
    const paths = servicePaths(stack);
    const publicPath = paths.find((p) => p.loadBalancer);
    const vpc = stack.resources("aws_vpc")[0];
    if (paths.length === 0 || !vpc) return notApplicable();
    const vpcCidr = String(vpc.values.cidr_block);
    const rules = securityGroupRules(stack);
    const db = stack.resources("aws_db_instance")[0];
    const dbSubnetGroup = db
      ? stack
          .resources("aws_db_subnet_group")
          .find((g) => stack.refersTo(db.values.db_subnet_group_name, g))
      : undefined;
    const resolveAll = (values: unknown) =>
      list(values)
        .map((v) => stack.resolve(v))
        .filter((r): r is Resource => !!r);

    const internet: Side = {
      label: "internet",
      groups: [],
      subnets: [],
      clientPorts: [1024, 65535],
    };
    // The load balancer of the public services; with none, only the other rows apply.
    const alb: Side | undefined = publicPath && {
      label: "ALB",
      groups: publicPath.loadBalancerGroups,
      subnets: resolveAll(publicPath.loadBalancer!.values.subnets),
      clientPorts: [1024, 65535],
    };
    const database: Side | undefined = db
      ? {
          label: "database",
          groups: resolveAll(db.values.vpc_security_group_ids),
          subnets: resolveAll(dbSubnetGroup?.values.subnet_ids),
          clientPorts: [32768],
        }
      : undefined;
    const databasePort = Number(db?.values.port ?? 5432);
    const services = paths.map((path) => ({
      path,
      side: {
        label: String(path.service.values.name ?? path.service.address),
        groups: path.serviceGroups,
        subnets: path.subnets,
        clientPorts: [32768, 60999],
      } satisfies Side,
      // What the application was told it may use: the declaration as the task sees it.
      usesDatabase: path.container !== undefined && "DB_HOST" in environmentOf(path.container),
    }));
    // Ports worth probing where nothing must pass: every public service's, and the usual 8080.
    const probePorts = [...new Set([...paths.flatMap((p) => p.containerPort ?? []), 8080])];
    const cells: Cell[] = [];

    const flow = (
      from: Side,
      to: Side,
      port: number,
      expected: Cell["expected"],
      extra: { layer: string; allows: boolean }[] = [],
      groupsAllowFlow = groupsPass(rules, from, to, port, vpcCidr),
    ) => {
      const layers = [
        { layer: "security groups", allows: groupsAllowFlow },
        { layer: "NACLs", allows: naclsAllow(stack, from, to, port) },
        ...extra,
      ];
      const denying = layers.filter((l) => !l.allows).map((l) => l.layer);
      const actual = denying.length === 0 ? "allowed" : "denied";
      cells.push({
        from: from.label,
        to: to.label,
        port: String(port),
        expected,
        actual,
        layers: actual === "allowed" ? "all layers allow" : `denied by ${denying.join(", ")}`,
        paths: [...from.groups, ...to.groups].map((g) => g.path),
      });
    };

    const publicRoute = (alb?.subnets ?? []).every((s) =>
      routeTablesOf(stack, s).some((t) => hasDefaultRoute(stack, t, "internet")),
    );
    const endpoints = stack
      .resources("aws_vpc_endpoint")
      .some((e) => e.values.vpc_endpoint_type === "Interface");

    // The internet reaches the load balancer on the ports its listeners serve (443 and 80 with
    // TLS; 80 alone without), and on no other of the two.
    const listenerPorts = new Set(
      stack
        .resources("aws_lb_listener")
        .filter(
          (l) =>
            publicPath?.loadBalancer &&
            stack.refersTo(l.values.load_balancer_arn, publicPath.loadBalancer),
        )
        .map((l) => Number(l.values.port)),
    );
    for (const port of alb ? [443, 80] : [])
      flow(internet, alb!, port, listenerPorts.has(port) ? "allowed" : "denied", [
        { layer: "routes (internet gateway)", allows: publicRoute },
      ]);
    for (const { path, side, usesDatabase } of services) {
      const ports = path.containerPort !== undefined ? [path.containerPort] : probePorts;
      if (alb && path.loadBalancer) flow(alb, side, path.containerPort ?? 0, "allowed");
      else if (alb) for (const port of ports) flow(alb, side, port, "denied");
      if (database) flow(side, database, databasePort, usesDatabase ? "allowed" : "denied");
      const taskEgress = side.subnets.every((s) =>
        routeTablesOf(stack, s).some((t) => hasDefaultRoute(stack, t, "nat")),
      );
      flow(side, internet, 443, "allowed", [
        { layer: "routes (NAT or endpoints)", allows: taskEgress || endpoints },
      ]);
      const publicIp = block(path.service.values.network_configuration)?.assign_public_ip === true;
      for (const port of [...ports, 22])
        flow(internet, side, port, "denied", [{ layer: "no public IP", allows: publicIp }]);
      // No service reaches another (nor another task of itself): none is declared.
      for (const other of services) {
        const target =
          other === services.find((s) => s.side === side)
            ? { ...other.side, label: `another ${other.side.label} task` }
            : other.side;
        for (const port of other.path.containerPort !== undefined
          ? [other.path.containerPort]
          : probePorts)
          flow(side, target, port, "denied");
      }
    }
    // The test listener of blue/green, canary and linear deployments: reachable from inside the
    // VPC (a tester in the private subnets; its own security group is its business), never from
    // the internet.
    const testPorts = [
      ...new Set(
        paths.flatMap((p) => {
          const listener = p.testRule ? stack.resolve(p.testRule.values.listener_arn) : undefined;
          return listener ? [Number(listener.values.port)] : [];
        }),
      ),
    ];
    const privateSubnets = [...new Set(paths.flatMap((p) => p.subnets))];
    for (const port of alb ? testPorts : []) {
      const testListener: Side = { ...alb!, label: "ALB test listener" };
      const inside: Side = {
        label: "inside the VPC",
        groups: [],
        subnets: privateSubnets,
        clientPorts: [32768, 60999],
      };
      flow(internet, testListener, port, "denied", [
        { layer: "routes (internet gateway)", allows: publicRoute },
      ]);
      flow(
        inside,
        testListener,
        port,
        "allowed",
        [],
        privateSubnets.every((s) =>
          testListener.groups.some((g) =>
            admits(rules, "ingress", g, { cidr: String(s.values.cidr_block) }, port),
          ),
        ),
      );
    }
    if (database) {
      const dbPublic = db!.values.publicly_accessible === true;
      const dbRoute = database.subnets.some((s) =>
        routeTablesOf(stack, s).some((t) => hasDefaultRoute(stack, t, "internet")),
      );
      flow(internet, database, databasePort, "denied", [
        { layer: "not publicly accessible", allows: dbPublic },
        { layer: "routes (no internet gateway)", allows: dbRoute },
      ]);
      if (alb) flow(alb, database, databasePort, "denied");
    }

    const findings: Finding[] = cells
      .filter((c) => c.expected !== c.actual)
      .map((c) => ({
        paths: c.paths.length > 0 ? c.paths : [paths[0]!.service.path],
        message: `${c.from} -> ${c.to} on ${c.port} must be ${c.expected} but is ${c.actual} (${c.layers})`,
      }));
    const report = [
      `traffic matrix of ${stack.name}:`,
      `  ${"from".padEnd(24)} -> ${"to".padEnd(32)} port   must be   verdict`,
      ...cells.map(
        (c) =>
          `  ${c.from.padEnd(24)} -> ${c.to.padEnd(32)} ${c.port.padEnd(6)} ${c.expected.padEnd(9)} ${c.expected === c.actual ? "ok" : "FAIL"}: ${c.actual} (${c.layers})`,
      ),
    ];
    return fromFindings(findings, report);
  },
};
