import { createServer, type IncomingHttpHeaders } from "node:http";
import { decodeCbor as decode, encodeCbor as encode } from "../../scripts/terraform/cbor";
import { afterEach, describe, expect, it } from "vitest";
import {
  CLOUDWATCH_TARGET,
  cborRequestToJson,
  jsonResponseToCbor,
  operationOf,
  startCloudWatchBridge,
  type CloudWatchBridge,
  type ServiceModel,
} from "../../scripts/terraform/cloudwatch-bridge";

/** The part of CloudWatch's model these tests need: DescribeAlarms' output, a timestamp, a blob. */
const model: ServiceModel = {
  operations: {
    DescribeAlarms: { output: { shape: "DescribeAlarmsOutput" } },
    GetMetricWidgetImage: { output: { shape: "GetMetricWidgetImageOutput" } },
  },
  shapes: {
    DescribeAlarmsOutput: {
      type: "structure",
      members: { MetricAlarms: { shape: "MetricAlarms" }, NextToken: { shape: "NextToken" } },
    },
    MetricAlarms: { type: "list", member: { shape: "MetricAlarm" } },
    MetricAlarm: {
      type: "structure",
      members: {
        AlarmName: { shape: "AlarmName" },
        Threshold: { shape: "Threshold" },
        StateUpdatedTimestamp: { shape: "Timestamp" },
      },
    },
    GetMetricWidgetImageOutput: {
      type: "structure",
      members: { MetricWidgetImage: { shape: "Image" } },
    },
    AlarmName: { type: "string" },
    NextToken: { type: "string" },
    Threshold: { type: "double" },
    Timestamp: { type: "timestamp" },
    Image: { type: "blob" },
  },
};

/** CBOR's tag 1 (epoch-based date/time) with a float64 value: 0xc1 0xfb. */
const EPOCH_TAG_FLOAT = Buffer.from([0xc1, 0xfb]);

describe("CloudWatch protocol bridge: encoding", () => {
  it("reads the operation from an RPC v2 CBOR path and nothing else", () => {
    expect(operationOf(`/service/${CLOUDWATCH_TARGET}/operation/PutMetricAlarm`)).toBe(
      "PutMetricAlarm",
    );
    expect(operationOf(`/service/${CLOUDWATCH_TARGET}/operation/DescribeAlarms?x=1`)).toBe(
      "DescribeAlarms",
    );
    expect(operationOf("/")).toBeUndefined();
    expect(operationOf("/service/Other/operation/PutMetricAlarm")).toBeUndefined();
  });

  it("writes a CBOR request as the JSON protocol's body: dates as epoch seconds, bytes as base64", () => {
    const body = encode({
      AlarmName: "orbit-prod-api-5xx",
      Threshold: 5,
      Dimensions: [{ Name: "LoadBalancer", Value: "app/x/1" }],
      StartTime: new Date(1_700_000_000_500),
      Image: new Uint8Array([1, 2, 3]),
    });
    expect(JSON.parse(cborRequestToJson(body))).toEqual({
      AlarmName: "orbit-prod-api-5xx",
      Threshold: 5,
      Dimensions: [{ Name: "LoadBalancer", Value: "app/x/1" }],
      StartTime: 1_700_000_000.5,
      Image: "AQID",
    });
    expect(cborRequestToJson(new Uint8Array())).toBe("{}");
  });

  it("tags the model's timestamp members of a JSON response as CBOR epoch times (what the Go SDK requires)", () => {
    const json = JSON.stringify({
      MetricAlarms: [{ AlarmName: "a", Threshold: 5, StateUpdatedTimestamp: 1_700_000_000.25 }],
      NextToken: "1700000000",
    });
    const cbor = jsonResponseToCbor("DescribeAlarms", 200, json, model);
    expect(cbor.includes(EPOCH_TAG_FLOAT)).toBe(true);
    expect(decode(cbor)).toEqual({
      MetricAlarms: [
        { AlarmName: "a", Threshold: 5, StateUpdatedTimestamp: new Date(1_700_000_000_250) },
      ],
      // A string that looks like a number stays a string: only the model's timestamps are tagged.
      NextToken: "1700000000",
    });
  });

  it("turns the model's blob members back into bytes", () => {
    const cbor = jsonResponseToCbor(
      "GetMetricWidgetImage",
      200,
      '{"MetricWidgetImage":"AQID"}',
      model,
    );
    expect([...(decode(cbor) as { MetricWidgetImage: Uint8Array }).MetricWidgetImage]).toEqual([
      1, 2, 3,
    ]);
  });

  it("writes a JSON protocol error as the CBOR error shape { __type, message }", () => {
    const cbor = jsonResponseToCbor(
      "GetDashboard",
      404,
      '{"__type":"ResourceNotFound","Message":"Dashboard does not exist"}',
      model,
    );
    expect(decode(cbor)).toEqual({
      __type: "ResourceNotFound",
      message: "Dashboard does not exist",
    });
  });
});

