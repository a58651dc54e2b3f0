import { awsServiceMap } from "./aws-service-map";
import { dataProtection } from "./data-protection";
import { deployTimeBudget } from "./deploy-time-budget";
import { egressCompleteness } from "./egress-completeness";
import { fargateSizing } from "./fargate-sizing";
import { StackModel, type StackJson } from "./model";
import { monthlyBudget } from "./monthly-budget";
import { nameLimits } from "./name-limits";
import { natLessReachability } from "./nat-less-reachability";
import { portAlignment } from "./port-alignment";
import { replacementSafety } from "./replacement-safety";
import type { Finding, Level, Rule, RuleContext, Verdict } from "./rule";
import { suppressionFor, type Suppression } from "./suppressions";
import { trafficMatrix } from "./traffic-matrix";

/** The platform's guardrails, in id order. */
export const PLATFORM_RULES: readonly Rule[] = [
  portAlignment,
  trafficMatrix,
  egressCompleteness,
  natLessReachability,
  fargateSizing,
  nameLimits,
  deployTimeBudget,
  dataProtection,
  awsServiceMap,
  monthlyBudget,
  replacementSafety,
];

export interface RuleOutcome {
  readonly rule: Rule;
  readonly stack: string;
  readonly verdict: Verdict | "suppressed";
  readonly findings: readonly (Finding & { readonly level: Level })[];
  readonly suppressed: readonly (Finding & { readonly suppression: Suppression })[];
  readonly report: readonly string[];
}

export interface PackReport {
  readonly outcomes: readonly RuleOutcome[];
  readonly suppressions: readonly Suppression[];
  readonly errors: readonly string[];
  readonly warnings: readonly string[];
}

/** Runs every rule on every stack; findings under a suppression are set aside, not dropped. */
export function runRules(
  stacks: Readonly<Record<string, StackJson>>,
  contextOf: (stack: string) => RuleContext,
  suppressions: readonly Suppression[] = [],
  rules: readonly Rule[] = PLATFORM_RULES,
): PackReport {
  const outcomes: RuleOutcome[] = [];
  for (const [name, json] of Object.entries(stacks)) {
    const model = new StackModel(name, json);
    for (const rule of rules) {
      const result = rule.check(model, contextOf(name));
      const findings: RuleOutcome["findings"][number][] = [];
      const suppressed: RuleOutcome["suppressed"][number][] = [];
      for (const finding of result.findings) {
        const suppression = suppressionFor(suppressions, rule.id, finding.paths[0] ?? "");
        if (suppression) suppressed.push({ ...finding, suppression });
        else findings.push({ ...finding, level: finding.level ?? rule.level });
      }
      const verdict =
        result.verdict === "non-compliant" && findings.length === 0 ? "suppressed" : result.verdict;
      outcomes.push({
        rule,
        stack: name,
        verdict,
        findings,
        suppressed,
        report: result.report ?? [],
      });
    }
  }
  const line = (o: RuleOutcome, f: Finding) =>
    `[${o.rule.id} ${o.rule.name}] ${o.stack}: ${f.message}`;
  // Only the suppressions that set a finding aside: one for a rule that did not apply is not "in force".
  const inForce = suppressions.filter((s) =>
    outcomes.some((o) => o.suppressed.some((f) => f.suppression === s)),
  );
  return {
    outcomes,
    suppressions: inForce,
    errors: outcomes.flatMap((o) =>
      o.findings.filter((f) => f.level === "error").map((f) => line(o, f)),
    ),
    warnings: outcomes.flatMap((o) =>
      o.findings.filter((f) => f.level === "warning").map((f) => line(o, f)),
    ),
  };
}

/** A table of rule x stack with each verdict, then the rules' own reports and the suppressions. */
export function formatReport(report: PackReport): string {
  const stacks = [...new Set(report.outcomes.map((o) => o.stack))];
  const rules = [...new Set(report.outcomes.map((o) => o.rule))];
  const mark = (o: RuleOutcome | undefined) =>
    !o
      ? "-"
      : o.verdict === "compliant"
        ? o.findings.length > 0
          ? "warn"
          : "ok"
        : o.verdict === "not-applicable"
          ? "n/a"
          : o.verdict === "suppressed"
            ? "suppressed"
            : o.findings.some((f) => f.level === "error")
              ? "FAIL"
              : "warn";
  const width = 32;
  // A column fits its stack's name (identity-<account id> is 21 characters).
  const column = (stack: string) => Math.max(12, stack.length + 2);
  const lines = [
    `${"rule".padEnd(width)}${stacks.map((s) => s.padEnd(column(s))).join("")}`,
    ...rules.map(
      (rule) =>
        `${`${rule.id} ${rule.name}`.padEnd(width)}${stacks
          .map((s) =>
            mark(report.outcomes.find((o) => o.rule === rule && o.stack === s)).padEnd(column(s)),
          )
          .join("")}`,
    ),
    "",
    ...report.outcomes.flatMap((o) => o.report),
  ];
  if (report.suppressions.length > 0) {
    lines.push("", "suppressions in force:");
    for (const s of report.suppressions) lines.push(`  ${s.ruleId} on ${s.path}: ${s.reason}`);
  }
  if (report.warnings.length > 0)
    lines.push("", "warnings:", ...report.warnings.map((w) => `  ${w}`));
  if (report.errors.length > 0) lines.push("", "errors:", ...report.errors.map((e) => `  ${e}`));
  return lines.join("\n");
}

export class RuleViolationError extends Error {
  constructor(readonly report: PackReport) {
    super(
      `Guardrails failed (${report.errors.length} error${report.errors.length === 1 ? "" : "s"}); nothing was written:\n` +
        report.errors.map((e) => `  - ${e}`).join("\n"),
    );
    this.name = "RuleViolationError";
  }
}
