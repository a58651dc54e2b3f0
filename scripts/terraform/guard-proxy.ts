// An HTTP proxy on 127.0.0.1 for the Terraform runs of `npm run e2e`, for two reasons:
//   - S3 Control puts the account id in front of the endpoint's host
//     (http://111111111111.127.0.0.1:<port>), a name no resolver knows; through the proxy such a
//     request reaches moto unchanged (moto routes /v20180820/ paths to S3 Control);
//   - every other request that would leave the machine (any host but the emulator, and every
//     HTTPS CONNECT, e.g. to a real *.amazonaws.com) is refused and recorded, so a service
//     without an endpoint override fails loudly instead of reaching AWS.
// Go never proxies requests to 127.0.0.1 itself, so the endpoints in the override files are
// reached directly.
import { createServer, request } from "node:http";
import { listenOnLoopback } from "./run";

/** Where a proxied request goes: to the emulator, or refused. Pure, for tests. */
export function route(target: string, emulatorPort: number): "emulator" | "refuse" {
  // Not `new URL`: a host whose last label is a number must be an IPv4 address for it, so it
  // rejects 111111111111.127.0.0.1.
  const match = /^http:\/\/(\d{12})\.127\.0\.0\.1:(\d+)\//.exec(target);
  return match && Number(match[2]) === emulatorPort ? "emulator" : "refuse";
}

export interface GuardProxy {
  readonly url: string;
  /** requests refused: `METHOD target` */
  readonly refused: string[];
  /** requests passed to the emulator */
  readonly forwarded: number;
  close(): Promise<void>;
}

export function startGuardProxy(
  emulatorPort: number,
  onRefuse: (request: string) => void = () => {},
): Promise<GuardProxy> {
  const refused: string[] = [];
  let forwarded = 0;
  const server = createServer((req, res) => {
    const target = req.url ?? "";
    if (route(target, emulatorPort) === "refuse") {
      refused.push(`${req.method} ${target}`);
      onRefuse(`${req.method} ${target}`);
      res.writeHead(403, { "content-type": "text/plain" });
      res.end("refused by the e2e guard proxy: only the local emulator may be reached\n");
      return;
    }
    forwarded++;
    const path = target.replace(/^http:\/\/[^/]+/, "");
    const upstream = request(
      {
        host: "127.0.0.1",
        port: emulatorPort,
        method: req.method,
        path,
        headers: req.headers,
      },
      (response) => {
        res.writeHead(response.statusCode ?? 502, response.headers);
        response.pipe(res);
      },
    );
    upstream.on("error", (error) => {
      res.writeHead(502);
      res.end(String(error));
    });
    req.pipe(upstream);
  });
  server.on("connect", (req, socket) => {
    refused.push(`CONNECT ${req.url ?? ""}`);
    onRefuse(`CONNECT ${req.url ?? ""}`);
    socket.end("HTTP/1.1 403 Forbidden\r\n\r\n");
  });
  return listenOnLoopback(server).then(({ url, close }) => ({
    url,
    refused,
    get forwarded() {
      return forwarded;
    },
    close,
  }));
}

/** The proxy settings for a child process. */
export function proxyEnv(proxyUrl: string): Record<string, string> {
  return {
    HTTP_PROXY: proxyUrl,
    HTTPS_PROXY: proxyUrl,
    http_proxy: proxyUrl,
    https_proxy: proxyUrl,
    NO_PROXY: "127.0.0.1,localhost",
    no_proxy: "127.0.0.1,localhost",
  };
}
