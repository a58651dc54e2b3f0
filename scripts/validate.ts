// `npm run validate`: `terraform validate` of every synthesized stack against the AWS provider
// built into the local mirror (scripts/provider/). Synthesizes first, copies each stack out of
// cdktf.out (no .terraform is ever written there), runs `terraform init -backend=false` once per
// set of required providers and reuses its .terraform for the other stacks, then validates the
// stacks two at a time. Fails on any error.
//
//   --skip-if-no-provider (or TERRAFORM_SKIP_IF_NO_PROVIDER=1): exit 0 with "SKIPPED" when the
//   provider cache is not prepared; without it, a missing cache fails.
import { cpSync, rmSync } from "node:fs";
import { join } from "node:path";
import {
  formatDiagnostic,
  parseValidate,
  summarizeWarnings,
  type ValidateResult,
} from "./terraform/output";
import {
  copyStack,
  inParallel,
  PREPARE_CACHE,
  providerCache,
  readStack,
  seconds,
  stackNames,
  synthesize,
  terraform,
  terraformEnv,
  workDir,
} from "./terraform/run";

const skipAllowed =
  process.argv.includes("--skip-if-no-provider") ||
  process.env.TERRAFORM_SKIP_IF_NO_PROVIDER === "1";

async function main(): Promise<number> {
  const started = performance.now();
  const cache = providerCache();
  if (!cache.ready) {
    console.log(`validate: SKIPPED: ${cache.reason}`);
    console.log(`validate: prepare the provider cache once with: ${PREPARE_CACHE} (~33 min cold)`);
    return skipAllowed ? 0 : 1;
  }
  console.log(`validate: ${cache.reason}`);
  if (cache.note) console.log(`validate: note: ${cache.note}`);
  console.log(`validate: synthesized in ${seconds(synthesize())} (npx tsx main.ts)`);

  const env = terraformEnv(cache);
  const dir = workDir("terraform-validate");
  try {
    const stacks = stackNames();
    const copies = new Map(stacks.map((s) => [s, copyStack(s, dir)]));
    // One `terraform init` per distinct set of required providers; the other stacks of the set
    // get a copy of its .terraform (links into the mirror) and lock file.
    const initialized = new Map<string, string>();
    for (const stack of stacks) {
      const key = JSON.stringify(readStack(stack).terraform?.required_providers ?? {});
      const copy = copies.get(stack)!;
      const source = initialized.get(key);
      if (source) {
        cpSync(join(source, ".terraform"), join(copy, ".terraform"), {
          recursive: true,
          verbatimSymlinks: true,
        });
        cpSync(join(source, ".terraform.lock.hcl"), join(copy, ".terraform.lock.hcl"));
        continue;
      }
      const init = await terraform(
        copy,
        ["init", "-backend=false", "-input=false", "-no-color"],
        env,
      );
      if (init.code !== 0) {
        console.error(init.stdout + init.stderr);
        console.log(`validate: terraform init failed for ${stack}`);
        return 1;
      }
      console.log(`validate: terraform init -backend=false (${stack}) ${seconds(init.seconds)}`);
      initialized.set(key, copy);
    }

    const results = await inParallel(
      stacks.map((stack) => async () => {
        const run = await terraform(copies.get(stack)!, ["validate", "-json", "-no-color"], env);
        let result: ValidateResult;
        try {
          result = parseValidate(run.stdout);
        } catch (error) {
          throw new Error(
            `terraform validate (${stack}) printed no validation result (exit ${run.code}): ${String(error)}\n${run.stderr}`,
          );
        }
        return { stack, result, seconds: run.seconds };
      }),
      2,
    );

    let failed = 0;
    for (const { stack, result, seconds: s } of results) {
      const status = result.valid ? "ok" : "ERRORS";
      const warnings = summarizeWarnings(result.warnings);
      console.log(
        `  ${stack.padEnd(8)} ${status.padEnd(6)} ${result.errors.length} errors, ${result.warnings.length} warnings${warnings.length ? ` (${warnings.join("; ")})` : ""}  ${seconds(s)}`,
      );
      for (const e of result.errors) console.log(`      error: ${formatDiagnostic(e)}`);
      for (const w of result.warnings) console.log(`      warning: ${formatDiagnostic(w)}`);
      if (!result.valid) failed++;
    }
    const total = seconds((performance.now() - started) / 1000);
    if (failed > 0) {
      console.log(`validate: FAILED: ${failed} of ${results.length} stacks have errors (${total})`);
      return 1;
    }
    console.log(`validate: ${results.length} stacks valid (${total})`);
    if (cache.note) console.log(`validate: note: ${cache.note}`);
    return 0;
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

main().then(
  (code) => {
    process.exitCode = code;
  },
  (error: unknown) => {
    console.error(error instanceof Error ? error.message : error);
    process.exitCode = 1;
  },
);
