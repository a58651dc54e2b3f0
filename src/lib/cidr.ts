/**
 * IPv4 CIDR arithmetic: parsing, containment, overlap and subnet allocation.
 * Pure functions over numbers; no dependency on cdktf, so the network plan
 * and the guardrails can both reason about addresses before anything is synthesized.
 */

export interface Cidr {
  /** Network address as an unsigned 32-bit integer. */
  readonly network: number;
  readonly prefixLength: number;
}

const CIDR_PATTERN = /^(\d{1,3})\.(\d{1,3})\.(\d{1,3})\.(\d{1,3})\/(\d{1,2})$/;
const IP_PATTERN = /^(\d{1,3})\.(\d{1,3})\.(\d{1,3})\.(\d{1,3})$/;

function octetsToNumber(octets: string[]): number | undefined {
  let value = 0;
  for (const octet of octets) {
    // Leading zeros are rejected: AWS and many parsers read them as octal.
    if (octet.length > 1 && octet.startsWith("0")) return undefined;
    const n = Number(octet);
    if (n > 255) return undefined;
    value = value * 256 + n;
  }
  return value;
}

/** Parses `a.b.c.d`, or returns undefined. */
export function parseIp(text: string): number | undefined {
  const match = IP_PATTERN.exec(text);
  return match ? octetsToNumber(match.slice(1, 5)) : undefined;
}

/**
 * Parses `a.b.c.d/n` strictly: the address must be the network address of the block
 * (`10.0.0.1/16` is rejected, as AWS rejects it for a VPC).
 */
export function parseCidr(text: string): Cidr | undefined {
  const match = CIDR_PATTERN.exec(text);
  if (!match) return undefined;
  const network = octetsToNumber(match.slice(1, 5));
  const prefixLength = Number(match[5]);
  if (network === undefined || prefixLength > 32) return undefined;
  if (network % blockSize(prefixLength) !== 0) return undefined;
  return { network, prefixLength };
}

export function blockSize(prefixLength: number): number {
  return 2 ** (32 - prefixLength);
}

export function lastAddress(cidr: Cidr): number {
  return cidr.network + blockSize(cidr.prefixLength) - 1;
}

export function formatIp(value: number): string {
  return [24, 16, 8, 0].map((shift) => Math.floor(value / 2 ** shift) % 256).join(".");
}

export function formatCidr(cidr: Cidr): string {
  return `${formatIp(cidr.network)}/${cidr.prefixLength}`;
}

export function containsIp(cidr: Cidr, ip: number): boolean {
  return ip >= cidr.network && ip <= lastAddress(cidr);
}

export function overlaps(a: Cidr, b: Cidr): boolean {
  return a.network <= lastAddress(b) && b.network <= lastAddress(a);
}

/** The RFC 1918 private ranges, where a VPC's primary CIDR belongs. */
export const PRIVATE_RANGES: readonly Cidr[] = [
  "10.0.0.0/8",
  "172.16.0.0/12",
  "192.168.0.0/16",
].map((text) => parseCidr(text) as Cidr);

export function isPrivate(cidr: Cidr): boolean {
  return PRIVATE_RANGES.some(
    (range) => range.network <= cidr.network && lastAddress(cidr) <= lastAddress(range),
  );
}

export interface BlockRequest {
  /** A label for error messages, e.g. `private-b`. */
  readonly name: string;
  readonly prefixLength: number;
}

export class CidrAllocationError extends Error {}

/**
 * Allocates the requested blocks inside `parent`, in request order, each aligned to its own size.
 * Throws when a block is larger than the parent or the blocks do not fit (overflow); the result
 * never overlaps, and that is checked rather than assumed.
 */
export function allocateBlocks(parent: Cidr, requests: readonly BlockRequest[]): Cidr[] {
  const end = lastAddress(parent) + 1;
  let cursor = parent.network;
  const blocks = requests.map(({ name, prefixLength }) => {
    if (prefixLength < parent.prefixLength) {
      throw new CidrAllocationError(
        `${name}: a /${prefixLength} block cannot fit in the /${parent.prefixLength} ${formatCidr(parent)}`,
      );
    }
    const size = blockSize(prefixLength);
    const start = Math.ceil(cursor / size) * size;
    if (start + size > end) {
      const needed = requests.reduce((sum, r) => sum + blockSize(r.prefixLength), 0);
      throw new CidrAllocationError(
        `${name}: the blocks need at least ${needed} addresses but ${formatCidr(parent)} has ${blockSize(parent.prefixLength)}`,
      );
    }
    cursor = start + size;
    return { network: start, prefixLength };
  });
  assertDisjoint(blocks.map((block, i) => ({ name: requests[i]?.name ?? String(i), block })));
  return blocks;
}

/** Throws naming the first pair of overlapping blocks. */
export function assertDisjoint(blocks: readonly { name: string; block: Cidr }[]): void {
  for (let i = 0; i < blocks.length; i++) {
    for (let j = i + 1; j < blocks.length; j++) {
      const a = blocks[i]!;
      const b = blocks[j]!;
      if (overlaps(a.block, b.block)) {
        throw new CidrAllocationError(
          `${a.name} ${formatCidr(a.block)} overlaps ${b.name} ${formatCidr(b.block)}`,
        );
      }
    }
  }
}
