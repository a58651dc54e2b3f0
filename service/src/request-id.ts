import { randomUUID } from "node:crypto";

/** Ids the edge or a caller may pass in: short, and nothing that could break a log line or header. */
const SAFE_REQUEST_ID = /^[A-Za-z0-9._:@=+/-]{1,128}$/;

/**
 * The correlation id for a request: the caller's `x-request-id` when it is well-formed, so one id
 * follows a request across services; otherwise a fresh one. A malformed header is replaced, not
 * rejected: tracing is a courtesy and must never fail a request.
 */
export function requestIdFrom(header: string | string[] | undefined): string {
  if (typeof header === "string" && SAFE_REQUEST_ID.test(header)) {
    return header;
  }
  return `req-${randomUUID()}`;
}
