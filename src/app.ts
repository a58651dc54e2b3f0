import { App } from "cdktf";
import {
  chmodSync,
  existsSync,
  mkdirSync,
  mkdtempSync,
  readdirSync,
  renameSync,
  rmSync,
} from "node:fs";
import { basename, dirname, join, resolve } from "node:path";
import { assertBackendFitsProject, loadBackend, type BackendConfig } from "./config/backend";
import { ConfigError } from "./config/errors";
import { enforceRules, RuleViolationError } from "./rules";
import { parseConfig, type PlatformInput } from "./config/load";
import { IDENTITY_STACK_PREFIX, identityStacks, remoteStateStacks } from "./config/names";
import type { PlatformConfig } from "./config/schema";
import { writePipelineFiles } from "./pipeline";
import { EnvironmentStack } from "./stacks/environment-stack";
import { IdentityStack } from "./stacks/identity-stack";
import { footprintsOf, SharedStack } from "./stacks/shared-stack";
import { StateStack } from "./stacks/state-stack";

/**
 * Builds every stack of the platform into `app`. The environment stacks come before the shared
 * and identity stacks: the CI deploy roles they create are derived from what they hold.
 */
export function buildPlatform(app: App, config: PlatformConfig, backend: BackendConfig): void {
  new StateStack(app, "state", config, backend);
  const environments = Object.values(config.environments).map(
    (env) => new EnvironmentStack(app, env, backend),
  );
  const footprints = footprintsOf(environments);
  new SharedStack(app, "shared", config, backend, footprints);
  for (const stack of identityStacks(config)) {
    new IdentityStack(app, stack.slice(IDENTITY_STACK_PREFIX.length), config, backend, footprints);
  }
}

export interface SynthesizeOptions {
  /** @default - `$CDKTF_OUTDIR` (set by the cdktf CLI), else `cdktf.out` */
  readonly outdir?: string;
  /** @default - the configuration committed in src/config/ */
  readonly input?: PlatformInput;
  /** @default "backend.tf.json" */
  readonly backendFile?: string;
}

/**
 * Validates all input, synthesizes into a fresh directory beside `outdir`, runs the guardrails
 * over the result, and swaps it in only when both succeeded, so `outdir` never holds a
 * half-written, stale or failing set of stacks.
 */
export function synthesize(options: SynthesizeOptions = {}): void {
  const config = parseConfig(options.input);
  // Notes go to stdout: the cdktf CLI labels every stderr line [ERROR], and these are not errors.
  for (const warning of config.warnings) console.log(`Warning: ${warning}`);
  const backend = loadBackend(options.backendFile);
  assertBackendFitsProject(backend, config.project, remoteStateStacks(config));
  const outdir = options.outdir ?? process.env.CDKTF_OUTDIR ?? "cdktf.out";

  const target = resolve(outdir);
  const staging = mkdtempSync(join(dirname(target), `.${basename(target)}-`));
  chmodSync(staging, 0o755);
  try {
    const app = new App({ outdir: staging });
    buildPlatform(app, config, backend);
    app.synth();
    const report = enforceRules(app, staging, config);
    writePipelineFiles(staging, config, backend);
    for (const warning of report.warnings) console.log(`Warning: ${warning}`);
    for (const s of report.suppressions)
      console.log(`Suppressed ${s.ruleId} on ${s.path}: ${s.reason}`);
    const vanished = vanishedStacks(target, staging);
    rmSync(target, { recursive: true, force: true });
    renameSync(staging, target);
    // The cdktf CLI lists `stacks/` before running the app and afterwards deletes each directory
    // whose stack is gone, without `force`: leave it an empty one to delete, or it fails on ENOENT.
    if (process.env.CDKTF_OUTDIR !== undefined) {
      for (const name of vanished) mkdirSync(join(target, "stacks", name));
    }
  } finally {
    if (existsSync(staging)) rmSync(staging, { recursive: true, force: true });
  }
}

/** The stack directories of the previous output that the new one no longer has. */
function vanishedStacks(previous: string, next: string): string[] {
  const stacks = (dir: string) =>
    existsSync(join(dir, "stacks")) ? readdirSync(join(dir, "stacks")) : [];
  const kept = new Set(stacks(next));
  return stacks(previous).filter((name) => !kept.has(name));
}

/** Runs `main`, printing configuration errors without a stack trace, and exits non-zero on failure. */
export function runCli(main: () => void): void {
  try {
    main();
  } catch (error) {
    if (error instanceof ConfigError || error instanceof RuleViolationError) {
      console.error(error.message);
    } else {
      console.error(error);
    }
    process.exitCode = 1;
  }
}
