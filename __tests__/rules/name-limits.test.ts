import { describe, expect, it } from "vitest";
import { nameLimits } from "../../src/rules/name-limits";
import { context, model, servicePath } from "./fixtures";

describe("PLAT-6 name limits", () => {
  it("passes names within AWS's limits", () => {
    expect(
      nameLimits.check(model(servicePath({ albName: "orbit-prod-alb" })), context).verdict,
    ).toBe("compliant");
  });

  it("catches a load balancer name over 32 characters, which fails only at apply", () => {
    const result = nameLimits.check(
      model(servicePath({ albName: "a-very-long-project-name-prod-alb" })),
      context,
    );
    expect(result.findings).toEqual([
      expect.objectContaining({
        message: expect.stringMatching(
          /^aws_lb\.alb: name "a-very-long-project-name-prod-alb" is 33 characters; AWS allows 32/,
        ),
      }),
    ]);
  });

  it("counts an account id interpolation as 12 characters", () => {
    const bucket = (prefix: number) => ({
      resource: {
        aws_s3_bucket: {
          logs: { bucket: `${"a".repeat(prefix)}\${data.aws_caller_identity.account.account_id}` },
        },
      },
    });
    expect(nameLimits.check(model(bucket(51)), context).verdict).toBe("compliant");
    expect(nameLimits.check(model(bucket(52)), context).findings[0]?.message).toMatch(
      /is 64 characters; AWS allows 63/,
    );
  });
});
