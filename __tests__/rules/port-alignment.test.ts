import { describe, expect, it } from "vitest";
import { portAlignment } from "../../src/rules/port-alignment";
import { context, model, servicePath } from "./fixtures";

describe("PLAT-1 port alignment", () => {
  it("passes when one port runs through the whole path", () => {
    expect(portAlignment.check(model(servicePath()), context)).toEqual({
      verdict: "compliant",
      findings: [],
      report: undefined,
    });
  });

  it("catches seed 000: the infrastructure on 5000 while the app listens on 3001, naming the resources", () => {
    const seed = servicePath({
      containerPort: 3001,
      targetGroupPort: 5000,
      albEgressPort: 5000,
      serviceIngressPort: 5000,
    });
    const result = portAlignment.check(model(seed), context);
    expect(result.verdict).toBe("non-compliant");
    const messages = result.findings.map((f) => f.message);
    expect(messages).toContainEqual(
      expect.stringMatching(
        /target group port \(aws_lb_target_group\.targets\) is 5000 but the container listens on 3001/,
      ),
    );
    expect(messages).toContainEqual(
      expect.stringMatching(
        /aws_security_group\.alb has no egress to aws_security_group\.service on 3001/,
      ),
    );
    expect(messages).toContainEqual(
      expect.stringMatching(
        /aws_security_group\.service admits no ingress from aws_security_group\.alb on 3001/,
      ),
    );
  });

  it("catches a PORT variable that disagrees with the port mapping", () => {
    const result = portAlignment.check(model(servicePath({ portVariable: "3000" })), context);
    expect(result.findings.map((f) => f.message)).toEqual([
      expect.stringMatching(
        /^PORT in aws_ecs_task_definition\.task is 3000 but the container listens on 8080/,
      ),
    ]);
  });

  it("does not apply to a stack without a service behind a load balancer", () => {
    expect(portAlignment.check(model({ resource: {} }), context).verdict).toBe("not-applicable");
  });
});
