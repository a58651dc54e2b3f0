/**
 * The relations the rules reason about, read from a synthesized stack: which security group may
 * talk to which, and how a service, its task definition, target group and load balancer connect.
 */
import { parseCidr, containsIp, lastAddress } from "../lib/cidr";
import type { NaclRule } from "../lib/nacl";
import { block, containers, list, type Resource, type StackModel, type Values } from "./model";

export interface SgRule {
  readonly direction: "ingress" | "egress";
  /** The group the rule belongs to. */
  readonly group: Resource;
  /** The other side: a security group of this stack, or a CIDR. */
  readonly peerGroup?: Resource;
  readonly cidr?: string;
  readonly fromPort: number;
  readonly toPort: number;
  readonly allProtocols: boolean;
  readonly source: Resource;
}

export function securityGroupRules(stack: StackModel): SgRule[] {
  const rules: SgRule[] = [];
  for (const direction of ["ingress", "egress"] as const) {
    for (const rule of stack.resources(`aws_vpc_security_group_${direction}_rule`)) {
      const group = stack.resolve(rule.values.security_group_id);
      if (!group) continue;
      const allProtocols = rule.values.ip_protocol === "-1";
      rules.push({
        direction,
        group,
        peerGroup: stack.resolve(rule.values.referenced_security_group_id),
        cidr: rule.values.cidr_ipv4 as string | undefined,
        fromPort: allProtocols ? 0 : Number(rule.values.from_port),
        toPort: allProtocols ? 65535 : Number(rule.values.to_port),
        allProtocols,
        source: rule,
      });
    }
  }
  // Inline rules of aws_security_group, for stacks written that way.
  for (const group of stack.resources("aws_security_group")) {
    for (const direction of ["ingress", "egress"] as const) {
      for (const inline of list(group.values[direction]) as Values[]) {
        const allProtocols = inline.protocol === "-1";
        for (const peer of [
          ...list(inline.security_groups),
          ...(inline.self ? [`\${aws_security_group.${group.name}.id}`] : []),
        ]) {
          rules.push({
            direction,
            group,
            peerGroup: stack.resolve(peer),
            fromPort: allProtocols ? 0 : Number(inline.from_port),
            toPort: allProtocols ? 65535 : Number(inline.to_port),
            allProtocols,
            source: group,
          });
        }
        for (const cidr of list(inline.cidr_blocks) as string[]) {
          rules.push({
            direction,
            group,
            cidr,
            fromPort: allProtocols ? 0 : Number(inline.from_port),
            toPort: allProtocols ? 65535 : Number(inline.to_port),
            allProtocols,
            source: group,
          });
        }
      }
    }
  }
  return rules;
}

const covers = (rule: SgRule, port: number) =>
  rule.allProtocols || (rule.fromPort <= port && port <= rule.toPort);

/** Whether a CIDR rule covers every address of `inside` (e.g. the VPC). */
export function cidrCovers(cidr: string | undefined, inside: string): boolean {
  const outer = cidr ? parseCidr(cidr) : undefined;
  const inner = parseCidr(inside);
  return (
    !!outer && !!inner && containsIp(outer, inner.network) && containsIp(outer, lastAddress(inner))
  );
}

/** The other side of a rule: a security group (by reference), or an address range. */
export type Peer = { readonly group: Resource } | { readonly cidr: string };

/** Whether some rule of `group` in `direction` admits `port` to or from `peer`. */
export function admits(
  rules: readonly SgRule[],
  direction: "ingress" | "egress",
  group: Resource,
  peer: Peer,
  port: number,
): boolean {
  return rules.some(
    (r) =>
      r.direction === direction &&
      r.group.address === group.address &&
      covers(r, port) &&
      ("group" in peer
        ? r.peerGroup?.address === peer.group.address
        : cidrCovers(r.cidr, peer.cidr)),
  );
}

/** Whether the flow `from -> to` on `port` passes both groups: egress on the source, ingress on the target. */
export function groupsAllow(
  rules: readonly SgRule[],
  from: Resource,
  to: Resource,
  port: number,
  vpcCidr?: string,
) {
  const egress =
    admits(rules, "egress", from, { group: to }, port) ||
    (vpcCidr !== undefined && admits(rules, "egress", from, { cidr: vpcCidr }, port));
  const ingress =
    admits(rules, "ingress", to, { group: from }, port) ||
    (vpcCidr !== undefined && admits(rules, "ingress", to, { cidr: vpcCidr }, port));
  return { egress, ingress };
}

