import { describe, expect, it } from "vitest";
import { PRICES } from "../../src/cost/prices";
import { UsageSchema } from "../../src/cost/settings";
import { monthlyBudget } from "../../src/rules/monthly-budget";
import { PLATFORM_RULES, runRules } from "../../src/rules/pack";
import type { RuleContext } from "../../src/rules/rule";
import { context, model } from "./fixtures";

/** GIVEN a stack in eu-west-1 with three NAT gateways: 3 x 730 h x the hourly rate a month. */
const natStack = (type = "aws_nat_gateway") => ({
  provider: { aws: [{ region: "eu-west-1" }] },
  resource: {
    [type]: Object.fromEntries(
      ["a", "b", "c"].map((az) => [
        `nat_${az}`,
        { "//": { metadata: { path: `prod/network/nat-${az}` } } },
      ]),
    ),
  },
});
const natCost = 3 * 730 * PRICES.natGatewayHour.usd["eu-west-1"];
const withBudget = (
  monthlyBudgetUsd: number,
  production: boolean,
  overBudgetAccepted?: string,
): RuleContext => ({
  ...context,
  cost: {
    monthlyBudgetUsd,
    production,
    overBudgetAccepted,
    usage: UsageSchema.parse({ natGigabytesPerMonth: 0 }),
  },
});

describe("PLAT-10 Monthly budget", () => {
  it("passes an estimate within the budget and reports the share of it", () => {
    const result = monthlyBudget.check(model(natStack(), "prod"), withBudget(200, true));
    expect(result.verdict).toBe("compliant");
    expect(result.report).toEqual([
      expect.stringMatching(
        /^\$105\.12 a month estimated \(fixed \$105\.12 \+ usage \$0\.00 assumed in prod\.cost\.usage\) = 53% of prod\.cost\.monthlyBudgetUsd \$200\.00$/,
      ),
    ]);
    expect(natCost).toBeCloseTo(105.12, 2);
  });

  it("warns when the estimate is within budget but above the forecast alert's 80%: it would alert every month", () => {
    const result = monthlyBudget.check(model(natStack(), "prod"), withBudget(120, true));
    expect(result.findings).toEqual([
      {
        paths: ["prod"],
        level: "warning",
        message: expect.stringMatching(
          /^prod\.cost\.monthlyBudgetUsd: 120; the estimate \$105\.12 is 88% of it, above the 80% at which the budget's forecast alert fires.*fix: raise prod\.cost\.monthlyBudgetUsd to at least 132$/,
        ),
      },
    ]);
  });

  it("fails a production environment over its budget, naming the field, the estimate, the largest concept and the fixes", () => {
    const result = monthlyBudget.check(model(natStack(), "prod"), withBudget(100, true));
    expect(result.findings).toEqual([
      {
        paths: ["prod"],
        level: "error",
        message:
          "prod.cost.monthlyBudgetUsd: 100; the estimate is $105.12; allowed: at least the estimate; " +
          "fix: raise prod.cost.monthlyBudgetUsd, or lower the largest (network $105.12: docs/cost.md lists each lever's price), " +
          "or set prod.cost.overBudgetAccepted to the reviewed reason",
      },
    ]);
  });

  it("only warns for a non-production environment, or a production one whose overrun was accepted", () => {
    const staging = monthlyBudget.check(model(natStack(), "staging"), withBudget(100, false));
    expect(staging.findings.map((f) => f.level)).toEqual(["warning"]);
    const accepted = monthlyBudget.check(
      model(natStack(), "prod"),
      withBudget(100, true, "Launch month: approved by finance, 2026-11"),
    );
    expect(accepted.findings.map((f) => [f.level, f.message])).toEqual([
      [
        "warning",
        expect.stringContaining("(accepted: Launch month: approved by finance, 2026-11)"),
      ],
    ]);
  });

  it("reports a stack it cannot price instead of estimating it low", () => {
    const result = monthlyBudget.check(
      model(natStack("aws_instance"), "prod"),
      withBudget(1000, true),
    );
    expect(result.findings).toEqual([
      {
        paths: ["prod"],
        level: "error",
        message: expect.stringMatching(
          /^cannot estimate prod against prod\.cost\.monthlyBudgetUsd: prod: resource type aws_instance is neither priced nor listed as free/,
        ),
      },
    ]);
  });

  it("does not apply to a stack without a budget (state, shared)", () => {
    expect(monthlyBudget.check(model(natStack(), "shared"), context).verdict).toBe(
      "not-applicable",
    );
  });

  it("is in the pack: an over-budget production environment fails the synth", () => {
    expect(PLATFORM_RULES).toContain(monthlyBudget);
    const report = runRules({ prod: natStack() as never }, () => withBudget(100, true));
    expect(report.errors).toEqual([
      expect.stringMatching(/^\[PLAT-10 Monthly budget\] prod: prod\.cost\.monthlyBudgetUsd: 100;/),
    ]);
  });
});
