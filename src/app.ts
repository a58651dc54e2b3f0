import { App } from "cdktf";
import { existsSync, mkdtempSync, renameSync, rmSync } from "node:fs";
import { basename, dirname, join, resolve } from "node:path";
import { loadBackend, type BackendConfig } from "./config/backend";
import { ConfigError } from "./config/errors";
import { parseConfig } from "./config/load";
import { ENVIRONMENT_NAMES, type PlatformConfig } from "./config/schema";
import { EnvironmentStack } from "./stacks/environment-stack";
import { StateStack } from "./stacks/state-stack";

/** Builds every stack of the platform into `app`. */
export function buildPlatform(app: App, config: PlatformConfig, backend: BackendConfig): void {
  new StateStack(app, "state", config.project, backend);
  for (const name of ENVIRONMENT_NAMES) {
    new EnvironmentStack(app, config.environments[name], backend);
  }
}

/**
 * Validates all input, then synthesizes into a fresh directory beside `outdir` and swaps it in
 * only when synthesis succeeded, so `outdir` never holds a half-written or stale mix of stacks.
 */
export function synthesize(outdir: string = process.env.CDKTF_OUTDIR ?? "cdktf.out"): void {
  const config = parseConfig();
  const backend = loadBackend();

  const target = resolve(outdir);
  const staging = mkdtempSync(join(dirname(target), `.${basename(target)}-`));
  try {
    const app = new App({ outdir: staging });
    buildPlatform(app, config, backend);
    app.synth();
    rmSync(target, { recursive: true, force: true });
    renameSync(staging, target);
  } finally {
    if (existsSync(staging)) rmSync(staging, { recursive: true, force: true });
  }
}

/** Runs `main`, printing configuration errors without a stack trace, and exits non-zero on failure. */
export function runCli(main: () => void): void {
  try {
    main();
  } catch (error) {
    if (error instanceof ConfigError) {
      console.error(error.message);
    } else {
      console.error(error);
    }
    process.exitCode = 1;
  }
}
