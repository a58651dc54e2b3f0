import { describe, expect, it } from "vitest";
import {
  dataName,
  exactName,
  explain,
  integerBetween,
  retentionDays,
  serviceName,
  vpcCidr,
} from "../../src/config/fields";

const message = (result: { error?: { issues: { message: string }[] } }) =>
  result.error?.issues[0]?.message;

describe("configuration fields", () => {
  it("explain writes a problem, what is allowed and the fix", () => {
    expect(explain("is bad", "good", "make it good")).toBe(
      "is bad; allowed: good; fix: make it good",
    );
  });

  it("a VPC range is a private /16 to /24; a public or malformed one is told apart", () => {
    expect(vpcCidr.safeParse("10.20.0.0/16").success).toBe(true);
    expect(vpcCidr.safeParse("192.168.0.0/24").success).toBe(true);
    expect(message(vpcCidr.safeParse("10.0.0.0/25"))).toMatch(/^is not usable as a VPC CIDR/);
    expect(message(vpcCidr.safeParse("8.8.0.0/16"))).toMatch(/^is not usable as a VPC CIDR/);
    expect(message(vpcCidr.safeParse("10.0.0/16"))).toMatch(/^is not a valid IPv4 CIDR/);
  });

  it("a log retention is one CloudWatch Logs accepts", () => {
    expect(retentionDays.safeParse(30).success).toBe(true);
    expect(message(retentionDays.safeParse(31))).toMatch(
      /^is not a retention CloudWatch Logs accepts; allowed: 1, 3, 5/,
    );
  });

  it("integerBetween refuses fractions and both bounds' outsides with one message", () => {
    const count = integerBetween(1, 3, "pick 1 to 3");
    expect(count.safeParse(2).success).toBe(true);
    for (const bad of [0, 4, 1.5]) {
      expect(message(count.safeParse(bad))).toBe(
        "is out of range; allowed: an integer from 1 to 3; fix: pick 1 to 3",
      );
    }
  });

  it("an exact name refuses a wildcard with its own reason, and a mismatch with the given one", () => {
    const branch = exactName("branch name", /^[a-z]+$/, "is not a branch");
    expect(branch.safeParse("main").success).toBe(true);
    expect(message(branch.safeParse("release-*"))).toMatch(/^is not an exact branch name/);
    expect(message(branch.safeParse("Main"))).toBe("is not a branch");
  });

  it("data names are 2 to 32 and service names 2 to 12 lower-case characters, starting with a letter", () => {
    expect(dataName("table").safeParse("items").success).toBe(true);
    expect(dataName("table").safeParse("a".repeat(33)).success).toBe(false);
    expect(dataName("table").safeParse("1items").success).toBe(false);
    expect(serviceName.safeParse("worker").success).toBe(true);
    expect(serviceName.safeParse("a-very-long-name").success).toBe(false);
    expect(serviceName.safeParse("api-").success).toBe(false);
  });
});
