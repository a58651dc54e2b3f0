// A protocol bridge for CloudWatch, between the AWS provider and moto, for `npm run e2e`.
//
// The provider's CloudWatch client (AWS SDK for Go v2) speaks only the Smithy RPC v2 CBOR
// protocol: POST /service/GraniteServiceVersion20100801/operation/<Operation>, a CBOR body, a
// `smithy-protocol: rpc-v2-cbor` header both ways. moto 5.2.5 serves CloudWatch's Query and
// JSON (awsJson1_0) protocols, not CBOR (getmoto/moto#9195), so every alarm and dashboard call got
// 404. The service model lists all three protocols for the same operations and shapes
// (botocore's cloudwatch service-2.json: "protocols": ["smithy-rpc-v2-cbor", "json", "query"]),
// so the bridge only re-encodes: CBOR request -> JSON request (X-Amz-Target:
// GraniteServiceVersion20100801.<Operation>) -> moto -> JSON response -> CBOR response. moto
// still does all of CloudWatch's work (validation, storage, errors): nothing is answered here.
//
// Encoding differences handled (smithy.io rpcv2Cbor and awsJson1_0):
//   - timestamps: CBOR tag 1 (epoch seconds) <-> JSON epoch-seconds numbers. Which response
//     members are timestamps comes from the service model moto ships (botocore's), walked from
//     the operation's output shape, because a JSON number carries no type;
//   - blobs: CBOR byte strings <-> base64 strings (same model walk);
//   - errors: the JSON `__type` and message become a CBOR map { __type, message }; moto's
//     `x-amzn-query-error` header (awsQueryCompatible error codes) is passed through.
import { readFileSync } from "node:fs";
import { createServer, request as httpRequest, type IncomingHttpHeaders } from "node:http";
import { join } from "node:path";
import { gunzipSync } from "node:zlib";
import { decodeCbor, encodeCbor } from "./cbor";
import { listenOnLoopback } from "./run";

/** The service's target prefix (its Smithy shape id), in both the CBOR path and X-Amz-Target. */
export const CLOUDWATCH_TARGET = "GraniteServiceVersion20100801";
const CBOR_PATH = new RegExp(`^/service/${CLOUDWATCH_TARGET}/operation/([A-Za-z]+)$`);

interface Shape {
  type: string;
  members?: Record<string, { shape: string }>;
  member?: { shape: string };
  key?: { shape: string };
  value?: { shape: string };
}

/** The parts of a botocore service model (service-2.json) the bridge reads. */
export interface ServiceModel {
  operations: Record<string, { output?: { shape: string } }>;
  shapes: Record<string, Shape>;
}

/** botocore's CloudWatch model from moto's environment (the model moto itself serves from). */
export function readCloudWatchModel(motoSitePackages: string): ServiceModel {
  const file = join(
    motoSitePackages,
    "botocore",
    "data",
    "cloudwatch",
    "2010-08-01",
    "service-2.json.gz",
  );
  return JSON.parse(gunzipSync(readFileSync(file)).toString("utf8")) as ServiceModel;
}

/** The operation a CBOR request names, or undefined for any other path. */
export function operationOf(path: string): string | undefined {
  return CBOR_PATH.exec(path.split("?")[0] ?? "")?.[1];
}

/** CBOR values as the JSON protocol writes them: tag 1 as epoch seconds, bytes as base64. */
function toJsonValue(value: unknown): unknown {
  if (value instanceof Date) return value.getTime() / 1000;
  if (value instanceof Uint8Array) return Buffer.from(value).toString("base64");
  if (Array.isArray(value)) return value.map(toJsonValue);
  if (value !== null && typeof value === "object") {
    return Object.fromEntries(Object.entries(value).map(([k, v]) => [k, toJsonValue(v)]));
  }
  return value;
}

/** A CBOR request body (empty for an operation without input) as a JSON protocol body. */
export function cborRequestToJson(body: Uint8Array): string {
  return JSON.stringify(body.length === 0 ? {} : toJsonValue(decodeCbor(body)));
}

/** A JSON value of `shapeName` as CBOR wants it: timestamps as Dates (tag 1), blobs as bytes. */
function fromJsonValue(
  value: unknown,
  shapeName: string | undefined,
  model: ServiceModel,
): unknown {
  const shape = shapeName === undefined ? undefined : model.shapes[shapeName];
  if (value === null || value === undefined || !shape) return value;
  switch (shape.type) {
    case "timestamp":
      if (typeof value === "number") return new Date(value * 1000);
      if (typeof value === "string") return new Date(value);
      return value;
    case "blob":
      return typeof value === "string" ? Buffer.from(value, "base64") : value;
    case "list":
      return Array.isArray(value)
        ? value.map((v) => fromJsonValue(v, shape.member?.shape, model))
        : value;
    case "map":
      return typeof value === "object"
        ? Object.fromEntries(
            Object.entries(value).map(([k, v]) => [k, fromJsonValue(v, shape.value?.shape, model)]),
          )
        : value;
    case "structure":
      return typeof value === "object"
        ? Object.fromEntries(
            Object.entries(value).map(([k, v]) => [
              k,
              fromJsonValue(v, shape.members?.[k]?.shape, model),
            ]),
          )
        : value;
    default:
      return value;
  }
}

