import { spawn, type ChildProcess } from "node:child_process";
import { basename, join } from "node:path";
import { fileURLToPath } from "node:url";
import { inject } from "vitest";
import type { LogLine } from "./app.js";

const SERVICE_DIR = fileURLToPath(new URL("../..", import.meta.url));

export interface ServiceProcess {
  child: ChildProcess;
  /** stdout and stderr, as written. */
  output(): string;
  /** Parsed JSON log lines from stdout and stderr. */
  lines(): LogLine[];
  /** Resolves with the first log line matching, or rejects after timeoutMs. */
  waitForLine(predicate: (line: LogLine) => boolean, timeoutMs?: number): Promise<LogLine>;
  exited: Promise<{ code: number | null; signal: NodeJS.Signals | null }>;
}

/**
 * Runs src/server.ts (or another entry point, such as src/worker.ts) as its own process, with
 * exactly the environment given (and NODE_COMPILE_CACHE, V8's code cache of the build): its
 * JavaScript as built from the current sources (entry-build.ts), with the flags the image runs it
 * with.
 */
export function spawnService(env: Record<string, string>, entry = "src/server.ts"): ServiceProcess {
  const build = inject("serviceBuild");
  const built = join(build, `${basename(entry, ".ts")}.js`);
  const child = spawn(process.execPath, ["--enable-source-maps", built], {
    cwd: SERVICE_DIR,
    env: { PATH: process.env.PATH ?? "", NODE_COMPILE_CACHE: join(build, "compile-cache"), ...env },
    stdio: ["ignore", "pipe", "pipe"],
  });
  let output = "";
  const waiters = new Set<() => void>();
  const onData = (chunk: Buffer) => {
    output += chunk.toString("utf8");
    for (const wake of waiters) wake();
  };
  child.stdout?.on("data", onData);
  child.stderr?.on("data", onData);

  const exited = new Promise<{ code: number | null; signal: NodeJS.Signals | null }>((resolve) =>
    child.once("exit", (code, signal) => resolve({ code, signal })),
  );
  const lines = () =>
    output
      .split("\n")
      .filter((line) => line.startsWith("{"))
      .map((line) => JSON.parse(line) as LogLine);

  return {
    child,
    output: () => output,
    lines,
    exited,
    waitForLine(predicate, timeoutMs = 15_000) {
      return new Promise((resolve, reject) => {
        const check = () => {
          const found = lines().find(predicate);
          if (found) {
            cleanup();
            resolve(found);
          }
        };
        const timer = setTimeout(() => {
          cleanup();
          reject(new Error(`no matching log line within ${timeoutMs} ms; output:\n${output}`));
        }, timeoutMs);
        const cleanup = () => {
          clearTimeout(timer);
          waiters.delete(check);
        };
        waiters.add(check);
        void exited.then(check);
        check();
      });
    },
  };
}
