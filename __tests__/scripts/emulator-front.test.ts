import { createServer, type IncomingHttpHeaders } from "node:http";
import { afterEach, describe, expect, it } from "vitest";
import {
  handle,
  startEmulatorFront,
  type EmulatorFront,
  type Gap,
  type JsonBody,
} from "../../scripts/terraform/emulator-front";

/** Answers Missing itself, adds Extra to moto's answer of Describe, leaves the rest alone. */
const gap: Gap = {
  targetPrefix: "Svc.",
  answer: (operation) =>
    operation === "Missing" ? { status: 200, body: { answeredBy: "gap" } } : undefined,
  observe: (operation, _request, response): JsonBody | void =>
    operation === "Describe" ? { ...response.body, Extra: 1 } : undefined,
};

describe("a gap in front of moto", () => {
  it("answers only what moto lacks, changes only what it says, and passes the rest as moto said it", async () => {
    let asked = 0;
    const moto = async () => {
      asked++;
      return { status: 200, body: { fromMoto: true } };
    };
    expect(await handle(gap, "Missing", {}, moto)).toEqual({
      by: "local",
      answer: { status: 200, body: { answeredBy: "gap" } },
    });
    expect(asked).toBe(0);
    expect(await handle(gap, "Describe", {}, moto)).toEqual({
      by: "changed",
      answer: { status: 200, body: { fromMoto: true, Extra: 1 } },
    });
    expect(await handle(gap, "Create", {}, moto)).toEqual({ by: "moto" });
    // moto's errors are never changed
    expect(await handle(gap, "Describe", {}, async () => ({ status: 400, body: {} }))).toEqual({
      by: "moto",
    });
  });
});

describe("the front server", () => {
  let front: EmulatorFront | undefined;
  let moto: ReturnType<typeof createServer> | undefined;
  afterEach(async () => {
    await front?.close();
    moto?.close();
  });

  it("passes moto's answer byte for byte, with its headers, and counts what it answered itself", async () => {
    const seen: IncomingHttpHeaders[] = [];
    moto = createServer((req, res) => {
      seen.push(req.headers);
      req.resume();
      req.on("end", () => {
        res.writeHead(200, {
          "content-type": "application/x-amz-json-1.1",
          "x-amzn-requestid": "r-1",
        });
        res.end('{ "fromMoto" : true }');
      });
    });
    await new Promise<void>((resolve) => moto!.listen(0, "127.0.0.1", resolve));
    front = await startEmulatorFront(
      `http://127.0.0.1:${(moto.address() as { port: number }).port}`,
      gap,
    );
    const call = (operation: string) =>
      fetch(front!.url, {
        method: "POST",
        headers: {
          "x-amz-target": `Svc.${operation}`,
          authorization: "AWS4-HMAC-SHA256 Credential=K/x",
        },
        body: "{}",
      });
    const passed = await call("Create");
    expect(await passed.text()).toBe('{ "fromMoto" : true }');
    expect(passed.headers.get("x-amzn-requestid")).toBe("r-1");
    expect(seen[0]?.authorization).toBe("AWS4-HMAC-SHA256 Credential=K/x");
    expect(await (await call("Describe")).json()).toEqual({ fromMoto: true, Extra: 1 });
    expect(await (await call("Missing")).json()).toEqual({ answeredBy: "gap" });
    expect(seen).toHaveLength(2);
    expect(front.answered).toEqual({ Missing: 1 });
  });
});