/** One ECS service and everything on its request path. */
export interface ServicePath {
  readonly service: Resource;
  readonly taskDefinition?: Resource;
  readonly container?: Values;
  readonly containerPort?: number;
  readonly serviceGroups: Resource[];
  readonly targetGroup?: Resource;
  /** Blue/green, canary and linear: the second target group and the test listener's rule. */
  readonly alternateTargetGroup?: Resource;
  readonly testRule?: Resource;
  readonly loadBalancer?: Resource;
  readonly loadBalancerGroups: Resource[];
  readonly subnets: Resource[];
}

export function servicePaths(stack: StackModel): ServicePath[] {
  return stack.resources("aws_ecs_service").map((service) => {
    const taskDefinition = stack.resolve(service.values.task_definition);
    const lbBlock = block(service.values.load_balancer);
    const container = taskDefinition
      ? (containers(taskDefinition).find((c) => c.name === lbBlock?.container_name) ??
        containers(taskDefinition)[0])
      : undefined;
    const targetGroup = stack.resolve(lbBlock?.target_group_arn);
    // A plain forward names one target group; a weighted one (blue/green) lists several.
    const forwardsTo = (actions: unknown) =>
      (list(actions) as Values[]).some(
        (a) =>
          stack.refersTo(a.target_group_arn, targetGroup!) ||
          (list(block(a.forward)?.target_group) as Values[]).some((g) =>
            stack.refersTo(g.arn, targetGroup!),
          ),
      );
    // The listener forwarding to the target group: by its default action, or by one of its rules.
    const advanced = block(lbBlock?.advanced_configuration);
    const rule = targetGroup
      ? (stack.resolve(advanced?.production_listener_rule) ??
        stack.resources("aws_lb_listener_rule").find((r) => forwardsTo(r.values.action)))
      : undefined;
    const listener = targetGroup
      ? (stack.resources("aws_lb_listener").find((l) => forwardsTo(l.values.default_action)) ??
        (rule ? stack.resolve(rule.values.listener_arn) : undefined))
      : undefined;
    const loadBalancer = listener ? stack.resolve(listener.values.load_balancer_arn) : undefined;
    const network = block(service.values.network_configuration);
    const resolveAll = (values: unknown) =>
      list(values)
        .map((v) => stack.resolve(v))
        .filter((r): r is Resource => !!r);
    return {
      service,
      taskDefinition,
      container,
      containerPort:
        lbBlock?.container_port === undefined ? undefined : Number(lbBlock.container_port),
      serviceGroups: resolveAll(network?.security_groups),
      targetGroup,
      alternateTargetGroup: stack.resolve(advanced?.alternate_target_group_arn),
      testRule: stack.resolve(advanced?.test_listener_rule),
      loadBalancer,
      loadBalancerGroups: loadBalancer ? resolveAll(loadBalancer.values.security_groups) : [],
      subnets: resolveAll(network?.subnets),
    };
  });
}

/** The route tables associated with `subnet`. */
export function routeTablesOf(stack: StackModel, subnet: Resource): Resource[] {
  return stack
    .resources("aws_route_table_association")
    .filter((a) => stack.refersTo(a.values.subnet_id, subnet))
    .map((a) => stack.resolve(a.values.route_table_id))
    .filter((r): r is Resource => !!r);
}

/** The routes of a route table: separate aws_route resources and inline `route` blocks. */
export function routesOf(stack: StackModel, table: Resource): Values[] {
  return [
    ...stack
      .resources("aws_route")
      .filter((r) => stack.refersTo(r.values.route_table_id, table))
      .map((r) => r.values),
    ...(list(table.values.route) as Values[]),
  ];
}

/** Whether a route table sends 0.0.0.0/0 to a NAT gateway (or another egress target). */
export function hasDefaultRoute(
  stack: StackModel,
  table: Resource,
  via: "nat" | "internet" | "any" = "any",
): boolean {
  return routesOf(stack, table).some((route) => {
    if (route.destination_cidr_block !== "0.0.0.0/0" && route.cidr_block !== "0.0.0.0/0")
      return false;
    const nat = route.nat_gateway_id !== undefined;
    const igw = String(route.gateway_id ?? "").includes("aws_internet_gateway");
    return via === "any" ? true : via === "nat" ? nat : igw;
  });
}

/** The rules of a synthesized `aws_network_acl` (its inline ingress and egress blocks). */
export function naclRulesOfAcl(acl: Values): NaclRule[] {
  const toRule =
    (egress: boolean) =>
    (b: Values): NaclRule => ({
      ruleNumber: Number(b.rule_no),
      egress,
      protocol: b.protocol === "-1" ? "all" : "tcp",
      action: b.action === "deny" ? "deny" : "allow",
      cidrBlock: String(b.cidr_block),
      fromPort: Number(b.from_port),
      toPort: Number(b.to_port),
      purpose: "",
    });
  return [
    ...(list(acl.ingress) as Values[]).map(toRule(false)),
    ...(list(acl.egress) as Values[]).map(toRule(true)),
  ];
}
