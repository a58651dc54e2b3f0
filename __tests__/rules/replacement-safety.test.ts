import { describe, expect, it } from "vitest";
import { PLATFORM_RULES } from "../../src/rules/pack";
import { replacementSafety } from "../../src/rules/replacement-safety";
import { context, model } from "./fixtures";

const meta = (path: string) => ({ "//": { metadata: { path: `fixture/${path}` } } });
/** GIVEN a security group with `values`, used by a load balancer. */
const usedGroup = (values: Record<string, unknown>) => ({
  resource: {
    aws_security_group: { alb_sg: { ...meta("alb/sg"), vpc_id: "vpc-1", ...values } },
    aws_lb: { alb: { security_groups: ["${aws_security_group.alb_sg.id}"] } },
  },
});
const check = (json: object) => replacementSafety.check(model(json as never), context);

describe("PLAT-11 Replacement safety", () => {
  it("fails a named security group in use that Terraform would delete first, naming the refusal and the fix", () => {
    const result = check(usedGroup({ name: "orbit-prod-alb", description: "ALB" }));
    expect(result.findings).toEqual([
      {
        paths: ["fixture/alb/sg"],
        message: expect.stringMatching(
          /^aws_security_group\.alb_sg: a change of description, vpc_id replaces it, and 1 resource\(s\) use it \(aws_lb\.alb\); Terraform deletes first and AWS answers DependencyViolation .*Fix: use name_prefix and lifecycle create_before_destroy/,
        ),
      },
    ]);
  });

  it("passes the same group with a name prefix, created before the old one is destroyed", () => {
    const result = check(
      usedGroup({
        name_prefix: "orbit-prod-alb-",
        description: "ALB",
        lifecycle: { create_before_destroy: true },
      }),
    );
    expect(result.verdict).toBe("compliant");
  });

  it("fails create-before-destroy under a fixed name: the replacement's name collides with the old one's", () => {
    const result = check(
      usedGroup({
        name: "orbit-prod-alb",
        description: "ALB",
        lifecycle: { create_before_destroy: true },
      }),
    );
    expect(result.findings[0]!.message).toMatch(/fixed name "orbit-prod-alb" would collide/);
  });

  it("passes a target group whose name carries a digest of what forces its replacement", () => {
    const targetGroup = (name: string) => ({
      resource: {
        aws_lb_target_group: {
          api: { name, port: 8080, protocol: "HTTP", lifecycle: { create_before_destroy: true } },
        },
        aws_lb_listener_rule: {
          api: { action: [{ target_group_arn: "${aws_lb_target_group.api.arn}" }] },
        },
      },
    });
    expect(check(targetGroup("orbit-prod-api-1a2b3c")).verdict).toBe("compliant");
    expect(check(targetGroup("orbit-prod-api")).verdict).toBe("non-compliant");
  });

  it("passes a policy others address by name whose forcing attribute is kept at its first value", () => {
    const policy = (lifecycle?: object) => ({
      resource: {
        aws_iam_policy: { boundary: { name: "orbit-boundary", description: "ceiling", lifecycle } },
        aws_iam_role: { deploy: { permissions_boundary: "${aws_iam_policy.boundary.arn}" } },
      },
    });
    expect(check(policy({ ignore_changes: ["description"] })).verdict).toBe("compliant");
    expect(check(policy()).verdict).toBe("non-compliant");
  });

  it("leaves alone what nothing uses, and what has no replacement-forcing attribute set", () => {
    const unused = { resource: { aws_security_group: { sg: { name: "x", description: "y" } } } };
    expect(check(unused).verdict).toBe("compliant");
    expect(check({ resource: { aws_vpc: { vpc: {} } } }).verdict).toBe("not-applicable");
  });

  it("is in the pack after PLAT-10", () => {
    expect(PLATFORM_RULES.map((r) => r.id).slice(-2)).toEqual(["PLAT-10", "PLAT-11"]);
    expect(PLATFORM_RULES.at(-1)).toBe(replacementSafety);
  });
});
