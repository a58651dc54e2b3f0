import type { FastifyInstance } from "fastify";

export interface ProbeDeps {
  version: string;
  /** Rejects, with the reason, when the database cannot serve queries right now. */
  checkDatabase: () => Promise<void>;
  isDraining: () => boolean;
}

/** The example in the platform contract has no fractional seconds: 2025-01-20T07:57:00Z. */
const isoSeconds = (date: Date) => date.toISOString().replace(/\.\d{3}Z$/, "Z");

/** A short, non-sensitive reason: an error code rather than a message naming hosts or users. */
function failureReason(error: unknown): string {
  const code = (error as { code?: unknown }).code;
  if (typeof code === "string") return `database unavailable (${code})`;
  return `database unavailable (${error instanceof Error ? error.message : String(error)})`;
}

export function probeRoutes(app: FastifyInstance, deps: ProbeDeps): void {
  // Liveness: is this process able to answer at all? Deliberately independent of the database,
  // so a database outage makes tasks unready (no traffic) rather than killed and replaced.
  app.get("/health", async () => ({
    status: "healthy",
    timestamp: isoSeconds(new Date()),
    version: deps.version,
    checks: {
      process: { status: "pass", uptime_seconds: Math.round(process.uptime()) },
      shutdown: { status: "pass", draining: deps.isDraining() },
    },
  }));

  // Readiness: should the load balancer send this task traffic?
  app.get("/ready", async (request, reply) => {
    const timestamp = isoSeconds(new Date());
    if (deps.isDraining()) {
      return reply.code(503).send({ status: "not_ready", timestamp, reason: "shutting down" });
    }
    const started = performance.now();
    try {
      await deps.checkDatabase();
    } catch (error) {
      const reason = failureReason(error);
      request.log.warn({ error }, `readiness check failed: ${reason}`);
      return reply.code(503).send({
        status: "not_ready",
        timestamp,
        reason,
        checks: { database: { status: "fail" } },
      });
    }
    return {
      status: "ready",
      timestamp,
      checks: {
        database: { status: "pass", latency_ms: Math.round(performance.now() - started) },
      },
    };
  });
}
