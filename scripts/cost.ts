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
import { costComparison, costTable, PRICES_READ } from "../src/cost/report";
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
const environment = (stack: string) =>
  Object.hasOwn(config.environments, stack) ? config.environments[stack] : undefined;
const usageOf = (stack: string): Usage => environment(stack)?.cost.usage ?? SUPPORT_STACK_USAGE;

function estimateApp(outdir: string): StackEstimate[] {
  if (!existsSync(join(outdir, "stacks")))
    throw new UnpricedError(`${outdir}/stacks does not exist: run \`npm run synth\` first`);
  return Object.entries(readStacks(outdir))
    .sort(([a], [b]) => a.localeCompare(b))
    .map(([name, json]) => estimateStack(name, json, usageOf(name)));
}

try {
  const head = estimateApp(options.outdir);
  if (options.compare) {
    console.log(costComparison(head, estimateApp(options.compare)).join("\n"));
  } else if (options.json) {
    console.log(JSON.stringify({ pricesRead: PRICES_READ, stacks: head }, null, 2));
  } else {
    const lines = costTable(head, {
      budgetOf: (stack) => environment(stack)?.cost.monthlyBudgetUsd,
      assumptionsOf: (stack) =>
        environment(stack) ? `${stack}.cost.usage` : `${stack} (SUPPORT_STACK_USAGE)`,
      items: options.items,
    });
    console.log(lines.join("\n"));
  }
} catch (error) {
  if (!(error instanceof UnpricedError)) throw error;
  console.error(`cost: ${error.message}`);
  process.exit(1);
}
