// moto's server (a local AWS API emulator) for `npm run e2e`: installed pinned by
// scripts/install-moto.sh, started on 127.0.0.1 on a free port, killed on every exit path.
import { execFileSync, spawn } from "node:child_process";
import { closeSync, openSync, readFileSync } from "node:fs";
import { createServer } from "node:net";
import { dirname, join } from "node:path";
import { ROOT, track } from "./run";

/** Installs moto (idempotent); returns the path of its moto_server. */
export function installMoto(): string {
  return execFileSync("bash", [join(ROOT, "scripts", "install-moto.sh")], {
    encoding: "utf8",
    stdio: ["ignore", "pipe", "inherit"],
  }).trim();
}

export function motoVersion(motoServer: string): string {
  const python = join(dirname(motoServer), "python");
  return execFileSync(python, ["-c", "import moto; print(moto.__version__)"], {
    encoding: "utf8",
  }).trim();
}

/** The site-packages directory of moto's environment (where its botocore service models are). */
export function motoSitePackages(motoServer: string): string {
  const python = join(dirname(motoServer), "python");
  return execFileSync(
    python,
    ["-c", "import os, botocore; print(os.path.dirname(os.path.dirname(botocore.__file__)))"],
    { encoding: "utf8" },
  ).trim();
}

/** A free TCP port on the loopback interface. */
export function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = createServer();
    server.unref();
    server.on("error", reject);
    server.listen(0, "127.0.0.1", () => {
      const address = server.address();
      server.close(() => {
        if (address && typeof address === "object") resolve(address.port);
        else reject(new Error("no port"));
      });
    });
  });
}

export interface MotoOptions {
  readonly motoServer: string;
  /** hosted zones that must get these ids when created in their account (the stacks name them literally) */
  readonly zones: readonly { id: string; name: string; account: string }[];
  readonly logFile: string;
}

export interface Moto {
  readonly url: string;
  readonly pid: number;
  stop(): void;
  logTail(lines: number): string;
}

/**
 * scripts/moto/launch.py starts the server with the project's fixes to moto (an atomic SQS
 * DeleteMessage), gives the hosted zones the stacks write into (created by the harness before the
 * apply, as an operator would) the ids the configuration names, and stops the server should the
 * harness die without stopping it.
 */
const LAUNCHER = join(ROOT, "scripts", "moto", "launch.py");

export async function startMoto(options: MotoOptions): Promise<Moto> {
  const port = await freePort();
  const python = join(dirname(options.motoServer), "python");
  const log = openSync(options.logFile, "a");
  const child = spawn(python, [LAUNCHER, String(port), JSON.stringify(options.zones)], {
    stdio: ["ignore", log, log],
    env: {
      PATH: process.env.PATH ?? "/usr/bin:/bin",
      HOME: process.env.HOME ?? "/tmp",
      // Certificates are issued at once instead of after 60 s (nobody answers the DNS check).
      MOTO_ACM_VALIDATION_WAIT: "0",
      // AWS managed policies (arn:aws:iam::aws:policy/...) exist, as in AWS.
      MOTO_IAM_LOAD_MANAGED_POLICIES: "true",
    },
  });
  closeSync(log);
  track(child, "SIGKILL");
  const url = `http://127.0.0.1:${port}`;
  const moto: Moto = {
    url,
    pid: child.pid ?? -1,
    stop: () => {
      child.kill("SIGTERM");
    },
    logTail: (lines) =>
      readFileSync(options.logFile, "utf8").trimEnd().split("\n").slice(-lines).join("\n"),
  };
  const deadline = Date.now() + 30_000;
  for (;;) {
    if (child.exitCode !== null) {
      throw new Error(`moto exited with ${child.exitCode}:\n${moto.logTail(30)}`);
    }
    try {
      const response = await fetch(`${url}/moto-api/data.json`);
      if (response.ok) return moto;
    } catch {
      // not listening yet
    }
    if (Date.now() > deadline) {
      moto.stop();
      throw new Error(`moto did not answer on ${url} within 30 s:\n${moto.logTail(30)}`);
    }
    await new Promise((r) => setTimeout(r, 200));
  }
}

