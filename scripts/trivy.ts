// `npm run trivy`: scans every synthesized stack in cdktf.out with Trivy's misconfiguration
// scanner, offline, with the checks compiled into the pinned build, and fails on any failed check
// that trivy.skips.json does not accept with a reason.
//   TRIVY=<path to trivy> (default: what scripts/install-trivy.sh builds)
//
// What is scanned: each stack's cdk.tf.json, with its resources and data sources written as HCL
// (scripts/terraform-hcl.ts). Trivy (0.74) reads the nested blocks of a .tf.json body as attributes: it decodes every JSON body
// with the schema of a file's top level (pkg/iac/terraform/block.go: PartialContent(Schema), then
// JustAttributes), so `"point_in_time_recovery": {"enabled": true}` (or the same as a one-element
// list) is no block, GetBlock("point_in_time_recovery") finds nothing, and the check reports
// point-in-time recovery off. HCL has blocks in its syntax, so the same configuration written as
// HCL is read as Terraform reads it. Both files sit in one directory, one module.
// `--compare` also scans the JSON as synthesized and lists what only that scan reports.
import { execFileSync, spawnSync } from "node:child_process";
import { mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { finishReport, loadSkips, skipFor, type Skip } from "./scanner-skips";
import { platformBlockKeys, toHcl, type JsonObject } from "./terraform-hcl";

interface Finding {
  ID: string;
  Title: string;
  Severity: string;
  Status: string;
  CauseMetadata?: { Resource?: string };
}
interface Report {
  Results?: {
    Target: string;
    MisconfSummary?: { Successes: number; Failures: number };
    Misconfigurations?: Finding[];
  }[];
}

/**
 * A directory holding the stack for Trivy: its resources and data sources as HCL (`main.tf`), the
 * rest (terraform, provider, variable, output, moved) as synthesized (`settings.tf.json`).
 */
function scannable(stack: string, blocks: Map<string, Set<string>>, asHcl: boolean): string {
  const file = join("cdktf.out", "stacks", stack, "cdk.tf.json");
  const json = JSON.parse(readFileSync(file, "utf8")) as JsonObject;
  const dir = mkdtempSync(join(tmpdir(), `trivy-${stack}-`));
  if (!asHcl) {
    writeFileSync(join(dir, "cdk.tf.json"), JSON.stringify(json));
    return dir;
  }
  writeFileSync(join(dir, "main.tf"), toHcl(json, blocks));
  delete json.resource;
  delete json.data;
  writeFileSync(join(dir, "settings.tf.json"), JSON.stringify(json));
  return dir;
}

function scan(trivy: string, dir: string, stack: string) {
  const cache = mkdtempSync(join(tmpdir(), "trivy-cache-"));
  const run = spawnSync(
    trivy,
    [
      "config",
      "--skip-check-update",
      // Nothing leaves the machine: no check bundle, no usage data, no update notice.
      "--disable-telemetry",
      "--skip-version-check",
      "--cache-dir",
      cache,
      "--quiet",
      "--format",
      "json",
      dir,
    ],
    { encoding: "utf8", maxBuffer: 64 * 1024 * 1024, timeout: 300_000 },
  );
  rmSync(cache, { recursive: true, force: true });
  rmSync(dir, { recursive: true, force: true });
  if (run.status !== 0) {
    throw new Error(
      `trivy failed on ${stack} (exit ${run.status}): ${run.stderr}${run.error ?? ""}`,
    );
  }
  const report = JSON.parse(run.stdout) as Report;
  const results = report.Results ?? [];
  const passed = results.reduce((n, r) => n + (r.MisconfSummary?.Successes ?? 0), 0);
  const failed = results
    .flatMap((r) => r.Misconfigurations ?? [])
    .filter((m) => m.Status === "FAIL");
  return { passed, failed };
}

const key = (f: Finding) => `${f.ID} ${f.CauseMetadata?.Resource ?? "?"}`;

const trivy =
  process.env.TRIVY ??
  execFileSync("bash", ["scripts/install-trivy.sh"], { encoding: "utf8" })
    .trim()
    .split("\n")
    .at(-1)!;
const compare = process.argv.includes("--compare");
const skips = loadSkips("trivy.skips.json", /^AWS-\d{4}$/);
const used = new Set<Skip>();
const blocks = platformBlockKeys();
let unskipped = 0;

console.log(execFileSync(trivy, ["--version"], { encoding: "utf8" }).split("\n")[0]);
console.log(
  `stack      passed  failed  skipped${compare ? "  only-in-json (read as synthesized)" : ""}`,
);
const details: string[] = [];
for (const stack of readdirSync(join("cdktf.out", "stacks")).sort()) {
  const { passed, failed: findings } = scan(trivy, scannable(stack, blocks, true), stack);
  let skipped = 0;
  let failed = 0;
  for (const f of findings) {
    const skip = skipFor(skips, stack, f.ID, f.CauseMetadata?.Resource ?? "");
    if (skip) {
      used.add(skip);
      skipped++;
      details.push(`  skipped ${stack} ${key(f)}: ${skip.reason}`);
    } else {
      failed++;
      details.push(`  FAILED  ${stack} ${key(f)} (${f.Severity}): ${f.Title}`);
    }
  }
  unskipped += failed;
  let extra = "";
  if (compare) {
    const asJson = scan(trivy, scannable(stack, blocks, false), stack).failed;
    const seen = new Set(findings.map(key));
    const only = asJson.filter((f) => !seen.has(key(f)));
    extra = `  ${only.length} of ${asJson.length}`;
    for (const f of only) details.push(`  json-only ${stack} ${key(f)}: ${f.Title}`);
  }
  console.log(
    `${stack.padEnd(10)} ${String(passed).padStart(6)}  ${String(failed).padStart(6)}  ${String(skipped).padStart(7)}${extra}`,
  );
}
finishReport("Trivy", "trivy.skips.json", details, skips, used, unskipped);
