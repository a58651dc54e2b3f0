// `npm run checkov`: scans every synthesized stack in cdktf.out with Checkov and fails on any
// failed check that checkov.skips.json does not accept with a reason.
//   CHECKOV=<path to checkov> (default: what scripts/install-checkov.sh installs)
import { execFileSync, spawnSync } from "node:child_process";
import { mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { finishReport, loadSkips, skipFor, type Skip } from "./scanner-skips";

interface Failed {
  check_id: string;
  check_name: string;
  resource: string;
}

const checkov =
  process.env.CHECKOV ??
  execFileSync("bash", ["scripts/install-checkov.sh"], { encoding: "utf8" }).trim();
const skips = loadSkips("checkov.skips.json", /^CKV2?_[A-Z0-9]+_\d+$/);
const used = new Set<Skip>();
let unskipped = 0;

console.log(`Checkov ${execFileSync(checkov, ["--version"], { encoding: "utf8" }).trim()}`);
console.log("stack      passed  failed  skipped");
const details: string[] = [];
/**
 * A copy of the stack for Checkov: its terraform_json parser (3.3.30) fails on the string
 * `terraform.required_version` ("this method receives only dicts"), so that one setting, which no
 * check reads, is left out of the copy. Everything else is scanned as synthesized.
 */
function scannable(stack: string): string {
  const file = join("cdktf.out", "stacks", stack, "cdk.tf.json");
  const json = JSON.parse(readFileSync(file, "utf8")) as {
    terraform?: Record<string, unknown>;
    moved?: unknown;
  };
  delete json.terraform?.required_version;
  // Checkov 3.3.30's terraform_json parser fails on `moved` blocks ("Failed to parse template");
  // they create nothing, only tell Terraform where a resource went.
  delete json.moved;
  const dir = mkdtempSync(join(tmpdir(), `checkov-${stack}-`));
  writeFileSync(join(dir, "cdk.tf.json"), JSON.stringify(json));
  return dir;
}

for (const stack of readdirSync(join("cdktf.out", "stacks")).sort()) {
  const dir = scannable(stack);
  const run = spawnSync(
    checkov,
    ["-d", dir, "--framework", "terraform_json", "--quiet", "--compact", "-o", "json"],
    { encoding: "utf8", maxBuffer: 64 * 1024 * 1024 },
  );
  rmSync(dir, { recursive: true, force: true });
  if (run.status !== 0 && run.status !== 1) {
    throw new Error(`checkov failed on ${stack} (exit ${run.status}): ${run.stderr}`);
  }
  const parsed = JSON.parse(run.stdout) as unknown;
  const report = (Array.isArray(parsed) ? parsed[0] : parsed) as {
    summary: { passed: number; failed: number; parsing_errors: number };
    results?: { failed_checks?: Failed[] };
  };
  if (report.summary.parsing_errors > 0) throw new Error(`checkov could not parse ${stack}`);
  let skipped = 0;
  let failed = 0;
  for (const finding of report.results?.failed_checks ?? []) {
    const skip = skipFor(skips, stack, finding.check_id, finding.resource);
    if (skip) {
      used.add(skip);
      skipped++;
      details.push(`  skipped ${stack} ${finding.check_id} ${finding.resource}: ${skip.reason}`);
    } else {
      failed++;
      details.push(
        `  FAILED  ${stack} ${finding.check_id} ${finding.resource}: ${finding.check_name}`,
      );
    }
  }
  unskipped += failed;
  console.log(
    `${stack.padEnd(10)} ${String(report.summary.passed).padStart(6)}  ${String(failed).padStart(6)}  ${String(skipped).padStart(7)}`,
  );
}
finishReport("Checkov", "checkov.skips.json", details, skips, used, unskipped);
