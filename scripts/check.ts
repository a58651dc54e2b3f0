// `npm run check`: synthesizes every stack in memory, runs the guardrails, prints the report
// (rule x stack, the traffic matrix, the deploy-time estimate, suppressions) and fails on errors.
import { App } from "cdktf";
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { buildPlatform, runCli } from "../src/app";
import { loadBackend } from "../src/config/backend";
import { parseConfig } from "../src/config/load";
import { formatReport, readStacks, ruleContexts, runRules } from "../src/rules";
import { collectSuppressions } from "../src/rules/suppressions";

runCli(() => {
  const config = parseConfig();
  const outdir = mkdtempSync(join(tmpdir(), "platform-check-"));
  try {
    const app = new App({ outdir });
    buildPlatform(app, config, loadBackend());
    app.synth();
    const report = runRules(readStacks(outdir), ruleContexts(config), collectSuppressions(app));
    console.log(formatReport(report));
    if (report.errors.length > 0) process.exitCode = 1;
  } finally {
    rmSync(outdir, { recursive: true, force: true });
  }
});