/** A JSON protocol response body of `operation` as an RPC v2 CBOR response body. */
export function jsonResponseToCbor(
  operation: string,
  status: number,
  body: string,
  model: ServiceModel,
): Buffer {
  const parsed = (body.trim() === "" ? {} : JSON.parse(body)) as Record<string, unknown>;
  if (status >= 300) {
    // awsJson1_0 errors: { "__type": "<namespace#>Code", "message" | "Message": ... }.
    const message = parsed.message ?? parsed.Message;
    return encodeCbor({
      __type: parsed.__type ?? "UnknownError",
      ...(typeof message === "string" ? { message } : {}),
    });
  }
  return encodeCbor(fromJsonValue(parsed, model.operations[operation]?.output?.shape, model));
}

export interface CloudWatchBridge {
  readonly url: string;
  /** calls bridged, by operation */
  readonly calls: Readonly<Record<string, number>>;
  close(): Promise<void>;
}

/** Headers passed to moto: the signature (moto routes by its service and account), not the CBOR ones. */
function forwardedHeaders(headers: IncomingHttpHeaders, operation: string, length: number) {
  const passed: Record<string, string> = {
    "content-type": "application/x-amz-json-1.0",
    "x-amz-target": `${CLOUDWATCH_TARGET}.${operation}`,
    "content-length": String(length),
  };
  for (const name of ["authorization", "x-amz-date", "x-amz-security-token", "x-moto-account-id"]) {
    const value = headers[name];
    if (typeof value === "string") passed[name] = value;
  }
  return passed;
}

export function startCloudWatchBridge(
  emulatorUrl: string,
  model: ServiceModel,
): Promise<CloudWatchBridge> {
  const target = new URL(emulatorUrl);
  const calls: Record<string, number> = {};
  const server = createServer((req, res) => {
    const operation = operationOf(req.url ?? "");
    const chunks: Buffer[] = [];
    req.on("data", (chunk: Buffer) => chunks.push(chunk));
    req.on("end", () => {
      const fail = (status: number, type: string, message: string) => {
        res.writeHead(status, {
          "content-type": "application/cbor",
          "smithy-protocol": "rpc-v2-cbor",
        });
        res.end(encodeCbor({ __type: type, message }));
      };
      if (req.method !== "POST" || !operation) {
        fail(
          404,
          "UnknownOperationException",
          `not a CloudWatch RPC v2 CBOR request: ${req.method} ${req.url}`,
        );
        return;
      }
      let json: string;
      try {
        json = cborRequestToJson(Buffer.concat(chunks));
      } catch (error) {
        fail(
          400,
          "SerializationException",
          `the bridge could not decode the CBOR body: ${String(error)}`,
        );
        return;
      }
      calls[operation] = (calls[operation] ?? 0) + 1;
      const body = Buffer.from(json, "utf8");
      const upstream = httpRequest(
        {
          host: target.hostname,
          port: Number(target.port),
          method: "POST",
          path: "/",
          headers: forwardedHeaders(req.headers, operation, body.length),
        },
        (response) => {
          const parts: Buffer[] = [];
          response.on("data", (chunk: Buffer) => parts.push(chunk));
          response.on("end", () => {
            const status = response.statusCode ?? 502;
            let encoded: Buffer;
            try {
              encoded = jsonResponseToCbor(
                operation,
                status,
                Buffer.concat(parts).toString("utf8"),
                model,
              );
            } catch (error) {
              fail(
                502,
                "InternalFailure",
                `moto's answer to ${operation} (${status}) was not JSON: ${String(error)}`,
              );
              return;
            }
            const queryError = response.headers["x-amzn-query-error"];
            res.writeHead(status, {
              "content-type": "application/cbor",
              "smithy-protocol": "rpc-v2-cbor",
              "content-length": String(encoded.length),
              ...(typeof queryError === "string" ? { "x-amzn-query-error": queryError } : {}),
            });
            res.end(encoded);
          });
        },
      );
      upstream.on("error", (error) =>
        fail(502, "InternalFailure", `moto unreachable: ${String(error)}`),
      );
      upstream.end(body);
    });
  });
  return listenOnLoopback(server).then(({ url, close }) => ({ url, calls, close }));
}
