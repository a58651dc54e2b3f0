/**
 * Checks that compare environments. Each runs over every pair (never "the first two"), and each
 * message names both environments and the field to change.
 */
import { formatCidr, overlaps, parseCidr } from "../lib/cidr";
import { githubEnvironment } from "./names";
import { explain } from "./fields";
import type { EnvironmentConfig } from "./schema";

/** Every unordered pair of `items`, each once, in their order. */
export function pairs<T>(items: readonly T[]): [T, T][] {
  return items.flatMap((a, i) => items.slice(i + 1).map((b): [T, T] => [a, b]));
}

type PairCheck = (a: EnvironmentConfig, b: EnvironmentConfig) => string | undefined;

/**
 * Two VPCs whose ranges overlap can never be peered or joined by a transit gateway, and a
 * shared service (a VPN, a monitoring VPC) cannot route to both.
 */
const overlappingCidrs: PairCheck = (a, b) => {
  const [ca, cb] = [parseCidr(a.network.cidr), parseCidr(b.network.cidr)];
  if (!ca || !cb || !overlaps(ca, cb)) return undefined;
  return (
    `${b.name}.network.cidr: ${JSON.stringify(b.network.cidr)} ` +
    explain(
      `overlaps ${a.name}.network.cidr ${formatCidr(ca)}`,
      "a range that overlaps no other environment's",
      `give ${b.name} its own range, e.g. the next free /16 after ${a.network.cidr}`,
    )
  );
};

/**
 * A production environment shares its account with nothing of a lower tier: a non-production
 * deploy role, task or mistake in the same account could read or break production data.
 */
const sharedAccountAcrossTiers: PairCheck = (a, b) => {
  if (a.tier === b.tier) return undefined;
  const account = a.allowedAccountIds.find((id) => b.allowedAccountIds.includes(id));
  if (account === undefined) return undefined;
  const [production, other] = a.tier === "production" ? [a, b] : [b, a];
  return (
    `${production.name}.allowedAccountIds: ${JSON.stringify(production.allowedAccountIds)} ` +
    explain(
      `shares account ${account} with the ${other.tier} environment ${other.name}`,
      "an account no environment of another tier uses",
      `run ${production.name} in an account of its own (AWS Organizations makes one in minutes)`,
    )
  );
};

/**
 * A Route 53 hosted zone belongs to one account, and each environment's provider may act only in
 * its own account: two environments in different accounts cannot both write records in one zone.
 */
const sharedZoneAcrossAccounts: PairCheck = (a, b) => {
  const zone = a.loadBalancer.tls?.hostedZoneId;
  if (!zone || zone !== b.loadBalancer.tls?.hostedZoneId) return undefined;
  if (a.allowedAccountIds.some((account) => b.allowedAccountIds.includes(account)))
    return undefined;
  return (
    `${b.name}.loadBalancer.tls.hostedZoneId: ${JSON.stringify(zone)} ` +
    explain(
      `is also ${a.name}'s zone, but ${a.name} and ${b.name} run in different accounts and a zone belongs to one`,
      "a hosted zone in this environment's own account",
      `delegate a subzone (e.g. for ${b.loadBalancer.tls?.domainName}) to ${b.name}'s account and use its id`,
    )
  );
};

/** One name, one load balancer: the second alias record would overwrite the first. */
const sharedDomainName: PairCheck = (a, b) => {
  const domain = a.loadBalancer.tls?.domainName;
  if (!domain || domain !== b.loadBalancer.tls?.domainName) return undefined;
  return (
    `${b.name}.loadBalancer.tls.domainName: ${JSON.stringify(domain)} ` +
    explain(
      `is also ${a.name}'s domain name, and one name can point at one load balancer`,
      "a domain name of its own",
      `use e.g. "${b.name}.${domain}"`,
    )
  );
};

/**
 * Each deploy role trusts the jobs of one GitHub environment; two environments sharing one would
 * let one environment's jobs deploy the other without its reviewers.
 */
const sharedGithubEnvironment: PairCheck = (a, b) => {
  const name = githubEnvironment(a);
  if (name.toLowerCase() !== githubEnvironment(b).toLowerCase()) return undefined;
  return (
    `${b.name}.githubEnvironment: ${JSON.stringify(githubEnvironment(b))} ` +
    explain(
      `is also ${a.name}'s GitHub environment (names are case-insensitive)`,
      "a GitHub environment of its own",
      b.tier === "production"
        ? `use e.g. "production-${b.name}", and give it required reviewers: its deploy role trusts that environment's jobs alone`
        : `use e.g. "${b.name}" (the default, the environment's own name)`,
    )
  );
};

const PAIR_CHECKS: readonly PairCheck[] = [
  overlappingCidrs,
  sharedAccountAcrossTiers,
  sharedZoneAcrossAccounts,
  sharedDomainName,
  sharedGithubEnvironment,
];

/** Every problem between two environments, over every pair. */
export function crossEnvironmentProblems(environments: readonly EnvironmentConfig[]): string[] {
  return pairs(environments).flatMap(([a, b]) =>
    PAIR_CHECKS.map((check) => check(a, b)).filter((p): p is string => p !== undefined),
  );
}
