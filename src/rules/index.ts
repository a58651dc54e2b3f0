import { readdirSync, readFileSync } from "node:fs";
import { join } from "node:path";
import type { IConstruct } from "constructs";
import type { PlatformConfig } from "../config/schema";
import { GuardrailsSchema } from "./settings";
import type { StackJson } from "./model";
import { RuleViolationError, runRules, type PackReport } from "./pack";
import type { RuleContext } from "./rule";
import { collectSuppressions } from "./suppressions";

export {
  formatReport,
  PLATFORM_RULES,
  RuleViolationError,
  runRules,
  type PackReport,
} from "./pack";
export { suppressRule } from "./suppressions";

/**
 * Each stack's rule settings: an environment's own guardrails, the defaults elsewhere; data
 * protection in every production-tier environment and in the state stack (it holds all state).
 */
export function ruleContexts(config: PlatformConfig): (stack: string) => RuleContext {
  const defaults = GuardrailsSchema.parse({});
  return (stack) => {
    const env = Object.hasOwn(config.environments, stack) ? config.environments[stack] : undefined;
    return {
      ...(env?.guardrails ?? defaults),
      protectData: env ? env.tier === "production" : stack === "state",
      cost: env && {
        monthlyBudgetUsd: env.cost.monthlyBudgetUsd,
        usage: env.cost.usage,
        production: env.tier === "production",
        overBudgetAccepted: env.cost.overBudgetAccepted,
      },
    };
  };
}

/** Reads every `stacks/<name>/cdk.tf.json` of a synthesized app directory. */
export function readStacks(outdir: string): Record<string, StackJson> {
  const dir = join(outdir, "stacks");
  return Object.fromEntries(
    readdirSync(dir).map((name) => [
      name,
      JSON.parse(readFileSync(join(dir, name, "cdk.tf.json"), "utf8")) as StackJson,
    ]),
  );
}

/** Runs the guardrails over a synthesized app; throws `RuleViolationError` on any error. */
export function enforceRules(app: IConstruct, outdir: string, config: PlatformConfig): PackReport {
  const report = runRules(readStacks(outdir), ruleContexts(config), collectSuppressions(app));
  if (report.errors.length > 0) throw new RuleViolationError(report);
  return report;
}
