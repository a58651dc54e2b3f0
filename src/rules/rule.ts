import type { Usage } from "../cost/settings";
import type { StackModel } from "./model";

export type Level = "error" | "warning";
export type Verdict = "compliant" | "non-compliant" | "not-applicable";

export interface Finding {
  /** The resources involved, by construct path. The first decides suppression. */
  readonly paths: readonly string[];
  /** What is wrong and what to change. */
  readonly message: string;
  /** @default - the rule's level */
  readonly level?: Level;
}

export interface RuleResult {
  readonly verdict: Verdict;
  readonly findings: readonly Finding[];
  /** Extra lines for the report (the traffic matrix, the deploy-time estimate). */
  readonly report?: readonly string[];
}

/** Per-stack settings the rules read; they come from the environment's configuration. */
export interface RuleContext {
  /** Stateful resources must be protected (prod and the state stack). */
  readonly protectData: boolean;
  /** Below this much task memory, warn (a Node.js service needs headroom for its runtime). */
  readonly memoryHeadroomMiB: number;
  /** Seconds a new task needs to pull its image and start before the first health check. */
  readonly taskStartSeconds: number;
  /** The longest a rolling deployment may take, worst case. */
  readonly deployBudgetSeconds: number;
  /**
   * An environment's monthly budget and the usage its estimate assumes (`cost`).
   * @default - not an environment: no budget to hold the estimate to
   */
  readonly cost?: {
    readonly monthlyBudgetUsd: number;
    readonly usage: Usage;
    /** Production: over budget is an error unless `overBudgetAccepted` gives the reason. */
    readonly production: boolean;
    readonly overBudgetAccepted?: string;
  };
}

/** One guardrail, in the shape of a cdk-nag rule: a pure function over a synthesized stack. */
export interface Rule {
  readonly id: string;
  readonly name: string;
  readonly level: Level;
  /** One line: what the rule demands. */
  readonly message: string;
  /** Why it matters, with the outage it prevents. */
  readonly explanation: string;
  check(stack: StackModel, context: RuleContext): RuleResult;
}

export const compliant = (report?: readonly string[]): RuleResult => ({
  verdict: "compliant",
  findings: [],
  report,
});
export const notApplicable = (report?: readonly string[]): RuleResult => ({
  verdict: "not-applicable",
  findings: [],
  report,
});
export const fromFindings = (findings: Finding[], report?: readonly string[]): RuleResult =>
  findings.length > 0 ? { verdict: "non-compliant", findings, report } : compliant(report);
