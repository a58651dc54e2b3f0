// A server in front of moto for one AWS service of the JSON protocol (X-Amz-Target), for
// `npm run e2e`: it passes every request to moto unchanged, except the operations a `Gap` answers
// itself because moto 5.2.5 does not implement them (each gap says which, and why, in its own
// module). moto stays the emulator: a gap only keeps what the provider sent and answers it back,
// so what it proves is that the resource applies and reads back, not how AWS validates it.
import { createServer, request as httpRequest } from "node:http";
import { listenOnLoopback } from "./run";

export type JsonBody = Record<string, unknown>;
export interface Answer {
  readonly status: number;
  readonly body: JsonBody;
}

export interface Gap {
  /** e.g. "AnyScaleFrontendService." (the X-Amz-Target prefix of the service) */
  readonly targetPrefix: string;
  /** the answer to an operation moto lacks; undefined passes the request to moto */
  answer(operation: string, request: JsonBody): Answer | undefined;
  /** sees each request moto answered, and may change moto's answer (e.g. add what moto drops) */
  observe?(operation: string, request: JsonBody, response: Answer): JsonBody | void;
}

/**
 * A pure dispatch of one request, for tests: answered here (`local`), moto's answer changed by the
 * gap (`changed`), or moto's answer as it is (`moto`, then passed back byte for byte).
 */
export async function handle(
  gap: Gap,
  operation: string,
  request: JsonBody,
  moto: () => Promise<Answer | undefined>,
): Promise<{ by: "local" | "changed"; answer: Answer } | { by: "moto" }> {
  const local = gap.answer(operation, request);
  if (local) return { by: "local", answer: local };
  const answer = await moto();
  if (!answer || answer.status !== 200 || !gap.observe) return { by: "moto" };
  const changed = gap.observe(operation, request, answer);
  return changed ? { by: "changed", answer: { status: 200, body: changed } } : { by: "moto" };
}

export interface EmulatorFront {
  readonly url: string;
  /** operations answered here instead of by moto, by operation */
  readonly answered: Readonly<Record<string, number>>;
  close(): Promise<void>;
}

export function startEmulatorFront(emulatorUrl: string, gap: Gap): Promise<EmulatorFront> {
  const target = new URL(emulatorUrl);
  const answered: Record<string, number> = {};
  const server = createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on("data", (chunk: Buffer) => chunks.push(chunk));
    req.on("end", () => {
      const raw = Buffer.concat(chunks);
      const amzTarget = req.headers["x-amz-target"];
      const operation =
        typeof amzTarget === "string" && amzTarget.startsWith(gap.targetPrefix)
          ? amzTarget.slice(gap.targetPrefix.length)
          : "";
      let request: JsonBody = {};
      try {
        request = raw.length > 0 ? (JSON.parse(raw.toString("utf8")) as JsonBody) : {};
      } catch {
        // not JSON: moto answers it as it is
      }
      // moto's raw answer, kept to be passed back byte for byte when the gap changes nothing.
      let passed:
        { status: number; headers: NodeJS.Dict<string | string[]>; body: Buffer } | undefined;
      const fromMoto = () =>
        new Promise<Answer | undefined>((resolve, reject) => {
          const upstream = httpRequest(
            {
              host: target.hostname,
              port: Number(target.port),
              method: req.method,
              path: req.url,
              headers: req.headers,
            },
            (response) => {
              const parts: Buffer[] = [];
              response.on("data", (chunk: Buffer) => parts.push(chunk));
              response.on("end", () => {
                passed = {
                  status: response.statusCode ?? 502,
                  headers: response.headers,
                  body: Buffer.concat(parts),
                };
                let body: JsonBody | undefined;
                try {
                  body = JSON.parse(passed.body.toString("utf8") || "{}") as JsonBody;
                } catch {
                  body = undefined;
                }
                resolve(body ? { status: passed.status, body } : undefined);
              });
            },
          );
          upstream.on("error", reject);
          upstream.end(raw);
        });
      const reply = (answer: Answer) => {
        const text = JSON.stringify(answer.body);
        res.writeHead(answer.status, {
          "content-type": String(req.headers["content-type"] ?? "application/x-amz-json-1.1"),
          "content-length": Buffer.byteLength(text),
        });
        res.end(text);
      };
      handle(gap, operation, request, fromMoto).then(
        (result) => {
          if (result.by === "local") answered[operation] = (answered[operation] ?? 0) + 1;
          if (result.by !== "moto") reply(result.answer);
          else if (passed) {
            res.writeHead(passed.status, passed.headers);
            res.end(passed.body);
          }
        },
        (error: unknown) =>
          reply({
            status: 502,
            body: { __type: "InternalFailure", message: `moto unreachable: ${String(error)}` },
          }),
      );
    });
  });
  return listenOnLoopback(server).then(({ url, close }) => ({ url, answered, close }));
}
