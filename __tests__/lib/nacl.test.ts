import { describe, expect, it } from "vitest";
import { evaluateNacl, type NaclRule } from "../../src/lib/nacl";

const rule = (
  ruleNumber: number,
  action: "allow" | "deny",
  cidrBlock: string,
  port: number,
): NaclRule => ({
  ruleNumber,
  egress: false,
  protocol: "tcp",
  action,
  cidrBlock,
  fromPort: port,
  toPort: port,
  purpose: "test",
});

describe("evaluateNacl", () => {
  it("lets the lowest-numbered matching rule decide, whatever the declaration order", () => {
    const rules = [rule(200, "allow", "0.0.0.0/0", 443), rule(100, "deny", "10.0.0.0/8", 443)];
    expect(evaluateNacl(rules, "ingress", { peerIp: "10.1.2.3", port: 443 })).toEqual({
      allowed: false,
      rule: 100,
    });
    expect(evaluateNacl(rules, "ingress", { peerIp: "192.0.2.1", port: 443 })).toEqual({
      allowed: true,
      rule: 200,
    });
  });

  it("denies what no rule matches", () => {
    expect(
      evaluateNacl([rule(100, "allow", "0.0.0.0/0", 443)], "ingress", {
        peerIp: "192.0.2.1",
        port: 22,
      }),
    ).toEqual({
      allowed: false,
      rule: "*",
    });
  });

  it("reads only the rules of the asked direction", () => {
    const egressOnly = [{ ...rule(100, "allow", "0.0.0.0/0", 443), egress: true }];
    expect(evaluateNacl(egressOnly, "ingress", { peerIp: "192.0.2.1", port: 443 }).allowed).toBe(
      false,
    );
    expect(evaluateNacl(egressOnly, "egress", { peerIp: "192.0.2.1", port: 443 }).allowed).toBe(
      true,
    );
  });

  it("matches every port for protocol all", () => {
    const any: NaclRule = { ...rule(100, "allow", "10.0.0.0/24", 0), protocol: "all", toPort: 0 };
    expect(evaluateNacl([any], "ingress", { peerIp: "10.0.0.9", port: 5432 }).allowed).toBe(true);
    expect(evaluateNacl([any], "ingress", { peerIp: "10.0.1.9", port: 5432 }).allowed).toBe(false);
  });
});
