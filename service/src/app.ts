import { STATUS_CODES } from "node:http";
import Fastify, { type FastifyBaseLogger, type FastifyError, type FastifyInstance } from "fastify";
import { AccessLogController, pathOf } from "./access-log.js";
import { DEFAULT_KEEP_ALIVE_TIMEOUT_MS } from "./config.js";
import type { ItemActivity } from "./item-activity.js";
import type { ItemStore } from "./item-store.js";
import { requestIdFrom } from "./request-id.js";
import { itemRoutes } from "./routes/items.js";
import { probeRoutes } from "./routes/probes.js";
import { DependencyUnavailableError, RequestValidationError } from "./validation.js";

export interface AppDeps {
  /** A logger from createLogger (typed as Fastify's logger interface, which pino satisfies). */
  logger: FastifyBaseLogger;
  version: string;
  items: ItemStore;
  /** The items table and the events topic. */
  activity: ItemActivity;
  /** Rejects, with the reason, when the database cannot serve queries right now. */
  checkDatabase: () => Promise<void>;
  /** True once shutdown has begun: readiness fails and no connection is kept alive. */
  isDraining: () => boolean;
  /**
   * How long an idle connection stays open: KEEP_ALIVE_TIMEOUT_MS, which the platform derives
   * from the load balancer's idle timeout.
   * @default DEFAULT_KEEP_ALIVE_TIMEOUT_MS (65 s, for the ALB's default 60 s)
   */
  keepAliveTimeoutMs?: number;
}

/** Builds the HTTP app without listening, so tests can inject requests or listen where they like. */
export function buildApp(deps: AppDeps): FastifyInstance {
  const app = Fastify({
    loggerInstance: deps.logger,
    logController: new AccessLogController(),
    genReqId: (request) => requestIdFrom(request.headers["x-request-id"]),
    // During a drain, requests that arrive on an already-open connection are still served
    // (with Connection: close); answering them 503 would surface as errors at the load balancer.
    return503OnClosing: false,
    // Close idle keep-alive sockets as soon as shutdown begins, so the drain is not held open by
    // connections that carry no request.
    forceCloseConnections: "idle",
    // Longer than the ALB's idle timeout: the load balancer, not the target, must be the one to
    // close an idle connection, or a request can race the close and get a reset.
    keepAliveTimeout: deps.keepAliveTimeoutMs ?? DEFAULT_KEEP_ALIVE_TIMEOUT_MS,
    bodyLimit: 64 * 1024,
  });

  app.addHook("onRequest", async (request, reply) => {
    reply.header("x-request-id", request.id);
  });

  app.addHook("onSend", async (_request, reply) => {
    if (deps.isDraining()) {
      // Tell the client (the load balancer) this connection ends with this response, so it opens
      // its next one to a task that is staying.
      reply.header("connection", "close");
    }
  });

  app.setErrorHandler((error: FastifyError, request, reply) => {
    if (error instanceof RequestValidationError) {
      return reply
        .code(400)
        .send({ error: "Bad Request", message: error.message, fields: error.fields });
    }
    if (error instanceof DependencyUnavailableError) {
      request.log.error({ error }, "request failed: a dependency is unavailable");
      return reply
        .code(503)
        .header("retry-after", "1")
        .send({ error: "Service Unavailable", message: error.message });
    }
    const status = error.statusCode ?? 500;
    if (status >= 500) {
      request.log.error({ error }, "request failed");
      return reply.code(500).send({ error: "Internal Server Error", message: "Unexpected error" });
    }
    // Fastify's own client errors: malformed JSON, unsupported media type, body too large.
    return reply
      .code(status)
      .send({ error: STATUS_CODES[status] ?? "Error", message: error.message });
  });

  app.setNotFoundHandler((request, reply) =>
    reply.code(404).send({
      error: "Not Found",
      message: `No route for ${request.method} ${pathOf(request.url)}`,
    }),
  );

  probeRoutes(app, deps);
  itemRoutes(app, deps.items, deps.activity);
  return app;
}
