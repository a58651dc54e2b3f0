// The accepted findings of a configuration scanner (checkov.skips.json, trivy.skips.json): each
// skip names a check, optionally the stacks and resources it applies to, and the reason.
import { readFileSync } from "node:fs";
import { z } from "zod";

export interface Skip {
  readonly check: string;
  readonly reason: string;
  readonly stacks?: readonly string[];
  readonly resources?: readonly string[];
}

/** The skips of `file`, each check id matching `checkPattern`, each with a reason. */
export function loadSkips(file: string, checkPattern: RegExp): Skip[] {
  const schema = z.strictObject({
    $comment: z.string().optional(),
    skips: z.array(
      z.strictObject({
        check: z.string().regex(checkPattern),
        reason: z.string().min(20),
        stacks: z.array(z.string()).optional(),
        resources: z.array(z.string()).optional(),
      }),
    ),
  });
  return schema.parse(JSON.parse(readFileSync(file, "utf8"))).skips;
}

/**
 * Scanners name resources `<type>.<name>` (Checkov also `resource.<name>`); a skip may name either
 * form, so the two match by the resource's name.
 */
const sameResource = (reported: string, listed: string) =>
  reported === listed || reported.split(".").at(-1) === listed.split(".").at(-1);

/** The skip that accepts `check` on `resource` of `stack`, if any. */
export function skipFor(
  skips: readonly Skip[],
  stack: string,
  check: string,
  resource: string,
): Skip | undefined {
  return skips.find(
    (s) =>
      s.check === check &&
      (!s.stacks || s.stacks.includes(stack)) &&
      (!s.resources || s.resources.some((r) => sameResource(resource, r))),
  );
}

/** A line for each skip no finding used: it no longer applies and should go. */
export function unusedSkipLines(skips: readonly Skip[], used: ReadonlySet<Skip>): string[] {
  return skips
    .filter((s) => !used.has(s))
    .map(
      (skip) =>
        `  unused skip ${skip.check} (${skip.resources?.join(", ") ?? skip.stacks?.join(", ") ?? "all"}): remove it if it no longer applies`,
    );
}

/**
 * The end of a scanner's report, the same for Checkov and Trivy: the per-finding details, the
 * unused skips, and the verdict (exit code 1 when a failure has no accepted reason).
 */
export function finishReport(
  scanner: string,
  skipsFile: string,
  details: readonly string[],
  skips: readonly Skip[],
  used: ReadonlySet<Skip>,
  unskipped: number,
): void {
  console.log(details.join("\n"));
  for (const line of unusedSkipLines(skips, used)) console.log(line);
  if (unskipped > 0) {
    console.error(
      `${unskipped} failed ${scanner} check(s) without an accepted reason: fix them, or add a skip with its reason to ${skipsFile}`,
    );
    process.exitCode = 1;
  } else {
    console.log("0 unskipped failures");
  }
}
