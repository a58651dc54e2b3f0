import { connect, type Socket } from "node:net";
import { setTimeout as sleep } from "node:timers/promises";
import { afterEach, describe, expect, it } from "vitest";
import { RESOURCE_CLOSE_TIMEOUT_MS, shutdownGracefully } from "../src/shutdown.js";
import { createTestApp, type TestApp } from "./support/app.js";
import { httpGet, tryConnect, type SimpleResponse } from "./support/http.js";

/** A keep-alive connection that has finished one request and now sits idle, as an ALB's would. */
async function idleKeepAliveSocket(
  port: number,
): Promise<{ socket: Socket; closed: Promise<void> }> {
  const socket = connect({ host: "127.0.0.1", port });
  const closed = new Promise<void>((resolve) => socket.once("close", () => resolve()));
  await new Promise<void>((resolve) => socket.once("connect", () => resolve()));
  socket.write("GET /health HTTP/1.1\r\nHost: localhost\r\n\r\n");
  await new Promise<void>((resolve) => socket.once("data", () => resolve()));
  return { socket, closed };
}

function within<T>(promise: Promise<T>, ms: number, what: string): Promise<T> {
  return Promise.race([
    promise,
    sleep(ms).then(() => {
      throw new Error(`${what} did not happen within ${ms} ms`);
    }),
  ]);
}

describe("shutdownGracefully", () => {
  let t: TestApp | undefined;

  afterEach(async () => {
    await t?.close().catch(() => {});
    t = undefined;
  });

  /** The real app listening on an ephemeral port, plus a route that takes `ms` to answer. */
  async function listeningAppWithSlowRoute(ms: number) {
    const app = await createTestApp();
    t = app;
    let reached!: () => void;
    const slowReached = new Promise<void>((resolve) => (reached = resolve));
    app.app.get("/slow", async () => {
      reached();
      await sleep(ms);
      return { done: true };
    });
    await app.app.listen({ port: 0, host: "127.0.0.1" });
    const address = app.app.server.address();
    const port = typeof address === "object" && address ? address.port : 0;
    return { ...app, port, slowReached };
  }

  it("lets a slow in-flight request finish with 200 while refusing new connections", async () => {
    const s = await listeningAppWithSlowRoute(800);
    const idle = await idleKeepAliveSocket(s.port);
    const slow: Promise<SimpleResponse> = httpGet(s.port, "/slow");
    await s.slowReached;

    const started = performance.now();
    const outcome = shutdownGracefully(
      {
        app: s.app,
        logger: s.app.log,
        timeoutMs: 5_000,
        beginDrain: () => (s.drain.draining = true),
        closeResources: () => s.pool.end(),
      },
      "SIGTERM",
    );

    // Idle keep-alive sockets are closed at once rather than left for the load balancer to reuse.
    await within(idle.closed, 1_000, "closing the idle keep-alive socket");
    // The listener is closed: a new connection is refused, so no new work arrives.
    expect(await tryConnect(s.port)).toBe("ECONNREFUSED");

    const response = await slow;
    expect(response.status).toBe(200);
    expect(JSON.parse(response.body)).toEqual({ done: true });
    // The connection that carried it is not kept alive for another request.
    expect(response.headers.connection).toBe("close");

    expect(await outcome).toBe("drained");
    const elapsed = performance.now() - started;
    expect(elapsed).toBeLessThan(5_000);
    expect(s.pool.ended).toBe(true);
    expect(s.lines.map((line) => line.message)).toEqual(
      expect.arrayContaining([
        "shutdown started: draining in-flight requests",
        "shutdown complete",
      ]),
    );
    expect(s.lines.find((line) => line.message === "shutdown complete")).toMatchObject({
      outcome: "drained",
    });
  });

  it("cuts requests still running when the timeout expires, and still finishes promptly", async () => {
    const s = await listeningAppWithSlowRoute(30_000);
    const slow = httpGet(s.port, "/slow").then(
      () => "answered",
      (error: NodeJS.ErrnoException) => error.code ?? error.message,
    );
    await s.slowReached;

    const started = performance.now();
    const outcome = await shutdownGracefully(
      {
        app: s.app,
        logger: s.app.log,
        timeoutMs: 300,
        beginDrain: () => (s.drain.draining = true),
        closeResources: () => s.pool.end(),
      },
      "SIGTERM",
    );
    const elapsed = performance.now() - started;

    expect(outcome).toBe("timed_out");
    expect(elapsed).toBeGreaterThanOrEqual(290);
    expect(elapsed).toBeLessThan(2_000);
    expect(await slow).toBe("ECONNRESET");
    expect(s.lines.find((line) => line.message === "shutdown complete")).toMatchObject({
      level: "INFO",
      outcome: "timed_out",
    });
  });

  it("exits even when closing the pool hangs, one second after the drain", async () => {
    const s = await listeningAppWithSlowRoute(0);
    const started = performance.now();
    const outcome = await shutdownGracefully(
      {
        app: s.app,
        logger: s.app.log,
        timeoutMs: 5_000,
        beginDrain: () => (s.drain.draining = true),
        closeResources: () => new Promise<void>(() => {}),
      },
      "SIGTERM",
    );
    expect(outcome).toBe("drained");
    expect(performance.now() - started).toBeLessThan(RESOURCE_CLOSE_TIMEOUT_MS + 500);
    expect(s.lines.map((line) => line.message)).toContain(
      "closing resources timed out; exiting anyway",
    );
  });
});
