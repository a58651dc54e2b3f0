import { describe, expect, it } from "vitest";
import { evaluateNacl, naclRules, type NaclRule } from "../../src/lib/nacl";

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

describe("naclRules", () => {
  const subnetCidrs = {
    public: ["10.0.0.0/24"],
    private: ["10.0.16.0/20"],
    isolated: ["10.0.100.0/24"],
  };
  const base = { subnetCidrs, natEnabled: true, interfaceEndpoints: false };
  const publicHost = { peerIp: "10.0.0.10" };
  const privateHost = { peerIp: "10.0.16.10" };

  it("opens every public service's port from the ALB's subnets to the tasks, and no other", () => {
    const rules = naclRules({ ...base, servicePorts: [8080, 3001], databasePort: 5432 });
    for (const port of [8080, 3001]) {
      expect(evaluateNacl(rules.private, "ingress", { ...publicHost, port }).allowed).toBe(true);
      expect(evaluateNacl(rules.public, "egress", { ...privateHost, port }).allowed).toBe(true);
    }
    expect(evaluateNacl(rules.private, "ingress", { ...publicHost, port: 9090 }).allowed).toBe(
      false,
    );
  });

  it("opens no path from the tasks to the isolated subnets when there is no database port", () => {
    const rules = naclRules({ ...base, servicePorts: [8080] });
    expect(
      evaluateNacl(rules.private, "egress", { peerIp: "10.0.100.10", port: 5432 }).allowed,
    ).toBe(false);
    expect(evaluateNacl(rules.isolated, "ingress", { ...privateHost, port: 5432 }).allowed).toBe(
      false,
    );
    const withDatabase = naclRules({ ...base, servicePorts: [8080], databasePort: 5432 });
    expect(
      evaluateNacl(withDatabase.isolated, "ingress", { ...privateHost, port: 5432 }).allowed,
    ).toBe(true);
  });

  it("opens no ALB port to the tasks when no service is public", () => {
    const rules = naclRules({ ...base, servicePorts: [] });
    expect(evaluateNacl(rules.private, "ingress", { ...publicHost, port: 8080 }).allowed).toBe(
      false,
    );
  });
});
