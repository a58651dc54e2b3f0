/**
 * Docker HEALTHCHECK probe: GET http://127.0.0.1:$PORT$HEALTH_CHECK_PATH, exit 0 on 200, 1
 * otherwise. The platform sets HEALTH_CHECK_PATH to the load balancer's health-check path, so
 * ECS and the load balancer ask the same question; without it, /health.
 * A Node script because the runtime image has no curl or wget.
 */
import { readFileSync } from "node:fs";
import { get } from "node:http";

// The worker (dist/worker.js, PID 1 in its container) has no HTTP server: running is healthy.
try {
  if (readFileSync("/proc/1/cmdline", "utf8").includes("dist/worker.js")) process.exit(0);
} catch {
  // not Linux, or no /proc: probe HTTP as for the API
}

const request = get(
  {
    host: "127.0.0.1",
    port: Number(process.env.PORT ?? 8080),
    path: process.env.HEALTH_CHECK_PATH || "/health",
    timeout: 3_000,
  },
  (response) => {
    response.resume();
    process.exit(response.statusCode === 200 ? 0 : 1);
  },
);
request.on("timeout", () => request.destroy(new Error("timed out")));
request.on("error", () => process.exit(1));
