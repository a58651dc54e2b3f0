import { describe, expect, it } from "vitest";
import { CostSchema, SUPPORT_STACK_USAGE, UsageSchema } from "../../src/cost/settings";
import { configProblems, configWith } from "../helpers";

describe("cost settings", () => {
  it("require a monthly budget per environment, naming the field", () => {
    const problems = configProblems(() =>
      configWith("staging", { cost: { monthlyBudgetUsd: undefined } }),
    );
    expect(problems).toEqual([
      expect.stringMatching(/^staging\.cost\.monthlyBudgetUsd: .*set cost\.monthlyBudgetUsd/),
    ]);
  });

  it("refuse a budget of 0 and an unreasoned acceptance of an overrun", () => {
    expect(CostSchema.safeParse({ monthlyBudgetUsd: 0 }).success).toBe(false);
    expect(CostSchema.safeParse({ monthlyBudgetUsd: 10, overBudgetAccepted: "ok" }).success).toBe(
      false,
    );
    expect(
      CostSchema.safeParse({ monthlyBudgetUsd: 10, overBudgetAccepted: "Launch month, approved" })
        .success,
    ).toBe(true);
  });

  it("default every usage assumption, and refuse negative ones", () => {
    const usage = UsageSchema.parse({});
    expect(Object.values(usage).every((v) => typeof v === "number" && v >= 0)).toBe(true);
    expect(UsageSchema.safeParse({ natGigabytesPerMonth: -1 }).success).toBe(false);
    expect(UsageSchema.safeParse({ scaleOutHoursPerMonth: 731 }).success).toBe(false);
    expect(UsageSchema.safeParse({ natGigabytes: 1 }).success).toBe(false);
  });

  it("assume little traffic for the state and shared stacks", () => {
    expect(SUPPORT_STACK_USAGE.tableWritesPerMonth).toBeLessThan(
      UsageSchema.parse({}).tableWritesPerMonth,
    );
  });
});
