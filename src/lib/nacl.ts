/**
 * Network ACLs as data: the rules each subnet tier needs to realise the traffic matrix of
 * docs/architecture.md, and an evaluator with AWS's semantics (lowest rule number that matches
 * wins; no match is a deny). NACLs are stateless, so every allowed flow needs its return
 * traffic allowed too, on the initiator's ephemeral ports.
 */
import { containsIp, parseCidr, parseIp } from "./cidr";
import type { Tier } from "./subnet-plan";

export const ANYWHERE = "0.0.0.0/0";

/**
 * Ephemeral ports of the clients in each tier:
 * - public: the ALB's nodes and the NAT gateway use 1024-65535 (AWS's NACL guidance for ELB and NAT);
 * - private and isolated: Fargate tasks (Linux 32768-60999, Windows 49152-65535), so 32768-65535.
 * The narrower range in the private tier is what keeps the service port (below 32768) closed to
 * everything but the ALB subnets.
 */
export const EPHEMERAL = {
  public: { from: 1024, to: 65535 },
  private: { from: 32768, to: 65535 },
  isolated: { from: 32768, to: 65535 },
} as const satisfies Record<Tier, { from: number; to: number }>;

export type Protocol = "tcp" | "all";

export interface NaclRule {
  readonly ruleNumber: number;
  readonly egress: boolean;
  readonly protocol: Protocol;
  readonly action: "allow" | "deny";
  readonly cidrBlock: string;
  readonly fromPort: number;
  readonly toPort: number;
  /** Why the rule exists, for the generated resource's documentation and for reports. */
  readonly purpose: string;
}

export interface NaclInputs {
  readonly subnetCidrs: Readonly<Record<Tier, readonly string[]>>;
  /** The public services' container ports: ALB -> service tasks. */
  readonly servicePorts: readonly number[];
  /** The database port: service tasks -> database; none without a database. */
  readonly databasePort?: number;
  /** Whether NAT gateways carry the private tiers' egress (public subnets then relay 443 out). */
  readonly natEnabled: boolean;
  /** Whether interface endpoints sit in the private subnets (tasks reach them on 443). */
  readonly interfaceEndpoints: boolean;
}

type RuleDraft = Omit<NaclRule, "ruleNumber" | "egress">;

const tcp = (cidrBlock: string, from: number, to: number, purpose: string): RuleDraft => ({
  protocol: "tcp",
  action: "allow",
  cidrBlock,
  fromPort: from,
  toPort: to,
  purpose,
});

const all = (cidrBlock: string, purpose: string): RuleDraft => ({
  protocol: "all",
  action: "allow",
  cidrBlock,
  fromPort: 0,
  toPort: 0,
  purpose,
});

/** Numbers each group of drafts from its base (100, 200, ...), one number per CIDR. */
function numbered(egress: boolean, groups: readonly RuleDraft[][]): NaclRule[] {
  return groups.flatMap((group, g) =>
    group.map((draft, i) => ({ ...draft, egress, ruleNumber: (g + 1) * 100 + i })),
  );
}

/** The rules of each tier's network ACL. Anything not allowed here is denied. */
export function naclRules(inputs: NaclInputs): Record<Tier, NaclRule[]> {
  const { subnetCidrs: cidrs, servicePorts, databasePort } = inputs;
  const eph = EPHEMERAL;
  const each = (tier: Tier, make: (cidr: string) => RuleDraft) => cidrs[tier].map(make);
  const eachPort = (tier: Tier) =>
    servicePorts.flatMap((port) =>
      each(tier, (c) => tcp(c, port, port, "ALB to the service tasks")),
    );
  const toDatabase = (tier: Tier) =>
    databasePort === undefined
      ? []
      : each(tier, (c) => tcp(c, databasePort, databasePort, "tasks to the database"));

  const publicRules = [
    ...numbered(false, [
      [tcp(ANYWHERE, 443, 443, "HTTPS from the internet to the ALB (and from tasks to the NAT)")],
      [tcp(ANYWHERE, 80, 80, "HTTP from the internet, which the ALB only redirects")],
      [tcp(ANYWHERE, eph.public.from, eph.public.to, "return traffic to the ALB and NAT gateway")],
    ]),
    ...numbered(true, [
      eachPort("private"),
      inputs.natEnabled ? [tcp(ANYWHERE, 443, 443, "NAT gateway relays HTTPS out")] : [],
      [
        tcp(
          ANYWHERE,
          eph.public.from,
          eph.public.to,
          "responses to clients and NAT return traffic",
        ),
      ],
    ]),
  ];

  const privateRules = [
    ...numbered(false, [
      eachPort("public"),
      inputs.interfaceEndpoints
        ? each("private", (c) => tcp(c, 443, 443, "tasks to the interface endpoints"))
        : [],
      [tcp(ANYWHERE, eph.private.from, eph.private.to, "return traffic to the tasks")],
    ]),
    ...numbered(true, [
      each("public", (c) => tcp(c, eph.public.from, eph.public.to, "responses to the ALB")),
      [tcp(ANYWHERE, 443, 443, "tasks to AWS APIs (NAT, endpoints or S3 gateway)")],
      toDatabase("isolated"),
      inputs.interfaceEndpoints
        ? each("private", (c) =>
            tcp(c, eph.private.from, eph.private.to, "interface endpoints' responses to the tasks"),
          )
        : [],
    ]),
  ];

  const isolatedRules = [
    ...numbered(false, [
      toDatabase("private"),
      each("isolated", (c) => all(c, "database replication between AZs")),
    ]),
    ...numbered(true, [
      each("private", (c) =>
        tcp(c, eph.private.from, eph.private.to, "database responses to the tasks"),
      ),
      each("isolated", (c) => all(c, "database replication between AZs")),
    ]),
  ];

  return { public: publicRules, private: privateRules, isolated: isolatedRules };
}

export interface Packet {
  /** The address on the far side: the source for ingress, the destination for egress. */
  readonly peerIp: string;
  /** The destination port of the packet. */
  readonly port: number;
  readonly protocol?: "tcp";
}

export interface Verdict {
  readonly allowed: boolean;
  /** The rule that decided, or `*` for the implicit deny. */
  readonly rule: number | "*";
}

/** AWS's NACL semantics: rules in ascending number; the first match decides; none is a deny. */
export function evaluateNacl(
  rules: readonly NaclRule[],
  direction: "ingress" | "egress",
  packet: Packet,
): Verdict {
  const ip = parseIp(packet.peerIp);
  if (ip === undefined) throw new Error(`not an IPv4 address: ${packet.peerIp}`);
  const ordered = rules
    .filter((r) => r.egress === (direction === "egress"))
    .sort((a, b) => a.ruleNumber - b.ruleNumber);
  for (const rule of ordered) {
    const block = parseCidr(rule.cidrBlock);
    if (!block || !containsIp(block, ip)) continue;
    if (rule.protocol === "tcp" && (packet.port < rule.fromPort || packet.port > rule.toPort)) {
      continue;
    }
    return { allowed: rule.action === "allow", rule: rule.ruleNumber };
  }
  return { allowed: false, rule: "*" };
}
