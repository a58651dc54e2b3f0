import { BUDGET_ALERTS } from "../cost/budget";
import { estimateStack, UnpricedError } from "../cost/estimate";
import { fromFindings, notApplicable, type Level, type Rule } from "./rule";

const usd = (n: number) => `$${n.toFixed(2)}`;

/**
 * PLAT-10: an environment's estimated monthly cost (what its synthesized stack creates, priced by
 * `src/cost/`) is within its declared `cost.monthlyBudgetUsd`. Over budget is a warning in a
 * non-production tier and an error in production, unless `cost.overBudgetAccepted` gives the
 * reason; within budget but above the forecast alert's 80%, a warning (it would alert every
 * month). A stack the price table cannot price is reported the same way, never estimated low.
 */
export const monthlyBudget: Rule = {
  id: "PLAT-10",
  name: "Monthly budget",
  level: "error",
  message: "The environment's estimated monthly cost is within its declared budget.",
  explanation:
    "A budget alert arrives after the money is spent; a change that adds NAT gateways, AZs or a Multi-AZ database " +
    "shows its cost here, in the pull request, before it is applied (seed 003 dropped a NAT gateway to save $45 a month).",
  check(stack, context) {
    const { cost } = context;
    if (!cost) return notApplicable();
    const level: Level = cost.production && !cost.overBudgetAccepted ? "error" : "warning";
    const field = `${stack.name}.cost`;
    let estimate;
    try {
      estimate = estimateStack(stack.name, stack.json, cost.usage);
    } catch (error) {
      if (!(error instanceof UnpricedError)) throw error;
      return fromFindings([
        {
          paths: [`${stack.name}`],
          level,
          message: `cannot estimate ${stack.name} against ${field}.monthlyBudgetUsd: ${error.message}`,
        },
      ]);
    }
    const share = Math.round((estimate.totalUsd / cost.monthlyBudgetUsd) * 100);
    const line =
      `${usd(estimate.totalUsd)} a month estimated (fixed ${usd(estimate.fixedUsd)} + usage ${usd(estimate.usageUsd)} ` +
      `assumed in ${field}.usage) = ${share}% of ${field}.monthlyBudgetUsd ${usd(cost.monthlyBudgetUsd)}`;
    // The budget's first alert fires at this share of the forecast: an estimate above it pages
    // someone every month for what was planned.
    const forecastAlert = BUDGET_ALERTS[0].threshold;
    if (share <= forecastAlert) return fromFindings([], [line]);
    if (estimate.totalUsd <= cost.monthlyBudgetUsd)
      return fromFindings(
        [
          {
            paths: [`${stack.name}`],
            level: "warning",
            message:
              `${field}.monthlyBudgetUsd: ${cost.monthlyBudgetUsd}; the estimate ${usd(estimate.totalUsd)} is ${share}% of it, ` +
              `above the ${forecastAlert}% at which the budget's forecast alert fires: it would alert every month for planned spend; ` +
              `allowed: an estimate within ${forecastAlert}% of the budget; fix: raise ${field}.monthlyBudgetUsd to at least ` +
              `${Math.ceil((estimate.totalUsd * 100) / forecastAlert)}`,
          },
        ],
        [line],
      );
    const largest = Object.entries(estimate.byConcept)
      .sort(([, a], [, b]) => b.totalUsd - a.totalUsd)
      .slice(0, 3)
      .map(([concept, total]) => `${concept} ${usd(total.totalUsd)}`)
      .join(", ");
    const accepted = cost.overBudgetAccepted ? ` (accepted: ${cost.overBudgetAccepted})` : "";
    return fromFindings(
      [
        {
          paths: [`${stack.name}`],
          level,
          message:
            `${field}.monthlyBudgetUsd: ${cost.monthlyBudgetUsd}; the estimate is ${usd(estimate.totalUsd)}${accepted}; ` +
            `allowed: at least the estimate; fix: raise ${field}.monthlyBudgetUsd, or lower the largest (${largest}: ` +
            `docs/cost.md lists each lever's price)` +
            (cost.production && !cost.overBudgetAccepted
              ? `, or set ${field}.overBudgetAccepted to the reviewed reason`
              : ""),
        },
      ],
      [line],
    );
  },
};
