import { describe, expect, it } from "vitest";
import { trafficMatrix } from "../../src/rules/traffic-matrix";
import { context, model, servicePath } from "./fixtures";

describe("PLAT-2 traffic matrix", () => {
  it("passes the minimal path and prints every cell", () => {
    const result = trafficMatrix.check(model(servicePath()), context);
    expect(result.verdict).toBe("compliant");
    expect(result.report?.[0]).toBe("traffic matrix of fixture:");
    expect(result.report).toContainEqual(
      expect.stringMatching(/internet\s+-> ALB\s+443\s+allowed\s+ok: allowed/),
    );
    expect(result.report).toContainEqual(
      expect.stringMatching(/internet\s+-> service tasks\s+8080\s+denied\s+ok: denied/),
    );
  });

  it("fails when the internet can reach the tasks directly", () => {
    const json = servicePath();
    const rules = (json.resource as Record<string, Record<string, Record<string, unknown>>>)
      .aws_vpc_security_group_ingress_rule!;
    rules.open = {
      security_group_id: "${aws_security_group.service.id}",
      ip_protocol: "tcp",
      from_port: 8080,
      to_port: 8080,
      cidr_ipv4: "0.0.0.0/0",
    };
    const service = (json.resource as Record<string, Record<string, Record<string, unknown>>>)
      .aws_ecs_service!.service!;
    (service.network_configuration as Record<string, unknown>).assign_public_ip = true;
    const result = trafficMatrix.check(model(json), context);
    expect(result.findings.map((f) => f.message)).toContainEqual(
      "internet -> service tasks on 8080 must be denied but is allowed (all layers allow)",
    );
  });

  it("fails when the ALB cannot reach the tasks, naming the layer", () => {
    const result = trafficMatrix.check(model(servicePath({ albEgressPort: 9090 })), context);
    expect(result.findings.map((f) => f.message)).toContainEqual(
      "ALB -> service tasks on 8080 must be allowed but is denied (denied by security groups)",
    );
  });
});
