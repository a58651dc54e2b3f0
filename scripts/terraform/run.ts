// What `npm run validate` and `npm run e2e` share: the provider cache check (through
// scripts/provider/env.sh), synthesis, copies of the stacks outside cdktf.out, and running
// Terraform with a clean environment.
import { spawn, spawnSync, type ChildProcess } from "node:child_process";
import { cpSync, mkdtempSync, readdirSync, readFileSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join, resolve } from "node:path";
import type { Server } from "node:http";
import type { StackJson } from "./stack-json";

export const ROOT = resolve(__dirname, "..", "..");

/** Child processes to stop when this process exits or is stopped, with the signal to use. */
const children = new Map<ChildProcess, NodeJS.Signals>();
let handlersInstalled = false;

function stopChildren(): void {
  for (const [child, signal] of children) if (child.exitCode === null) child.kill(signal);
  children.clear();
}

/**
 * Stops `child` with `signal` on every exit path of this process: a normal exit, an uncaught
 * error, or SIGINT/SIGTERM/SIGHUP (Terraform gets SIGINT, so it releases its lock and stops its
 * provider plugins; moto gets SIGKILL).
 */
export function track(child: ChildProcess, signal: NodeJS.Signals): void {
  children.set(child, signal);
  child.on("exit", () => children.delete(child));
  if (handlersInstalled) return;
  handlersInstalled = true;
  process.on("exit", stopChildren);
  const codes: Record<string, number> = { SIGHUP: 129, SIGINT: 130, SIGTERM: 143 };
  for (const [name, code] of Object.entries(codes)) {
    process.on(name, () => {
      stopChildren();
      process.exit(code);
    });
  }
}
export const STACKS_DIR = join(ROOT, "cdktf.out", "stacks");

export interface ProviderCache {
  readonly ready: boolean;
  /** why not, or what is there */
  readonly reason: string;
  /** non-empty when the provider in the mirror is a substitute build: say so in the output */
  readonly note: string;
  readonly cacheDir: string;
  readonly cliConfigFile: string;
}

/** Asks scripts/provider/env.sh whether the AWS provider is in the local mirror (~0.1 s). */
export function providerCache(): ProviderCache {
  const script = [
    ". scripts/provider/env.sh",
    "if provider_cache_ready; then echo READY=1; else echo READY=0; fi",
    'printf "REASON=%s\\nNOTE=%s\\nCACHE=%s\\nRC=%s\\n" "$PROVIDER_CACHE_REASON" "$PROVIDER_CACHE_NOTE" "$PROVIDER_CACHE_DIR" "$PROVIDER_TERRAFORMRC"',
  ].join("\n");
  const run = spawnSync("bash", ["-c", script], { cwd: ROOT, encoding: "utf8" });
  if (run.status !== 0) throw new Error(`scripts/provider/env.sh failed: ${run.stderr}`);
  const value = (key: string) =>
    run.stdout
      .split("\n")
      .find((l) => l.startsWith(`${key}=`))
      ?.slice(key.length + 1) ?? "";
  return {
    ready: value("READY") === "1",
    reason: value("REASON"),
    note: value("NOTE"),
    cacheDir: value("CACHE"),
    cliConfigFile: value("RC"),
  };
}

export const PREPARE_CACHE = "bash scripts/provider/build.sh --allow-substitute";

/** Synthesizes every stack into cdktf.out (`npx tsx main.ts`); returns the seconds it took. */
export function synthesize(): number {
  const started = performance.now();
  const run = spawnSync("npx", ["--no-install", "tsx", "main.ts"], {
    cwd: ROOT,
    encoding: "utf8",
    env: { ...process.env, npm_config_update_notifier: "false" },
  });
  if (run.status !== 0) {
    process.stderr.write(run.stdout + run.stderr);
    throw new Error(`synthesis failed (npx tsx main.ts, exit ${run.status})`);
  }
  return (performance.now() - started) / 1000;
}

export function stackNames(): string[] {
  return readdirSync(STACKS_DIR, { withFileTypes: true })
    .filter((d) => d.isDirectory())
    .map((d) => d.name)
    .sort();
}

export function readStack(name: string): StackJson {
  return JSON.parse(readFileSync(join(STACKS_DIR, name, "cdk.tf.json"), "utf8")) as StackJson;
}

/** A temporary directory for a run's copies of the stacks; the caller removes it. */
export function workDir(prefix: string): string {
  return mkdtempSync(join(tmpdir(), `${prefix}-`));
}

