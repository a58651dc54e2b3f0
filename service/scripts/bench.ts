/**
 * Throughput and latency on this machine, in one run, beside a floor:
 *   floor            a bare node:http server answering a constant JSON body
 *   GET /health      the service, no database
 *   GET /items/:id   the service, one primary-key read from PostgreSQL
 *
 * Every server runs in its own process and autocannon runs in this one, all on loopback. The
 * database is the server named by DATABASE_URL, or else PGlite in a process of its own. The
 * service runs as in production: built (dist/), LOG_LEVEL=info, so each item read writes its
 * completion log line (to a file here).
 *
 * Usage: npm run bench   (BENCH_SECONDS=10 BENCH_CONNECTIONS=32 to change the defaults)
 */
import { mkdtempSync, rmSync } from "node:fs";
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

const SECONDS = Number(process.env.BENCH_SECONDS ?? 10);
const CONNECTIONS = Number(process.env.BENCH_CONNECTIONS ?? 32);
const WARMUP_SECONDS = 2;

const SERVICE_DIR = fileURLToPath(new URL("..", import.meta.url));
const work = mkdtempSync(join(tmpdir(), "bench-"));
const children: RunningProcess[] = [];

const BARE_SERVER = `
  const body = JSON.stringify({ status: "healthy" });
  require("node:http")
    .createServer((req, res) => {
      res.writeHead(200, { "content-type": "application/json", "content-length": body.length });
      res.end(body);
    })
    .listen(Number(process.env.PORT), "127.0.0.1");
`;

async function waitForTcp(port: number, timeoutMs: number): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (Date.now() < deadline) {
    const open = await new Promise<boolean>((resolve) => {
      const socket = connect({ host: "127.0.0.1", port });
      socket.once("connect", () => (socket.destroy(), resolve(true)));
      socket.once("error", () => resolve(false));
    });
    if (open) return;
    await sleep(100);
  }
  throw new Error(`nothing listening on 127.0.0.1:${port} after ${timeoutMs} ms`);
}

async function database(): Promise<{ url: string; label: string }> {
  if (process.env.DATABASE_URL)
    return { url: process.env.DATABASE_URL, label: "PostgreSQL from DATABASE_URL" };
  const port = await freePort();
  const script = join(
    SERVICE_DIR,
    "node_modules/@electric-sql/pglite-socket/dist/scripts/server.js",
  );
  children.push(
    start("pglite", process.execPath, [script, `--port=${port}`, "--max-connections=32"], {
      logFile: join(work, "pglite.log"),
    }),
  );
  await waitForTcp(port, 30_000);
  return {
    url: `postgres://postgres:bench@127.0.0.1:${port}/postgres`,
    label: "PGlite in its own process",
  };
}

interface Row {
  target: string;
  requestsPerSecond: number;
  p50: number;
  p99: number;
  failed: number;
}

async function measure(target: string, url: string): Promise<Row> {
  await autocannon({ url, connections: CONNECTIONS, duration: WARMUP_SECONDS });
  const result = await autocannon({ url, connections: CONNECTIONS, duration: SECONDS });
  return {
    target,
    requestsPerSecond: Math.round(result.requests.average),
    p50: result.latency.p50,
    p99: result.latency.p99,
    failed: result.errors + result.non2xx,
  };
}

async function main(): Promise<void> {
  const db = await database();
  const barePort = await freePort();
  const servicePort = await freePort();

  children.push(
    start("bare", process.execPath, ["-e", BARE_SERVER], {
      env: { PATH: process.env.PATH, PORT: String(barePort) },
      logFile: join(work, "bare.log"),
    }),
    start("service", process.execPath, [join(SERVICE_DIR, "dist/server.js")], {
      cwd: SERVICE_DIR,
      env: {
        PATH: process.env.PATH,
        ...dbEnvFromUrl(db.url),
        PORT: String(servicePort),
        HOST: "127.0.0.1",
        LOG_LEVEL: "info",
        ...awsEnv(),
      },
      logFile: join(work, "service.log"),
    }),
  );
  await waitForStatus(barePort, "/", 200, 10_000);
  await waitForStatus(servicePort, "/ready", 200, 30_000);
  const item = (await postJson(servicePort, "/items", { name: "benchmark item" })) as {
    id: string;
  };

  const rows = [
    await measure("floor: bare node:http", `http://127.0.0.1:${barePort}/`),
    await measure("GET /health", `http://127.0.0.1:${servicePort}/health`),
    await measure(
      `GET /items/:id, ${db.label}`,
      `http://127.0.0.1:${servicePort}/items/${item.id}`,
    ),
  ];

  const width = Math.max(...rows.map((r) => r.target.length));
  const lines = [
    "",
    `autocannon, ${CONNECTIONS} connections, ${SECONDS} s per target after a ${WARMUP_SECONDS} s warm-up; Node ${process.version}`,
    `${"target".padEnd(width)}  ${"req/s".padStart(8)}  ${"p50 ms".padStart(7)}  ${"p99 ms".padStart(7)}  failed`,
    ...rows.map(
      (r) =>
        `${r.target.padEnd(width)}  ${String(r.requestsPerSecond).padStart(8)}  ${String(r.p50).padStart(7)}  ${String(r.p99).padStart(7)}  ${r.failed}`,
    ),
    "",
  ];
  process.stdout.write(lines.join("\n") + "\n");
  if (rows.some((r) => r.failed > 0)) process.exitCode = 1;
}

try {
  await main();
} finally {
  await Promise.all(children.map((child) => stop(child, "SIGTERM", 5_000)));
  rmSync(work, { recursive: true, force: true });
}
