import { mkdirSync, mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";

/**
 * cdktf's `Testing.app()` makes a fresh output directory under the OS temp dir for every app and
 * never removes it: hundreds per run. Point the workers' temp dir at one directory of this run
 * and remove it when the run ends. In it, `synthesized/`: the stacks one worker synthesized, for
 * the other to read (`sharedAcrossWorkers` in helpers.ts).
 */
export default function setup(): () => void {
  const dir = mkdtempSync(join(tmpdir(), "fargate-platform-tests-"));
  process.env.TMPDIR = dir;
  const synthesized = join(dir, "synthesized");
  mkdirSync(synthesized);
  process.env.FARGATE_PLATFORM_TEST_SYNTHESIZED = synthesized;
  return () => rmSync(dir, { recursive: true, force: true });
}
