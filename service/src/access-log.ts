import { LogController, type FastifyReply, type FastifyRequest } from "fastify";

const PROBE_PATHS = new Set(["/health", "/ready"]);

export const pathOf = (url: string) => url.split("?", 1)[0] ?? url;

/**
 * Replaces Fastify's two lines per request ("incoming request", "request completed") with one
 * completion line in the platform's schema: http_method, http_path, http_status, latency_ms, and
 * the request's correlation_id. The query string is left out, as it may carry personal data.
 */
export class AccessLogController extends LogController {
  constructor() {
    super({ requestIdLogLabel: "correlation_id" });
  }

  override incomingRequest(): void {}

  override routeNotFound(): void {}

  override requestCompleted(
    error: Error | null | undefined,
    request: FastifyRequest,
    reply: FastifyReply,
  ): void {
    const status = reply.statusCode;
    const path = pathOf(request.url);
    const probe = PROBE_PATHS.has(path);
    // Load-balancer probes arrive every few seconds per task: successful ones are debug noise.
    const level = error || status >= 500 ? (probe ? "warn" : "error") : probe ? "debug" : "info";
    request.log[level](
      {
        http_method: request.method,
        http_path: path,
        http_status: status,
        latency_ms: Math.round(reply.elapsedTime),
        ...(error ? { error } : {}),
      },
      "request completed",
    );
  }
}