/**
 * A request straight to the emulator, outside Terraform, for the harness's own fixtures and
 * checks. moto routes it by the service named in the (unchecked) signature, and files it under
 * `account` (its x-moto-account-id header).
 */
async function motoRequest(
  url: string,
  account: string,
  service: string,
  init: { method: string; path?: string; headers?: Record<string, string>; body: string },
): Promise<{ status: number; text: string }> {
  const response = await fetch(`${url}${init.path ?? "/"}`, {
    method: init.method,
    headers: {
      ...init.headers,
      "x-moto-account-id": account,
      authorization: `AWS4-HMAC-SHA256 Credential=AKIAE2EFIXTURE000000/20260101/eu-west-1/${service}/aws4_request, SignedHeaders=host, Signature=0`,
    },
    body: init.body,
  });
  return { status: response.status, text: await response.text() };
}

const xmlValue = (xml: string, tag: string) =>
  new RegExp(`<${tag}>([^<]+)</${tag}>`).exec(xml)?.[1];

/**
 * An IAM user with an access key in `account`: the operator whose keys the override files carry.
 * moto files a request under the account that owns its access key, so everything Terraform does
 * with these keys happens in `account`, and a role assumed in another account (an ARN with
 * another account id) acts in that one. (MOTO_ACCOUNT_ID would pin every request to one
 * account, assumed roles included.)
 */
export async function createOperatorKey(
  url: string,
  account: string,
  user: string,
): Promise<{ accessKey: string; secretKey: string }> {
  const call = async (params: Record<string, string>) => {
    const { status, text } = await motoRequest(url, account, "iam", {
      method: "POST",
      headers: { "content-type": "application/x-www-form-urlencoded" },
      body: new URLSearchParams({ ...params, Version: "2010-05-08" }).toString(),
    });
    if (status !== 200) throw new Error(`IAM ${params.Action}: HTTP ${status}: ${text}`);
    return text;
  };
  await call({ Action: "CreateUser", UserName: user });
  const key = await call({ Action: "CreateAccessKey", UserName: user });
  const accessKey = xmlValue(key, "AccessKeyId");
  const secretKey = xmlValue(key, "SecretAccessKey");
  if (!accessKey || !secretKey) throw new Error(`CreateAccessKey: no key in ${key}`);
  return { accessKey, secretKey };
}

/**
 * Creates a public hosted zone in `account` through the Route 53 API, as the operator creates a
 * zone before the first apply. Returns the id moto gave it.
 */
export async function createHostedZone(
  url: string,
  account: string,
  name: string,
): Promise<string> {
  const { status, text } = await motoRequest(url, account, "route53", {
    method: "POST",
    path: "/2013-04-01/hostedzone",
    headers: { "content-type": "application/xml" },
    body: `<?xml version="1.0" encoding="UTF-8"?>
<CreateHostedZoneRequest xmlns="https://route53.amazonaws.com/doc/2013-04-01/">
  <Name>${name}.</Name>
  <CallerReference>e2e-${name}</CallerReference>
</CreateHostedZoneRequest>`,
  });
  if (status !== 201 && status !== 200) {
    throw new Error(`CreateHostedZone ${name}: HTTP ${status}: ${text}`);
  }
  const id = /<Id>\/hostedzone\/([^<]+)<\/Id>/.exec(text)?.[1];
  if (!id) throw new Error(`CreateHostedZone ${name}: no id in ${text}`);
  return id;
}

/** One item of a DynamoDB table (consistent read), or undefined. */
export async function getItem(
  url: string,
  account: string,
  table: string,
  key: Record<string, { S: string }>,
): Promise<unknown> {
  const { status, text } = await motoRequest(url, account, "dynamodb", {
    method: "POST",
    headers: {
      "content-type": "application/x-amz-json-1.0",
      "x-amz-target": "DynamoDB_20120810.GetItem",
    },
    body: JSON.stringify({ TableName: table, Key: key, ConsistentRead: true }),
  });
  if (status !== 200) throw new Error(`GetItem ${table}: HTTP ${status}: ${text}`);
  return (JSON.parse(text) as { Item?: unknown }).Item;
}
