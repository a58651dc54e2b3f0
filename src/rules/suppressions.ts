import type { IConstruct } from "constructs";

const METADATA_TYPE = "platform:rule-suppression";

export interface Suppression {
  readonly ruleId: string;
  readonly reason: string;
  /** The construct path it applies to, and everything below it. */
  readonly path: string;
}

/**
 * Suppresses one rule for one construct and everything below it, with a reason a reviewer can
 * judge. Every suppression in force is listed in the synth output.
 */
export function suppressRule(construct: IConstruct, ruleId: string, reason: string): void {
  if (reason.trim().length < 10) {
    throw new Error(
      `Suppression of ${ruleId} on ${construct.node.path} needs a reason of at least 10 characters, got "${reason}"`,
    );
  }
  construct.node.addMetadata(METADATA_TYPE, { ruleId, reason: reason.trim() });
}

/** Every suppression in the construct tree below `root`. */
export function collectSuppressions(root: IConstruct): Suppression[] {
  return root.node.findAll().flatMap((construct) =>
    construct.node.metadata
      .filter((entry) => entry.type === METADATA_TYPE)
      .map((entry) => ({
        ...(entry.data as { ruleId: string; reason: string }),
        path: construct.node.path,
      })),
  );
}

/** The suppression that covers `path` for `ruleId`, if any. */
export function suppressionFor(
  suppressions: readonly Suppression[],
  ruleId: string,
  path: string,
): Suppression | undefined {
  return suppressions.find(
    (s) => s.ruleId === ruleId && (path === s.path || path.startsWith(`${s.path}/`)),
  );
}
