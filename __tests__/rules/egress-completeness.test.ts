import { describe, expect, it } from "vitest";
import { egressCompleteness } from "../../src/rules/egress-completeness";
import { context, model, servicePath } from "./fixtures";

describe("PLAT-3 egress completeness", () => {
  it("passes when every ingress from a group has the group's egress", () => {
    expect(
      egressCompleteness.check(model(servicePath({ database: { egress: true } })), context).verdict,
    ).toBe("compliant");
  });

  it("catches seed 000 phase III: the database admits the tasks on 5432 but the tasks have no egress to it", () => {
    const result = egressCompleteness.check(
      model(servicePath({ database: { egress: false } })),
      context,
    );
    expect(result.verdict).toBe("non-compliant");
    expect(result.findings).toEqual([
      {
        paths: ["fixture/service-sg", "fixture/database-sg"],
        message:
          "aws_security_group.database admits aws_security_group.service on 5432, but aws_security_group.service has no egress to it on 5432: add the egress (TrafficRule creates both)",
      },
    ]);
  });

  it("does not apply without group-to-group ingress", () => {
    expect(egressCompleteness.check(model({ resource: {} }), context).verdict).toBe(
      "not-applicable",
    );
  });
});