describe("CloudWatch protocol bridge: the server", () => {
  let bridge: CloudWatchBridge | undefined;
  const upstreams: { close(): void }[] = [];
  afterEach(async () => {
    await bridge?.close();
    for (const u of upstreams.splice(0)) u.close();
  });

  /** Stands in for moto: records the request and answers with `status` and `body`. */
  async function fakeMoto(status: number, body: string, headers: Record<string, string> = {}) {
    const seen: { path?: string; headers?: IncomingHttpHeaders; body?: string } = {};
    const server = createServer((req, res) => {
      let data = "";
      req.on("data", (chunk: Buffer) => (data += chunk.toString("utf8")));
      req.on("end", () => {
        Object.assign(seen, { path: req.url, headers: req.headers, body: data });
        res.writeHead(status, { "content-type": "application/x-amz-json-1.0", ...headers });
        res.end(body);
      });
    });
    await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
    upstreams.push(server);
    const address = server.address() as { port: number };
    return { url: `http://127.0.0.1:${address.port}`, seen };
  }

  it("forwards a CBOR call to moto as a JSON protocol call, signed as it came, and answers in CBOR", async () => {
    const moto = await fakeMoto(200, JSON.stringify({ MetricAlarms: [{ AlarmName: "a" }] }));
    bridge = await startCloudWatchBridge(moto.url, model);
    const authorization =
      "AWS4-HMAC-SHA256 Credential=AKIA/20260101/eu-west-1/monitoring/aws4_request, SignedHeaders=host, Signature=0";
    const response = await fetch(
      `${bridge.url}/service/${CLOUDWATCH_TARGET}/operation/DescribeAlarms`,
      {
        method: "POST",
        headers: {
          "content-type": "application/cbor",
          "smithy-protocol": "rpc-v2-cbor",
          authorization,
        },
        body: new Uint8Array(encode({ AlarmNames: ["a"] })),
      },
    );
    expect(moto.seen.path).toBe("/");
    expect(moto.seen.headers?.["x-amz-target"]).toBe(`${CLOUDWATCH_TARGET}.DescribeAlarms`);
    expect(moto.seen.headers?.["content-type"]).toBe("application/x-amz-json-1.0");
    expect(moto.seen.headers?.authorization).toBe(authorization);
    expect(JSON.parse(moto.seen.body ?? "")).toEqual({ AlarmNames: ["a"] });
    expect(response.status).toBe(200);
    expect(response.headers.get("smithy-protocol")).toBe("rpc-v2-cbor");
    expect(response.headers.get("content-type")).toBe("application/cbor");
    expect(decode(Buffer.from(await response.arrayBuffer()))).toEqual({
      MetricAlarms: [{ AlarmName: "a" }],
    });
    expect(bridge.calls).toEqual({ DescribeAlarms: 1 });
  });

  it("passes moto's error status and awsQuery error code through", async () => {
    const moto = await fakeMoto(
      400,
      '{"__type":"ResourceNotFound","message":"no such dashboard"}',
      {
        "x-amzn-query-error": "ResourceNotFound;Sender",
      },
    );
    bridge = await startCloudWatchBridge(moto.url, model);
    const response = await fetch(
      `${bridge.url}/service/${CLOUDWATCH_TARGET}/operation/GetDashboard`,
      {
        method: "POST",
        body: new Uint8Array(encode({ DashboardName: "d" })),
      },
    );
    expect(response.status).toBe(400);
    expect(response.headers.get("x-amzn-query-error")).toBe("ResourceNotFound;Sender");
    expect(decode(Buffer.from(await response.arrayBuffer()))).toEqual({
      __type: "ResourceNotFound",
      message: "no such dashboard",
    });
  });

  it("refuses a request that is not CloudWatch RPC v2 CBOR, without calling moto", async () => {
    const moto = await fakeMoto(200, "{}");
    bridge = await startCloudWatchBridge(moto.url, model);
    const response = await fetch(`${bridge.url}/`, {
      method: "POST",
      body: "Action=DescribeAlarms",
    });
    expect(response.status).toBe(404);
    expect(response.headers.get("smithy-protocol")).toBe("rpc-v2-cbor");
    expect(moto.seen.path).toBeUndefined();
  });
});
