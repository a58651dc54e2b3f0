import { Testing, TerraformStack } from "cdktf";
import { Construct } from "constructs";
import { describe, expect, it } from "vitest";
import { collectSuppressions, suppressionFor, suppressRule } from "../../src/rules/suppressions";

describe("rule suppressions", () => {
  // GIVEN a stack with a construct and a child below it
  const stack = new TerraformStack(Testing.app(), "stack");
  const service = new Construct(stack, "service");
  new Construct(service, "sg");

  it("are collected with the rule, the trimmed reason and the construct's path", () => {
    suppressRule(service, "PLAT-1", "  the worker admits no traffic at all  ");
    expect(collectSuppressions(stack)).toEqual([
      { ruleId: "PLAT-1", reason: "the worker admits no traffic at all", path: "stack/service" },
    ]);
  });

  it("cover the construct and everything below it, for that rule only", () => {
    const all = collectSuppressions(stack);
    expect(suppressionFor(all, "PLAT-1", "stack/service")).toBeDefined();
    expect(suppressionFor(all, "PLAT-1", "stack/service/sg")).toBeDefined();
    expect(suppressionFor(all, "PLAT-1", "stack/service-b")).toBeUndefined();
    expect(suppressionFor(all, "PLAT-2", "stack/service/sg")).toBeUndefined();
  });

  it("refuse a reason shorter than 10 characters, naming the rule and the construct", () => {
    expect(() => suppressRule(service, "PLAT-3", " because ")).toThrow(
      /Suppression of PLAT-3 on stack\/service needs a reason of at least 10 characters/,
    );
  });
});
