/**
 * Docker HEALTHCHECK probe: GET http://127.0.0.1:$PORT/health, exit 0 on 200, 1 otherwise.
 * A Node script because the runtime image has no curl or wget.
 */
import { get } from "node:http";

const request = get(
  { host: "127.0.0.1", port: Number(process.env.PORT ?? 8080), path: "/health", timeout: 3_000 },
  (response) => {
    response.resume();
    process.exit(response.statusCode === 200 ? 0 : 1);
  },
);
request.on("timeout", () => request.destroy(new Error("timed out")));
request.on("error", () => process.exit(1));
