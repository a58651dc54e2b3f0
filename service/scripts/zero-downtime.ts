/**
 * Zero-downtime proof: releases under load lose no request, with the load balancer and ECS doing
 * what the ALB and ECS do, in their order.
 *
 * Instances of the built service (dist/) run on loopback against the PostgreSQL named by
 * DATABASE_URL, behind a real HAProxy configured as the ALB behaves: it health-checks /health (the
 * target group's path) and never retries a request (the ALB does not). autocannon sends steady
 * traffic (GET /health and GET /items/:id alternately) through HAProxy while:
 *
 * 1. a rolling deployment replaces each of the three "blue" instances in ECS's order: the target
 *    is deregistered (HAProxy `drain`: no new requests, in-flight ones finish), the
 *    deregistration delay passes, then SIGTERM; it must exit 0 within the stop timeout, then it
 *    starts again and is registered once healthy;
 * 2. a blue/green switch: three "green" instances start and turn healthy, the listener moves all
 *    traffic to them (every blue target drained at once), the deregistration delay passes, then
 *    every blue instance gets SIGTERM and must exit 0.
 *
 * A single error, timeout, reset or non-2xx answer fails it. The delays are the platform's scaled
 * down (deregistration 30 s -> 2 s) to keep the proof short; the order is the point.
 *
 * Usage: DATABASE_URL=postgres://… npm run zero-downtime   (npm script builds first)
 */
import { existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { connect } from "node:net";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { setTimeout as sleep } from "node:timers/promises";
import { fileURLToPath } from "node:url";
import autocannon from "autocannon";
import { awsEnv, dbEnvFromUrl } from "./database-url.js";
import {
  freePort,
  postJson,
  start,
  stop,
  waitForStatus,
  type RunningProcess,
} from "./processes.js";

const INSTANCES = 3; // per colour: blue runs first, green takes over
/** The target group's deregistration delay (30 s on the platform), scaled down. */
const DEREGISTRATION_DELAY_MS = 2_000;
const RATE_PER_SECOND = 600;
const CONNECTIONS = 12;
const SETTLE_MS = 2_000; // steady traffic before the first restart and after the last
const SHUTDOWN_TIMEOUT_MS = 10_000;
const HARD_LIMIT_MS = 150_000; // the whole proof, whatever happens

const SERVICE_DIR = fileURLToPath(new URL("..", import.meta.url));
const SERVER_JS = join(SERVICE_DIR, "dist", "server.js");

interface Instance {
  name: string;
  colour: "blue" | "green";
  port: number;
  generation: number;
  running?: RunningProcess;
}

interface RestartRecord {
  instance: string;
  exitCode: number | null;
  signal: NodeJS.Signals | null;
  stopMs: number;
  backUpMs: number;
}

const work = mkdtempSync(join(tmpdir(), "zero-downtime-"));
const children = new Set<RunningProcess>();
let keepWork = false;

function log(message: string): void {
  process.stdout.write(`[zero-downtime] ${message}\n`);
}

function baseEnv(): NodeJS.ProcessEnv {
  const url = process.env.DATABASE_URL;
  if (!url) throw new Error("DATABASE_URL must name the PostgreSQL server to run against");
  return {
    PATH: process.env.PATH,
    ...dbEnvFromUrl(url),
    HOST: "127.0.0.1",
    LOG_LEVEL: "info",
    SHUTDOWN_TIMEOUT_MS: String(SHUTDOWN_TIMEOUT_MS),
    DB_POOL_MAX: "5",
    ...awsEnv(),
  };
}

function startInstance(instance: Instance): RunningProcess {
  instance.generation += 1;
  const running = start(instance.name, process.execPath, [SERVER_JS], {
    cwd: SERVICE_DIR,
    env: {
      ...baseEnv(),
      PORT: String(instance.port),
      APP_VERSION: `${instance.name}-gen${instance.generation}`,
    },
    logFile: join(work, `${instance.name}.log`),
  });
  children.add(running);
  void running.exited.then(() => children.delete(running));
  instance.running = running;
  return running;
}

function haproxyConfig(frontendPort: number, instances: Instance[], socket: string): string {
  return `global
  stats socket ${socket} mode 600 level admin
  maxconn 2000
  log stderr format raw local0 info

defaults
  mode http
  log global
  option httplog
  option dontlog-normal  # log only failed or retried requests
  timeout connect 1s
  timeout client 30s
  timeout server 10s
  timeout http-keep-alive 30s
  # As the ALB: a request is never retried or re-sent to another target, so any request a
  # release breaks counts against the proof.
  retries 0

frontend fe
  bind 127.0.0.1:${frontendPort}
  default_backend items

backend items
  balance roundrobin
  option httpchk
  http-check send meth GET uri /health ver HTTP/1.1 hdr Host localhost
  http-check expect status 200
  default-server check inter 500ms fastinter 250ms downinter 250ms fall 1 rise 1
${instances.map((i) => `  server ${i.name} 127.0.0.1:${i.port}${i.colour === "green" ? " disabled" : ""}`).join("\n")}
`;
}

/** One command on HAProxy's admin socket. */
function haproxyCommand(socket: string, command: string): Promise<string> {
  return new Promise((resolve, reject) => {
    const client = connect(socket);
    let answer = "";
    client.on("connect", () => client.write(`${command}\n`));
    client.on("data", (chunk) => (answer += chunk.toString("utf8")));
    client.on("end", () => resolve(answer));
    client.on("error", reject);
  });
}

/** `show stat` rows of the items backend's servers, as column → value. */
async function serverStats(socket: string): Promise<Array<Record<string, string>>> {
  const csv = await haproxyCommand(socket, "show stat");
  const [header, ...rows] = csv.trim().split("\n");
  const columns = (header ?? "").replace(/^# /, "").split(",");
  return rows
    .map((row) => Object.fromEntries(row.split(",").map((cell, i) => [columns[i] ?? "", cell])))
    .filter((row) => row.pxname === "items" && !["FRONTEND", "BACKEND"].includes(row.svname ?? ""));
}

async function waitForHaproxy(
  socket: string,
  name: string,
  wanted: "UP" | "DOWN",
  timeoutMs: number,
): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (Date.now() < deadline) {
    const stats = await serverStats(socket).catch(() => []);
    const status = stats.find((row) => row.svname === name)?.status ?? "";
    if (status.startsWith(wanted)) return;
    await sleep(50);
  }
  throw new Error(`HAProxy did not see ${name} ${wanted} within ${timeoutMs} ms`);
}

/** ECS's order for a task that leaves: deregister, wait the delay, SIGTERM, wait for exit. */
async function retire(
  instance: Instance,
  socket: string,
): Promise<{ exit: Awaited<ReturnType<typeof stop>>; stopMs: number }> {
  const running = instance.running;
  if (!running) throw new Error(`${instance.name} is not running`);
  const started = performance.now();
  await haproxyCommand(socket, `set server items/${instance.name} state drain`);
  await sleep(DEREGISTRATION_DELAY_MS);
  log(
    `SIGTERM ${instance.name} (pid ${running.process.pid}) after ${DEREGISTRATION_DELAY_MS} ms deregistered`,
  );
  const exit = await stop(running, "SIGTERM", SHUTDOWN_TIMEOUT_MS + 2_000);
  if (exit.timedOut) throw new Error(`${instance.name} did not exit within its stop timeout`);
  await haproxyCommand(socket, `set server items/${instance.name} state maint`);
  return { exit, stopMs: Math.round(performance.now() - started) };
}

/** A task that joins: start it, wait until it answers, register it, wait until HAProxy sees it UP. */
async function register(instance: Instance, socket: string): Promise<number> {
  const started = performance.now();
  startInstance(instance);
  await waitForStatus(instance.port, "/health", 200, 15_000);
  await haproxyCommand(socket, `set server items/${instance.name} state ready`);
  await waitForHaproxy(socket, instance.name, "UP", 10_000);
  return Math.round(performance.now() - started);
}

async function rollingRestart(instances: Instance[], socket: string): Promise<RestartRecord[]> {
  const records: RestartRecord[] = [];
  for (const instance of instances) {
    const { exit, stopMs } = await retire(instance, socket);
    log(
      `${instance.name} exited with code ${exit.code} ${stopMs} ms after deregistration; starting it again`,
    );
    const backUpMs = await register(instance, socket);
    log(`${instance.name} is back and UP in HAProxy after ${backUpMs} ms`);
    records.push({
      instance: instance.name,
      exitCode: exit.code,
      signal: exit.signal,
      stopMs,
      backUpMs,
    });
    await sleep(500);
  }
  return records;
}

/** Blue/green: green joins, the listener moves every request to it at once, blue leaves. */
async function blueGreenSwitch(
  blue: Instance[],
  green: Instance[],
  socket: string,
): Promise<RestartRecord[]> {
  const upMs = await Promise.all(green.map((instance) => register(instance, socket)));
  log(`green (${green.map((i) => i.name).join(", ")}) UP; shifting all traffic to it`);
  const retired = await Promise.all(blue.map((instance) => retire(instance, socket)));
  return blue.map((instance, i) => ({
    instance: `${instance.name} -> ${green[i]!.name}`,
    exitCode: retired[i]!.exit.code,
    signal: retired[i]!.exit.signal,
    stopMs: retired[i]!.stopMs,
    backUpMs: upMs[i]!,
  }));
}

async function main(): Promise<boolean> {
  if (!existsSync(SERVER_JS)) throw new Error(`${SERVER_JS} is missing: run npm run build first`);
  const socket = join(work, "haproxy.sock");
  const instances: Instance[] = [];
  for (let i = 1; i <= 2 * INSTANCES; i += 1) {
    const colour = i <= INSTANCES ? "blue" : "green";
    instances.push({ name: `app${i}`, colour, port: await freePort(), generation: 0 });
  }
  const blue = instances.filter((i) => i.colour === "blue");
  const green = instances.filter((i) => i.colour === "green");
  const frontendPort = await freePort();

  log(`starting ${INSTANCES} blue instances on ports ${blue.map((i) => i.port).join(", ")}`);
  for (const instance of blue) startInstance(instance);
  await Promise.all(blue.map((i) => waitForStatus(i.port, "/ready", 200, 20_000)));

  const item = (await postJson(instances[0]!.port, "/items", { name: "zero-downtime probe" })) as {
    id: string;
  };

  const configFile = join(work, "haproxy.cfg");
  writeFileSync(configFile, haproxyConfig(frontendPort, instances, socket));
  const haproxy = start("haproxy", "haproxy", ["-db", "-f", configFile], {
    logFile: join(work, "haproxy.log"),
  });
  children.add(haproxy);
  for (const instance of blue) await waitForHaproxy(socket, instance.name, "UP", 10_000);
  log(`HAProxy on 127.0.0.1:${frontendPort} sees all ${INSTANCES} blue instances UP`);

  const failures: string[] = [];
  let load!: autocannon.Instance;
  const loadDone = new Promise<autocannon.Result>((resolve, reject) => {
    load = autocannon(
      {
        url: `http://127.0.0.1:${frontendPort}`,
        connections: CONNECTIONS,
        overallRate: RATE_PER_SECOND,
        duration: 60, // an upper bound; stopped as soon as the restarts are done
        timeout: 5,
        requests: [
          { method: "GET", path: "/health" },
          { method: "GET", path: `/items/${item.id}` },
        ],
      },
      (error: unknown, result) => (error ? reject(error) : resolve(result)),
    );
  });
  // Counted here rather than taken from result.requests.sent, which autocannon inflates by one
  // second's worth of requests when overallRate is set.
  let answered = 0;
  load.on("response", (_client, statusCode) => {
    answered += 1;
    if (statusCode < 200 || statusCode > 299) failures.push(`HTTP ${statusCode}`);
  });
  load.on("reqError", (error: Error) => failures.push(`request error: ${error.message}`));

  log(`load: ${RATE_PER_SECOND} req/s over ${CONNECTIONS} connections through HAProxy`);
  await sleep(SETTLE_MS);
  const restarts = await rollingRestart(blue, socket);
  await sleep(SETTLE_MS);
  const switched = await blueGreenSwitch(blue, green, socket);
  await sleep(SETTLE_MS);
  load.stop();
  const result = await loadDone;
  const stats = await serverStats(socket);
  const total = (column: string) => stats.reduce((sum, row) => sum + Number(row[column] || 0), 0);

  // autocannon counts a timeout among its errors too.
  const failed = result.errors + result.non2xx + result.mismatches + result.resets;
  const badExits = [...restarts, ...switched].filter((r) => r.exitCode !== 0 || r.signal !== null);
  const summary = [
    "",
    "Zero-downtime proof: a rolling deployment and a blue/green switch, in ECS's order, behind HAProxy as the ALB (no retries)",
    `  duration           ${result.duration.toFixed(1)} s`,
    `  requests sent      ${answered + result.errors}  (answered ${answered}, 2xx ${result["2xx"]})`,
    `  failed             ${failed}  (errors ${result.errors - result.timeouts}, timeouts ${result.timeouts}, non-2xx ${result.non2xx})`,
    `  latency p50 / p99  ${result.latency.p50} ms / ${result.latency.p99} ms (max ${result.latency.max} ms)`,
    `  HAProxy re-sent    ${total("wretr") + total("wredis")} requests (none may be: retries are off, as on the ALB)`,
    `  rolling (deregister, ${DEREGISTRATION_DELAY_MS} ms delay, SIGTERM, exit; start, healthy, register):`,
    ...restarts.map(
      (r) =>
        `    ${r.instance}  exit ${r.exitCode}  gone ${r.stopMs} ms after deregistration  UP again after ${r.backUpMs} ms`,
    ),
    "  blue/green (green healthy and registered; every blue deregistered at once, delay, SIGTERM, exit):",
    ...switched.map(
      (r) =>
        `    ${r.instance}  green UP after ${r.backUpMs} ms  blue exit ${r.exitCode} after ${r.stopMs} ms`,
    ),
  ];
  if (failures.length > 0) summary.push(`  first failures     ${failures.slice(0, 5).join(" | ")}`);
  const resent = total("wretr") + total("wredis");
  const passed =
    failed === 0 &&
    failures.length === 0 &&
    badExits.length === 0 &&
    resent === 0 &&
    result["2xx"] > 0;
  summary.push(`  RESULT             ${passed ? "PASS" : "FAIL"}`, "");
  process.stdout.write(summary.join("\n") + "\n");
  return passed;
}

async function cleanup(): Promise<void> {
  await Promise.all([...children].map((child) => stop(child, "SIGTERM", 3_000)));
  if (keepWork) {
    log(`logs kept in ${work}`);
  } else {
    rmSync(work, { recursive: true, force: true });
  }
}

const hardLimit = setTimeout(() => {
  log(`FAIL: still running after ${HARD_LIMIT_MS / 1000} s; stopping everything`);
  for (const child of children) child.process.kill("SIGKILL");
  process.exit(1);
}, HARD_LIMIT_MS);

for (const signal of ["SIGINT", "SIGTERM"] as const) {
  process.once(signal, () => {
    log(`${signal}: stopping`);
    void cleanup().finally(() => process.exit(1));
  });
}

let passed = false;
try {
  passed = await main();
} catch (error) {
  log(`FAIL: ${error instanceof Error ? error.message : String(error)}`);
}
if (!passed) {
  keepWork = true;
  for (const file of [
    ...Array.from({ length: 2 * INSTANCES }, (_, i) => `app${i + 1}.log`),
    "haproxy.log",
  ]) {
    const path = join(work, file);
    if (!existsSync(path)) continue;
    const tail = readFileSync(path, "utf8").trim().split("\n").slice(-15).join("\n");
    log(`last lines of ${file}:\n${tail}`);
  }
}
await cleanup();
clearTimeout(hardLimit);
process.exit(passed ? 0 : 1);
