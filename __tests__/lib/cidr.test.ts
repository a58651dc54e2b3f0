import { describe, expect, it } from "vitest";
import {
  allocateBlocks,
  assertDisjoint,
  CidrAllocationError,
  formatCidr,
  isPrivate,
  parseCidr,
} from "../../src/lib/cidr";

const cidr = (text: string) => {
  const parsed = parseCidr(text);
  if (!parsed) throw new Error(`bad fixture ${text}`);
  return parsed;
};

describe("parseCidr", () => {
  it.each(["10.0.0.0/16", "172.16.0.0/12", "192.168.4.0/24", "0.0.0.0/0"])("accepts %s", (text) => {
    expect(formatCidr(cidr(text))).toBe(text);
  });

  it.each([
    ["10.0.0.0/33", "prefix beyond 32"],
    ["10.0.0.1/16", "host bits set"],
    ["256.0.0.0/8", "octet above 255"],
    ["10.0.0/16", "three octets"],
    ["010.0.0.0/8", "leading zero (octal ambiguity)"],
    ["10.0.0.0", "no prefix"],
  ])("rejects %s (%s)", (text) => {
    expect(parseCidr(text)).toBeUndefined();
  });
});

describe("isPrivate", () => {
  it("accepts RFC 1918 ranges and rejects public space", () => {
    expect(isPrivate(cidr("10.20.0.0/16"))).toBe(true);
    expect(isPrivate(cidr("172.31.0.0/16"))).toBe(true);
    expect(isPrivate(cidr("172.32.0.0/16"))).toBe(false);
    expect(isPrivate(cidr("8.8.0.0/16"))).toBe(false);
  });
});

describe("allocateBlocks", () => {
  it("aligns each block to its own size, in request order", () => {
    const blocks = allocateBlocks(cidr("10.0.0.0/16"), [
      { name: "small", prefixLength: 24 },
      { name: "large", prefixLength: 20 },
    ]);
    expect(blocks.map(formatCidr)).toEqual(["10.0.0.0/24", "10.0.16.0/20"]);
  });

  it("rejects blocks that overflow the parent, naming the block", () => {
    expect(() =>
      allocateBlocks(cidr("10.0.0.0/24"), [
        { name: "a", prefixLength: 25 },
        { name: "b", prefixLength: 25 },
        { name: "c", prefixLength: 25 },
      ]),
    ).toThrowError(/^c: the blocks need at least 384 addresses but 10.0.0.0\/24 has 256/);
  });

  it("rejects a block larger than the parent", () => {
    expect(() => allocateBlocks(cidr("10.0.0.0/24"), [{ name: "big", prefixLength: 16 }])).toThrow(
      CidrAllocationError,
    );
  });
});

describe("assertDisjoint", () => {
  it("names the first overlapping pair", () => {
    expect(() =>
      assertDisjoint([
        { name: "one", block: cidr("10.0.0.0/24") },
        { name: "two", block: cidr("10.0.1.0/24") },
        { name: "three", block: cidr("10.0.0.128/25") },
      ]),
    ).toThrowError("one 10.0.0.0/24 overlaps three 10.0.0.128/25");
  });

  it("accepts adjacent blocks", () => {
    expect(() =>
      assertDisjoint([
        { name: "one", block: cidr("10.0.0.0/25") },
        { name: "two", block: cidr("10.0.0.128/25") },
      ]),
    ).not.toThrow();
  });
});
