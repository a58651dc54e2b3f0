/**
 * `npm run cost`: the monthly cost of every synthesized stack (cdktf.out), per concept, from the
 * dated price table in src/cost/prices.ts and each environment's `cost.usage` assumptions.
 *
 *   npm run cost                        tables per stack, totals, budgets and the assumptions
 *   npm run cost -- --items             every line item (what is counted, quantity, unit price)
 *   npm run cost -- --json              the same as JSON, for machines
 *   npm run cost -- --compare <dir>     Markdown: this cdktf.out against another (a PR against main)
 *   npm run cost -- --outdir <dir>      read another synthesized app
 *
 * It reads what Terraform will create, not the configuration: run `npm run synth` first. Every
 * resource is priced or listed as free with its reason; anything else fails (exit 1), naming it.
 */
import { existsSync } from "node:fs";
import { join } from "node:path";
import { parseArgs } from "node:util";
import { parseConfig } from "../src/config/load";
import { estimateStack, UnpricedError, type StackEstimate } from "../src/cost/estimate";
import { PRICES } from "../src/cost/prices";
import { SUPPORT_STACK_USAGE, type Usage } from "../src/cost/settings";
import { readStacks } from "../src/rules";

const { values: options } = parseArgs({
  options: {
    outdir: { type: "string", default: "cdktf.out" },
    compare: { type: "string" },
    json: { type: "boolean", default: false },
    items: { type: "boolean", default: false },
  },
});

const config = parseConfig();
const usageOf = (stack: string): Usage =>
  Object.hasOwn(config.environments, stack)
    ? config.environments[stack]!.cost.usage
    : SUPPORT_STACK_USAGE;
const budgetOf = (stack: string): number | undefined =>
  Object.hasOwn(config.environments, stack)
    ? config.environments[stack]!.cost.monthlyBudgetUsd
    : undefined;

function estimateApp(outdir: string): StackEstimate[] {
  if (!existsSync(join(outdir, "stacks")))
    throw new UnpricedError(`${outdir}/stacks does not exist: run \`npm run synth\` first`);
  return Object.entries(readStacks(outdir))
    .sort(([a], [b]) => a.localeCompare(b))
    .map(([name, json]) => estimateStack(name, json, usageOf(name)));
}

const money = (n: number) => n.toFixed(2).padStart(10);
const signed = (n: number) => `${n >= 0 ? "+" : "-"}$${Math.abs(n).toFixed(2)}`;
const pricesRead = [...new Set(Object.values(PRICES).map((p) => p.read))].join(", ");

function table(estimates: StackEstimate[]): string[] {
  const lines = [
    `Monthly cost estimate in USD: list prices read ${pricesRead} (src/cost/prices.ts), usage from each environment's cost.usage`,
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
    const budget = budgetOf(e.stack);
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
    const where = Object.hasOwn(config.environments, e.stack)
      ? `${e.stack}.cost.usage`
      : `${e.stack} (defaults)`;
    const used = e.assumed.map((k) => `${k} ${e.usage[k]}`).join(", ");
    lines.push(`  ${where}: ${used}`);
  }
  return lines;
}

/** Markdown for a job summary: each stack's total here against `base`, and what moved. */
function comparison(head: StackEstimate[], base: StackEstimate[]): string[] {
  const byName = (list: StackEstimate[]) => new Map(list.map((e) => [e.stack, e]));
  const before = byName(base);
  const after = byName(head);
  const names = [...new Set([...before.keys(), ...after.keys()])].sort();
  const lines = [
    "### Monthly cost estimate",
    "",
    "| stack | base | this change | difference |",
    "| --- | ---: | ---: | ---: |",
  ];
  const changed: string[] = [];
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
        changed.push(
          `- ${name} / ${concept}: ${signed(ca - cb)} ($${cb.toFixed(2)} -> $${ca.toFixed(2)})`,
        );
    }
  }
  lines.push("", changed.length > 0 ? "What moved:" : "No concept changed cost.", ...changed);
  lines.push(
    "",
    `Prices read ${pricesRead} (src/cost/prices.ts); both sides use this change's cost.usage assumptions.`,
  );
  return lines;
}

try {
  const head = estimateApp(options.outdir);
  if (options.compare) {
    console.log(comparison(head, estimateApp(options.compare)).join("\n"));
  } else if (options.json) {
    console.log(JSON.stringify({ pricesRead, stacks: head }, null, 2));
  } else {
    console.log(table(head).join("\n"));
  }
} catch (error) {
  if (!(error instanceof UnpricedError)) throw error;
  console.error(`cost: ${error.message}`);
  process.exit(1);
}
