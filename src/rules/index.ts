import { readdirSync, readFileSync } from "node:fs";
import { join } from "node:path";
import type { IConstruct } from "constructs";
import type { PlatformConfig } from "../config/schema";
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

/** Each stack's rule settings: the environment's guardrails, data protection in prod and state. */
export function ruleContexts(config: PlatformConfig): (stack: string) => RuleContext {
  return (stack) => {
    const env = stack === "staging" || stack === "prod" ? config.environments[stack] : undefined;
    const guardrails = env?.guardrails ?? config.environments.prod.guardrails;
    return { ...guardrails, protectData: stack === "prod" || stack === "state" };
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
