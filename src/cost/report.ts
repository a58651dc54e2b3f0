/**
 * The cost estimate as people read it: a table per stack and concept with budgets and the
 * assumptions used (`npm run cost`), and the difference between two synthesized apps as Markdown
 * for a pull request's job summary (`npm run cost -- --compare <dir>`).
 */
import type { StackEstimate } from "./estimate";
import { PRICES } from "./prices";

/** The months the price table's rows were read, for every report's header. */
export const PRICES_READ = [...new Set(Object.values(PRICES).map((p) => p.read))].join(", ");

export interface ReportOptions {
  /** The monthly budget of a stack that is an environment. */
  readonly budgetOf: (stack: string) => number | undefined;
  /** Where a stack's assumptions are set (`staging.cost.usage`, `state (defaults)`). */
  readonly assumptionsOf: (stack: string) => string;
  /** Every line item under its stack. @default false */
  readonly items?: boolean;
}

const money = (n: number) => n.toFixed(2).padStart(10);
const signed = (n: number) => `${n >= 0 ? "+" : "-"}$${Math.abs(n).toFixed(2)}`;

/** Per stack: a row per concept (fixed, usage, total), the total against the budget. */
export function costTable(estimates: readonly StackEstimate[], options: ReportOptions): string[] {
  const lines = [
    `Monthly cost estimate in USD: list prices read ${PRICES_READ} (src/cost/prices.ts), usage from each environment's cost.usage`,
    "",
  ];
  for (const e of estimates) {
    lines.push(
      `${`${e.stack} (${e.regions.join(", ")})`.padEnd(34)}${"fixed".padStart(10)}${"usage".padStart(10)}${"total".padStart(10)}`,
    );
    for (const [concept, t] of Object.entries(e.byConcept))
      lines.push(
        `  ${concept.padEnd(32)}${money(t.fixedUsd)}${money(t.usageUsd)}${money(t.totalUsd)}`,
      );
    const budget = options.budgetOf(e.stack);
    lines.push(
      `  ${"total".padEnd(32)}${money(e.fixedUsd)}${money(e.usageUsd)}${money(e.totalUsd)}` +
        (budget
          ? `   budget ${budget.toFixed(2)} (${Math.round((e.totalUsd / budget) * 100)}%)`
          : ""),
    );
    if (options.items)
      for (const item of e.items)
        lines.push(
          `    ${item.address} [${item.kind}] ${item.description}: ${+item.quantity.toFixed(4)} x $${item.usdPerUnit} per ${item.unit} = $${item.usd.toFixed(2)}`,
        );
    lines.push("");
  }
  const total = estimates.reduce((s, e) => s + e.totalUsd, 0);
  lines.push(`${"all stacks".padEnd(54)}${money(total)}`, "", "Usage assumed:");
  for (const e of estimates) {
    const used = e.assumed.map((k) => `${k} ${e.usage[k]}`).join(", ");
    lines.push(`  ${options.assumptionsOf(e.stack)}: ${used || "none"}`);
  }
  return lines;
}

/** Markdown: each stack's total in `base` and `head`, and which concepts moved by how much. */
export function costComparison(
  head: readonly StackEstimate[],
  base: readonly StackEstimate[],
): string[] {
  const byName = (list: readonly StackEstimate[]) => new Map(list.map((e) => [e.stack, e]));
  const before = byName(base);
  const after = byName(head);
  const names = [...new Set([...before.keys(), ...after.keys()])].sort();
  const lines = [
    "### Monthly cost estimate",
    "",
    "| stack | base | this change | difference |",
    "| --- | ---: | ---: | ---: |",
  ];
  const moved: string[] = [];
  for (const name of names) {
    const b = before.get(name)?.totalUsd ?? 0;
    const a = after.get(name)?.totalUsd ?? 0;
    lines.push(`| ${name} | $${b.toFixed(2)} | $${a.toFixed(2)} | ${signed(a - b)} |`);
    const concepts = new Set([
      ...Object.keys(before.get(name)?.byConcept ?? {}),
      ...Object.keys(after.get(name)?.byConcept ?? {}),
    ]);
    for (const concept of [...concepts].sort()) {
      const cb = before.get(name)?.byConcept[concept]?.totalUsd ?? 0;
      const ca = after.get(name)?.byConcept[concept]?.totalUsd ?? 0;
      if (Math.abs(ca - cb) >= 0.005)
        moved.push(
          `- ${name} / ${concept}: ${signed(ca - cb)} ($${cb.toFixed(2)} -> $${ca.toFixed(2)})`,
        );
    }
  }
  lines.push("", moved.length > 0 ? "What moved:" : "No concept changed cost.", ...moved);
  lines.push(
    "",
    `Prices read ${PRICES_READ} (src/cost/prices.ts); both sides use this change's cost.usage assumptions.`,
  );
  return lines;
}
