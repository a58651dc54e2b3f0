/**
 * Zero-downtime proof: a rolling restart under load loses no request.
 *
 * Three instances of the built service (dist/) run on loopback against the PostgreSQL named by
 * DATABASE_URL, behind a real HAProxy that health-checks /ready every 500 ms and, like a load
 * balancer draining a target, retries a request whose connection was refused or closed unused.
 * autocannon sends steady traffic (GET /health and GET /items/:id alternately) through HAProxy
 * while each instance in turn gets SIGTERM, must exit 0, is started again and must be seen UP by
 * HAProxy before the next one goes. A single error, timeout, reset or non-2xx answer fails it.
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

const INSTANCES = 3;
const RATE_PER_SECOND = 600;
const CONNECTIONS = 12;
const SETTLE_MS = 2_000; // steady traffic before the first restart and after the last
const SHUTDOWN_TIMEOUT_MS = 10_000;
const HARD_LIMIT_MS = 90_000; // the whole proof, whatever happens

const SERVICE_DIR = fileURLToPath(new URL("..", import.meta.url));
const SERVER_JS = join(SERVICE_DIR, "dist", "server.js");

interface Instance {
  name: string;
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
  # Like a load balancer draining a target: a request whose connection was refused (listener
  # closed) or that got no answer on a reused keep-alive connection the server had just closed
  # is retried, on another server. Answers the service actually sends, 5xx included, are never
  # retried, so they count against the proof.
  retries 3
  option redispatch 1
  retry-on conn-failure empty-response

frontend fe
  bind 127.0.0.1:${frontendPort}
  default_backend items

backend items
  balance roundrobin
  option httpchk
  http-check send meth GET uri /ready ver HTTP/1.1 hdr Host localhost
  http-check expect status 200
  default-server check inter 500ms fastinter 250ms downinter 250ms fall 1 rise 1
${instances.map((i) => `  server ${i.name} 127.0.0.1:${i.port}`).join("\n")}
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

async function rollingRestart(instances: Instance[], socket: string): Promise<RestartRecord[]> {
  const records: RestartRecord[] = [];
  for (const instance of instances) {
    const running = instance.running;
    if (!running) throw new Error(`${instance.name} is not running`);
    log(`SIGTERM ${instance.name} (pid ${running.process.pid})`);
    const stopStarted = performance.now();
    const exit = await stop(running, "SIGTERM", SHUTDOWN_TIMEOUT_MS + 2_000);
    const stopMs = Math.round(performance.now() - stopStarted);
    if (exit.timedOut) throw new Error(`${instance.name} did not exit within its shutdown timeout`);
    log(`${instance.name} exited with code ${exit.code} after ${stopMs} ms; starting it again`);

    const upStarted = performance.now();
    startInstance(instance);
    await waitForStatus(instance.port, "/ready", 200, 15_000);
    await waitForHaproxy(socket, instance.name, "UP", 10_000);
    const backUpMs = Math.round(performance.now() - upStarted);
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

async function main(): Promise<boolean> {
  if (!existsSync(SERVER_JS)) throw new Error(`${SERVER_JS} is missing: run npm run build first`);
  const socket = join(work, "haproxy.sock");
  const instances: Instance[] = [];
  for (let i = 1; i <= INSTANCES; i += 1) {
    instances.push({ name: `app${i}`, port: await freePort(), generation: 0 });
  }
  const frontendPort = await freePort();

  log(`starting ${INSTANCES} instances on ports ${instances.map((i) => i.port).join(", ")}`);
  for (const instance of instances) startInstance(instance);
  await Promise.all(instances.map((i) => waitForStatus(i.port, "/ready", 200, 20_000)));

  const item = (await postJson(instances[0]!.port, "/items", { name: "zero-downtime probe" })) as {
    id: string;
  };

  const configFile = join(work, "haproxy.cfg");
  writeFileSync(configFile, haproxyConfig(frontendPort, instances, socket));
  const haproxy = start("haproxy", "haproxy", ["-db", "-f", configFile], {
    logFile: join(work, "haproxy.log"),
  });
  children.add(haproxy);
  for (const instance of instances) await waitForHaproxy(socket, instance.name, "UP", 10_000);
  log(`HAProxy on 127.0.0.1:${frontendPort} sees all ${INSTANCES} instances UP`);

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
  const restarts = await rollingRestart(instances, socket);
  await sleep(SETTLE_MS);
  load.stop();
  const result = await loadDone;
  const stats = await serverStats(socket);
  const total = (column: string) => stats.reduce((sum, row) => sum + Number(row[column] || 0), 0);

  // autocannon counts a timeout among its errors too.
  const failed = result.errors + result.non2xx + result.mismatches + result.resets;
  const badExits = restarts.filter((r) => r.exitCode !== 0 || r.signal !== null);
  const summary = [
    "",
    "Zero-downtime proof: rolling SIGTERM restart of 3 instances behind HAProxy",
    `  duration           ${result.duration.toFixed(1)} s`,
    `  requests sent      ${answered + result.errors}  (answered ${answered}, 2xx ${result["2xx"]})`,
    `  failed             ${failed}  (errors ${result.errors - result.timeouts}, timeouts ${result.timeouts}, non-2xx ${result.non2xx})`,
    `  latency p50 / p99  ${result.latency.p50} ms / ${result.latency.p99} ms (max ${result.latency.max} ms)`,
    // What the load balancer absorbed, as a load balancer draining targets does: requests re-sent
    // to another instance after a refused connection (listener closed, health check not yet
    // failed) or a reused keep-alive connection closed before it carried the request.
    `  HAProxy re-sent    ${total("wretr") + total("wredis")} requests to another instance (refused, or keep-alive connection closed unanswered)`,
    "  restarts (SIGTERM, wait for exit, start, wait until HAProxy sees it UP):",
    ...restarts.map(
      (r) =>
        `    ${r.instance}  exit ${r.exitCode}  drained and exited in ${r.stopMs} ms  UP again after ${r.backUpMs} ms`,
    ),
  ];
  if (failures.length > 0) summary.push(`  first failures     ${failures.slice(0, 5).join(" | ")}`);
  const passed =
    failed === 0 && failures.length === 0 && badExits.length === 0 && result["2xx"] > 0;
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
  for (const file of ["app1.log", "app2.log", "app3.log", "haproxy.log"]) {
    const path = join(work, file);
    if (!existsSync(path)) continue;
    const tail = readFileSync(path, "utf8").trim().split("\n").slice(-15).join("\n");
    log(`last lines of ${file}:\n${tail}`);
  }
}
await cleanup();
clearTimeout(hardLimit);
process.exit(passed ? 0 : 1);
