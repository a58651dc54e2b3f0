import type { FastifyBaseLogger, FastifyInstance } from "fastify";

export type ShutdownOutcome = "drained" | "timed_out";

/** Extra time, after the drain, for closing the pool: the worst case is timeoutMs + this. */
export const RESOURCE_CLOSE_TIMEOUT_MS = 1_000;

export interface ShutdownOptions {
  app: FastifyInstance;
  logger: FastifyBaseLogger;
  /** Budget for in-flight requests to finish; must stay below the ECS task's stopTimeout. */
  timeoutMs: number;
  /** Flips readiness to 503 and makes every further response carry `Connection: close`. */
  beginDrain: () => void;
  /** Releases what outlives the HTTP server, such as the database pool. */
  closeResources: () => Promise<void>;
}

/**
 * Drains the server: fail readiness, stop accepting connections, close idle keep-alive sockets,
 * let in-flight requests finish, then close the pool. If requests are still running after
 * timeoutMs, their connections are cut so the process can still exit before ECS sends SIGKILL.
 */
export async function shutdownGracefully(
  options: ShutdownOptions,
  reason: string,
): Promise<ShutdownOutcome> {
  const { app, logger, timeoutMs } = options;
  const started = performance.now();
  logger.info({ reason, timeout_ms: timeoutMs }, "shutdown started: draining in-flight requests");

  options.beginDrain();
  // Stops listening, closes idle sockets (forceCloseConnections: "idle") and resolves once every
  // remaining connection has finished its request and closed.
  const serverClosed = app.close();

  const drain = await withDeadline(serverClosed, timeoutMs);
  if (drain === "timed_out") {
    logger.error(
      { open_connections: await connectionCount(app) },
      "shutdown timed out: closing connections with requests still in flight",
    );
    app.server.closeAllConnections();
    await serverClosed;
  }

  // After a clean drain the pool is idle and closes at once. After a timeout, cut-off handlers may
  // still hold clients: they must not hold the exit until ECS's SIGKILL.
  try {
    const pool = await withDeadline(options.closeResources(), RESOURCE_CLOSE_TIMEOUT_MS);
    if (pool === "timed_out") logger.warn("closing resources timed out; exiting anyway");
  } catch (error) {
    logger.error({ error }, "closing resources failed");
  }

  const outcome: ShutdownOutcome = drain === "timed_out" ? "timed_out" : "drained";
  logger.info(
    { outcome, duration_ms: Math.round(performance.now() - started) },
    "shutdown complete",
  );
  return outcome;
}

/** Settles like `promise`, or with "timed_out" after ms, whichever comes first. */
async function withDeadline<T>(promise: Promise<T>, ms: number): Promise<T | "timed_out"> {
  let timer: NodeJS.Timeout | undefined;
  const deadline = new Promise<"timed_out">((resolve) => {
    timer = setTimeout(() => resolve("timed_out"), ms);
  });
  try {
    return await Promise.race([promise, deadline]);
  } finally {
    clearTimeout(timer);
  }
}

function connectionCount(app: FastifyInstance): Promise<number> {
  return new Promise((resolve) => app.server.getConnections((_error, count) => resolve(count)));
}
