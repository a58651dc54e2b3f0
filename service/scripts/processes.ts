/** Small helpers for scripts that run the service and its neighbours as real processes. */
import { spawn, type ChildProcess } from "node:child_process";
import { openSync } from "node:fs";
import { request } from "node:http";
import { createServer } from "node:net";
import { setTimeout as sleep } from "node:timers/promises";

export interface Exit {
  code: number | null;
  signal: NodeJS.Signals | null;
}

export interface RunningProcess {
  name: string;
  process: ChildProcess;
  logFile: string;
  exited: Promise<Exit>;
}

/** A port on 127.0.0.1 that was free a moment ago. */
export function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = createServer();
    server.once("error", reject);
    server.listen(0, "127.0.0.1", () => {
      const address = server.address();
      server.close(() => resolve(typeof address === "object" && address ? address.port : 0));
    });
  });
}

/** Starts a command with stdout and stderr appended to logFile. */
export function start(
  name: string,
  command: string,
  args: string[],
  options: { env?: NodeJS.ProcessEnv; cwd?: string; logFile: string },
): RunningProcess {
  const log = openSync(options.logFile, "a");
  const child = spawn(command, args, {
    cwd: options.cwd,
    env: options.env ?? process.env,
    stdio: ["ignore", log, log],
  });
  const exited = new Promise<Exit>((resolve) => {
    child.once("exit", (code, signal) => resolve({ code, signal }));
    child.once("error", () => resolve({ code: null, signal: null }));
  });
  return { name, process: child, logFile: options.logFile, exited };
}

/** Sends `signal` and waits for the exit; SIGKILLs after timeoutMs and reports the timeout. */
export async function stop(
  running: RunningProcess,
  signal: NodeJS.Signals,
  timeoutMs: number,
): Promise<Exit & { timedOut: boolean }> {
  if (running.process.exitCode !== null || running.process.signalCode !== null) {
    return { ...(await running.exited), timedOut: false };
  }
  running.process.kill(signal);
  const exit = await Promise.race([running.exited, sleep(timeoutMs).then(() => undefined)]);
  if (exit) return { ...exit, timedOut: false };
  running.process.kill("SIGKILL");
  return { ...(await running.exited), timedOut: true };
}

export function httpStatus(port: number, path: string, timeoutMs = 1_000): Promise<number> {
  return new Promise((resolve) => {
    const req = request(
      { host: "127.0.0.1", port, path, agent: false, timeout: timeoutMs },
      (res) => {
        res.resume();
        resolve(res.statusCode ?? 0);
      },
    );
    req.on("timeout", () => req.destroy());
    req.on("error", () => resolve(0));
    req.end();
  });
}

/** Polls GET path until it answers `status`; throws after timeoutMs. */
export async function waitForStatus(
  port: number,
  path: string,
  status: number,
  timeoutMs: number,
): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (Date.now() < deadline) {
    if ((await httpStatus(port, path)) === status) return;
    await sleep(50);
  }
  throw new Error(`GET 127.0.0.1:${port}${path} did not answer ${status} within ${timeoutMs} ms`);
}

export function postJson(port: number, path: string, body: unknown): Promise<unknown> {
  return new Promise((resolve, reject) => {
    const payload = JSON.stringify(body);
    const req = request(
      {
        host: "127.0.0.1",
        port,
        path,
        method: "POST",
        agent: false,
        headers: { "content-type": "application/json" },
      },
      (res) => {
        let text = "";
        res.setEncoding("utf8");
        res.on("data", (chunk: string) => (text += chunk));
        res.on("end", () =>
          res.statusCode === 201
            ? resolve(JSON.parse(text))
            : reject(new Error(`POST ${path}: ${res.statusCode} ${text}`)),
        );
      },
    );
    req.on("error", reject);
    req.end(payload);
  });
}