/** Copies a synthesized stack directory into `parent/<name>`; returns the copy's path. */
export function copyStack(name: string, parent: string): string {
  const target = join(parent, name);
  cpSync(join(STACKS_DIR, name), target, { recursive: true });
  return target;
}

export function writeJson(path: string, value: unknown): void {
  writeFileSync(path, `${JSON.stringify(value, null, 2)}\n`);
}

/**
 * The environment Terraform runs with: the mirror's CLI configuration, no version check, and no
 * AWS settings from the caller's environment (profiles, keys, endpoints), so that a run can only
 * use what the configuration (and its override files) says.
 */
export function terraformEnv(cache: ProviderCache, extra: Record<string, string> = {}) {
  const env: NodeJS.ProcessEnv = {};
  for (const [key, value] of Object.entries(process.env)) {
    if (!key.startsWith("AWS_") && !key.startsWith("TF_")) env[key] = value;
  }
  return {
    ...env,
    TF_CLI_CONFIG_FILE: cache.cliConfigFile,
    TF_IN_AUTOMATION: "1",
    CHECKPOINT_DISABLE: "1",
    // Never read the caller's AWS files or the instance metadata service.
    AWS_CONFIG_FILE: "/dev/null",
    AWS_SHARED_CREDENTIALS_FILE: "/dev/null",
    AWS_EC2_METADATA_DISABLED: "true",
    ...extra,
  };
}

export interface RunResult {
  readonly code: number;
  readonly stdout: string;
  readonly stderr: string;
  readonly seconds: number;
}

/**
 * Runs terraform in `dir` and collects its output; never throws on a non-zero exit. A run longer
 * than `timeoutSeconds` is interrupted (SIGINT, so it releases its lock), then killed.
 */
export function terraform(
  dir: string,
  args: readonly string[],
  env: NodeJS.ProcessEnv,
  timeoutSeconds = 600,
): Promise<RunResult> {
  const started = performance.now();
  return new Promise((resolvePromise, reject) => {
    const child = spawn("terraform", [`-chdir=${dir}`, ...args], { env, stdio: "pipe" });
    track(child, "SIGINT");
    let stdout = "";
    let stderr = "";
    let timedOut = false;
    const timer = setTimeout(() => {
      timedOut = true;
      child.kill("SIGINT");
      setTimeout(() => child.kill("SIGKILL"), 30_000).unref();
    }, timeoutSeconds * 1000);
    child.stdout.setEncoding("utf8").on("data", (d: string) => (stdout += d));
    child.stderr.setEncoding("utf8").on("data", (d: string) => (stderr += d));
    child.on("error", reject);
    child.on("close", (code) => {
      clearTimeout(timer);
      resolvePromise({
        code: code ?? 1,
        stdout,
        stderr: timedOut
          ? `${stderr}\nterraform ${args[0]} timed out after ${timeoutSeconds} s`
          : stderr,
        seconds: (performance.now() - started) / 1000,
      });
    });
    child.stdin.end();
  });
}

/** Runs `tasks` with at most `limit` at a time, keeping their order in the result. */
export async function inParallel<T>(tasks: (() => Promise<T>)[], limit: number): Promise<T[]> {
  const results: T[] = new Array<T>(tasks.length);
  let next = 0;
  const worker = async () => {
    while (next < tasks.length) {
      const i = next++;
      results[i] = await tasks[i]!();
    }
  };
  await Promise.all(Array.from({ length: Math.min(limit, tasks.length) }, worker));
  return results;
}

export const seconds = (s: number) => `${s.toFixed(1)} s`;

/**
 * Starts `server` on a free port of the loopback interface (the e2e's local servers: the guard
 * proxy, the CloudWatch bridge, the fronts of moto). Resolves with its URL and a close that also
 * ends kept-alive connections, so it never waits on an idle client.
 */
export function listenOnLoopback(server: Server): Promise<{ url: string; close(): Promise<void> }> {
  return new Promise((resolve, reject) => {
    server.on("error", reject);
    server.listen(0, "127.0.0.1", () => {
      const address = server.address();
      if (!address || typeof address !== "object") return reject(new Error("no server address"));
      resolve({
        url: `http://127.0.0.1:${address.port}`,
        close: () =>
          new Promise<void>((done) => {
            server.closeAllConnections();
            server.close(() => done());
          }),
      });
    });
  });
}
