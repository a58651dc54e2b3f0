import { describe, expect, it } from "vitest";
import type { StackEstimate } from "../../src/cost/estimate";
import { costComparison, costTable } from "../../src/cost/report";
import { UsageSchema } from "../../src/cost/settings";

/** GIVEN an estimate of `stack` with these concept totals (all fixed). */
const estimate = (stack: string, concepts: Record<string, number>): StackEstimate => {
  const total = Object.values(concepts).reduce((a, b) => a + b, 0);
  return {
    stack,
    regions: ["eu-west-1"],
    items: [],
    byConcept: Object.fromEntries(
      Object.entries(concepts).map(([c, usd]) => [
        c,
        { fixedUsd: usd, usageUsd: 0, totalUsd: usd },
      ]),
    ),
    fixedUsd: total,
    usageUsd: 0,
    totalUsd: total,
    usage: UsageSchema.parse({}),
    assumed: ["natGigabytesPerMonth"],
  };
};

describe("the cost report", () => {
  it("prints a row per concept, the total against the budget, and the assumptions it read", () => {
    const lines = costTable([estimate("staging", { network: 38.69, database: 16.08 })], {
      budgetOf: () => 100,
      assumptionsOf: (s) => `${s}.cost.usage`,
    });
    expect(lines).toContain("  network                              38.69      0.00     38.69");
    expect(lines.find((l) => l.startsWith("  total"))).toMatch(/54\.77\s+budget 100\.00 \(55%\)$/);
    expect(lines.at(-1)).toBe("  staging.cost.usage: natGigabytesPerMonth 20");
  });

  it("compares two apps: each stack's totals and the concepts that moved, in Markdown", () => {
    const base = [estimate("staging", { network: 38.69, database: 16.08 })];
    const head = [
      estimate("staging", { network: 77.38, database: 16.08 }),
      estimate("dev", { network: 38.69 }),
    ];
    const lines = costComparison(head, base);
    expect(lines).toContain("| staging | $54.77 | $93.46 | +$38.69 |");
    expect(lines).toContain("| dev | $0.00 | $38.69 | +$38.69 |");
    expect(lines).toContain("- staging / network: +$38.69 ($38.69 -> $77.38)");
    expect(lines.some((l) => l.includes("staging / database"))).toBe(false);
  });

  it("says so when nothing moved", () => {
    const same = [estimate("prod", { network: 10 })];
    expect(costComparison(same, same)).toContain("No concept changed cost.");
  });
});
