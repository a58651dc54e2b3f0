import { describe, expect, it } from "vitest";
import { trafficMatrix } from "../../src/rules/traffic-matrix";
import { context, model, servicePath } from "./fixtures";

type Resources = Record<string, Record<string, Record<string, unknown>>>;
const messages = (result: ReturnType<typeof trafficMatrix.check>) =>
  result.findings.map((f) => f.message);

describe("PLAT-2 traffic matrix", () => {
  it("passes the minimal path, reached through a listener rule, and prints every cell", () => {
    const result = trafficMatrix.check(model(servicePath()), context);
    expect(result.verdict).toBe("compliant");
    expect(result.report?.[0]).toBe("traffic matrix of fixture:");
    expect(result.report).toContainEqual(
      expect.stringMatching(/internet\s+-> ALB\s+443\s+allowed\s+ok: allowed/),
    );
    expect(result.report).toContainEqual(
      expect.stringMatching(/ALB\s+-> app\s+8080\s+allowed\s+ok: allowed/),
    );
    expect(result.report).toContainEqual(
      expect.stringMatching(/internet\s+-> app\s+8080\s+denied\s+ok: denied/),
    );
  });

  it("still finds a target group forwarded to by the listener's default action", () => {
    const result = trafficMatrix.check(
      model(servicePath({ forwardByDefaultAction: true })),
      context,
    );
    expect(result.verdict).toBe("compliant");
    expect(result.report).toContainEqual(
      expect.stringMatching(/ALB\s+-> app\s+8080\s+allowed\s+ok: allowed/),
    );
  });

  it("does not apply to a stack without any service", () => {
    const json = servicePath();
    delete (json.resource as Resources).aws_ecs_service;
    expect(trafficMatrix.check(model(json), context).verdict).toBe("not-applicable");
  });

  it("still checks a stack whose services are all workers: no load balancer rows, the rest apply", () => {
    const json = servicePath();
    delete (json.resource as Resources).aws_lb_listener_rule;
    const result = trafficMatrix.check(model(json), context);
    expect(result.verdict).toBe("compliant");
    expect(result.report?.join("\n")).not.toMatch(/internet\s+-> ALB/);
    expect(result.report?.join("\n")).toMatch(/internet\s+-> \S+\s+22\s+denied\s+ok/);
  });

  it("fails when the internet can reach the tasks directly", () => {
    const json = servicePath();
    const resources = json.resource as Resources;
    resources.aws_vpc_security_group_ingress_rule!.open = {
      security_group_id: "${aws_security_group.service.id}",
      ip_protocol: "tcp",
      from_port: 8080,
      to_port: 8080,
      cidr_ipv4: "0.0.0.0/0",
    };
    (
      resources.aws_ecs_service!.service!.network_configuration as Record<string, unknown>
    ).assign_public_ip = true;
    expect(messages(trafficMatrix.check(model(json), context))).toContainEqual(
      "internet -> app on 8080 must be denied but is allowed (all layers allow)",
    );
  });

  it("fails when the ALB cannot reach the tasks, naming the layer", () => {
    const result = trafficMatrix.check(model(servicePath({ albEgressPort: 9090 })), context);
    expect(messages(result)).toContainEqual(
      "ALB -> app on 8080 must be allowed but is denied (denied by security groups)",
    );
  });
});

describe("PLAT-2 traffic matrix with a worker (a service without a load balancer)", () => {
  const database = { egress: true, instance: true };

  it("passes a worker that neither declares nor reaches the database, and checks that nothing reaches it", () => {
    const result = trafficMatrix.check(model(servicePath({ database, worker: {} })), context);
    expect(result.verdict).toBe("compliant");
    for (const cell of [
      /app\s+-> database\s+5432\s+allowed\s+ok: allowed/,
      /ALB\s+-> worker\s+8080\s+denied\s+ok: denied/,
      /worker\s+-> database\s+5432\s+denied\s+ok: denied/,
      /worker\s+-> internet\s+443\s+allowed\s+ok: allowed/,
      /internet\s+-> worker\s+22\s+denied\s+ok: denied/,
      /app\s+-> worker\s+8080\s+denied\s+ok: denied/,
      /worker\s+-> app\s+8080\s+denied\s+ok: denied/,
    ]) {
      expect(result.report).toContainEqual(expect.stringMatching(cell));
    }
  });

  it("fails a worker that reaches the database without DB_HOST, naming its security group and the database's", () => {
    const result = trafficMatrix.check(
      model(servicePath({ database, worker: { databaseRules: true } })),
      context,
    );
    expect(result.verdict).toBe("non-compliant");
    expect(result.findings).toEqual([
      {
        paths: ["fixture/worker-sg", "fixture/database-sg"],
        message: "worker -> database on 5432 must be denied but is allowed (all layers allow)",
      },
    ]);
  });

  it("passes a worker that declares the database (DB_HOST) and reaches it", () => {
    const result = trafficMatrix.check(
      model(servicePath({ database, worker: { dbHost: true, databaseRules: true } })),
      context,
    );
    expect(result.verdict).toBe("compliant");
    expect(result.report).toContainEqual(
      expect.stringMatching(/worker\s+-> database\s+5432\s+allowed\s+ok: allowed/),
    );
  });

  it("fails a worker that declares the database but cannot reach it", () => {
    const result = trafficMatrix.check(
      model(servicePath({ database, worker: { dbHost: true } })),
      context,
    );
    expect(messages(result)).toEqual([
      "worker -> database on 5432 must be allowed but is denied (denied by security groups)",
    ]);
  });

  it("fails when the load balancer can reach a worker", () => {
    const json = servicePath({ worker: {} });
    const resources = json.resource as Resources;
    resources.aws_vpc_security_group_ingress_rule!.alb_to_worker = {
      security_group_id: "${aws_security_group.worker.id}",
      referenced_security_group_id: "${aws_security_group.alb.id}",
      ip_protocol: "tcp",
      from_port: 8080,
      to_port: 8080,
    };
    resources.aws_vpc_security_group_egress_rule!.alb_to_worker = {
      security_group_id: "${aws_security_group.alb.id}",
      referenced_security_group_id: "${aws_security_group.worker.id}",
      ip_protocol: "tcp",
      from_port: 8080,
      to_port: 8080,
    };
    expect(messages(trafficMatrix.check(model(json), context))).toContainEqual(
      "ALB -> worker on 8080 must be denied but is allowed (all layers allow)",
    );
  });
});
