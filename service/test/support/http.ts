import { request, type IncomingHttpHeaders } from "node:http";
import { connect } from "node:net";

export interface SimpleResponse {
  status: number;
  headers: IncomingHttpHeaders;
  body: string;
}

/** One request on its own new connection (no agent), so no socket is shared between calls. */
export function httpGet(port: number, path: string): Promise<SimpleResponse> {
  return send(port, "GET", path);
}

export function httpPost(port: number, path: string, body: unknown): Promise<SimpleResponse> {
  return send(port, "POST", path, JSON.stringify(body));
}

function send(port: number, method: string, path: string, body?: string): Promise<SimpleResponse> {
  return new Promise((resolve, reject) => {
    const headers = body === undefined ? {} : { "content-type": "application/json" };
    const req = request({ host: "127.0.0.1", port, path, method, headers, agent: false }, (res) => {
      let body = "";
      res.setEncoding("utf8");
      res.on("data", (chunk: string) => (body += chunk));
      res.on("end", () => resolve({ status: res.statusCode ?? 0, headers: res.headers, body }));
      res.on("error", reject);
    });
    req.on("error", reject);
    req.end(body);
  });
}

/** Resolves with the error code of a plain TCP connect: "connected" if the port still accepts. */
export function tryConnect(port: number): Promise<string> {
  return new Promise((resolve) => {
    const socket = connect({ host: "127.0.0.1", port });
    socket.once("connect", () => {
      socket.destroy();
      resolve("connected");
    });
    socket.once("error", (error: NodeJS.ErrnoException) => resolve(error.code ?? error.message));
  });
}

/** Polls until the port refuses connections; returns the last outcome seen. */
export async function waitUntilRefused(port: number, timeoutMs: number): Promise<string> {
  const deadline = Date.now() + timeoutMs;
  let outcome = await tryConnect(port);
  while (outcome === "connected" && Date.now() < deadline) {
    await new Promise((resolve) => setTimeout(resolve, 20));
    outcome = await tryConnect(port);
  }
  return outcome;
}
