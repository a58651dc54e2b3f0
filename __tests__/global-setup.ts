import { execFileSync } from "node:child_process";
import { mkdirSync, mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { delimiter, join } from "node:path";

/**
 * cdktf's `Testing.app()` makes a fresh output directory under the OS temp dir for every app and
 * never removes it: hundreds per run. Point the workers' temp dir at one directory of this run
 * and remove it when the run ends. In it, `synthesized/`: the stacks one worker synthesized, for
 * the other to read (`sharedAcrossWorkers` in helpers.ts).
 *
 * The workflow tests run the steps' scripts with the GitHub runner's jq, 1.7.1, put first on the
 * workers' PATH here (scripts/install-jq.sh: the one on PATH when it is 1.7.1, else built once
 * into the cache directory).
 */
export default function setup(): () => void {
  process.env.PATH = [runnerJq(), process.env.PATH].join(delimiter);
  const dir = mkdtempSync(join(tmpdir(), "fargate-platform-tests-"));
  process.env.TMPDIR = dir;
  const synthesized = join(dir, "synthesized");
  mkdirSync(synthesized);
  process.env.FARGATE_PLATFORM_TEST_SYNTHESIZED = synthesized;
  return () => rmSync(dir, { recursive: true, force: true });
}

function runnerJq(): string {
  try {
    return execFileSync("bash", [join(__dirname, "..", "scripts", "install-jq.sh")], {
      encoding: "utf8",
      stdio: ["ignore", "pipe", "inherit"],
    }).trim();
  } catch {
    throw new Error(
      "jq 1.7.1, the GitHub runner's, is needed to run the workflows' step scripts: " +
        "scripts/install-jq.sh could not provide it (its message is above). " +
        "Fix: install what it names, or put a jq 1.7.1 on PATH.",
    );
  }
}
