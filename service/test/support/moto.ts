/**
 * moto's server (a local AWS API emulator) for the tests that exercise DynamoDB, SNS and SQS for
 * real. It is installed, pinned, by the repository's scripts/install-moto.sh (a virtualenv in the
 * cache directory); the tests only look for it there and never install anything. Not found: the
 * emulator tests are skipped, loudly.
 */
import { spawn, type ChildProcess } from "node:child_process";
import { existsSync, readFileSync } from "node:fs";
import { dirname, join } from "node:path";
import { fileURLToPath } from "node:url";
import { CreateTableCommand, DynamoDBClient } from "@aws-sdk/client-dynamodb";
import { CreateTopicCommand, SNSClient, SubscribeCommand } from "@aws-sdk/client-sns";
import { CreateQueueCommand, GetQueueAttributesCommand, SQSClient } from "@aws-sdk/client-sqs";
import { cacheDir } from "./cache-dir.js";

export const INSTALL_COMMAND = "bash scripts/install-moto.sh";
export const REGION = "eu-west-1";
/** moto accepts any credentials; these only keep the SDK's default chain from looking further. */
export const CREDENTIALS = { accessKeyId: "testing", secretAccessKey: "testing" };

const INSTALL_SCRIPT = fileURLToPath(new URL("../../../scripts/install-moto.sh", import.meta.url));

/** Where scripts/install-moto.sh puts moto_server (same computation), or undefined when absent. */
export function findMotoServer(env: NodeJS.ProcessEnv = process.env): string | undefined {
  if (env.MOTO_SERVER) return existsSync(env.MOTO_SERVER) ? env.MOTO_SERVER : undefined;
  let version = "5.2.5";
  if (existsSync(INSTALL_SCRIPT)) {
    version = /^VERSION=(\S+)$/m.exec(readFileSync(INSTALL_SCRIPT, "utf8"))?.[1] ?? version;
  }
  const server = join(cacheDir(env), `moto-${version}`, "bin", "moto_server");
  return existsSync(server) ? server : undefined;
}

/**
 * scripts/moto/launch.py starts the server with the project's fixes to moto (an atomic SQS
 * DeleteMessage), and stops it should the test runner die without stopping it.
 */
const LAUNCHER = fileURLToPath(new URL("../../../scripts/moto/launch.py", import.meta.url));

export interface Moto {
  url: string;
  stop(): Promise<void>;
}

export async function startMoto(motoServer: string): Promise<Moto> {
  const python = join(dirname(motoServer), "python");
  // Port 0 is not an option for moto: pick a free one, retrying should another process take it.
  for (let attempt = 1; ; attempt += 1) {
    const port = await freePort();
    let output = "";
    const child: ChildProcess = spawn(python, [LAUNCHER, String(port)], {
      stdio: ["ignore", "pipe", "pipe"],
      env: { PATH: process.env.PATH ?? "/usr/bin:/bin", HOME: process.env.HOME ?? "/tmp" },
    });
    child.stdout?.on("data", (chunk: Buffer) => (output += chunk.toString()));
    child.stderr?.on("data", (chunk: Buffer) => (output += chunk.toString()));
    const url = `http://127.0.0.1:${port}`;
    const stop = async () => {
      if (child.exitCode !== null || child.signalCode !== null) return;
      const exited = new Promise((resolve) => child.once("exit", resolve));
      child.kill("SIGTERM");
      await exited;
    };
    const deadline = Date.now() + 30_000;
    while (child.exitCode === null && Date.now() < deadline) {
      try {
        if ((await fetch(`${url}/moto-api/data.json`)).ok) return { url, stop };
      } catch {
        // not listening yet
      }
      await new Promise((resolve) => setTimeout(resolve, 100));
    }
    await stop();
    if (attempt >= 3) throw new Error(`moto did not start on ${url}:\n${output.slice(-2000)}`);
  }
}

function freePort(): Promise<number> {
  return import("node:net").then(
    ({ createServer }) =>
      new Promise((resolve, reject) => {
        const server = createServer();
        server.once("error", reject);
        server.listen(0, "127.0.0.1", () => {
          const address = server.address();
          server.close(() => resolve(typeof address === "object" && address ? address.port : 0));
        });
      }),
  );
}

export interface Resources {
  table: string;
  topicArn: string;
  queueUrl: string;
  dlqUrl: string;
  maxReceiveCount: number;
}

/**
 * What the platform creates for the two services, under unique names: the items table (pk, sk,
 * TTL expiresAt), the events topic, the events queue with its dead-letter queue, and the topic's
 * subscription with raw message delivery.
 */
export async function createResources(
  endpoint: string,
  prefix: string,
  options: { maxReceiveCount?: number; visibilityTimeoutSeconds?: number } = {},
): Promise<Resources> {
  const config = { endpoint, region: REGION, credentials: CREDENTIALS };
  const dynamodb = new DynamoDBClient(config);
  const sns = new SNSClient(config);
  const sqs = new SQSClient(config);
  const maxReceiveCount = options.maxReceiveCount ?? 2;
  const name = `${prefix}-${Math.random().toString(36).slice(2, 8)}`;
  try {
    const table = `${name}-items`;
    await dynamodb.send(
      new CreateTableCommand({
        TableName: table,
        BillingMode: "PAY_PER_REQUEST",
        AttributeDefinitions: [
          { AttributeName: "pk", AttributeType: "S" },
          { AttributeName: "sk", AttributeType: "S" },
        ],
        KeySchema: [
          { AttributeName: "pk", KeyType: "HASH" },
          { AttributeName: "sk", KeyType: "RANGE" },
        ],
      }),
    );
    const { QueueUrl: dlqUrl = "" } = await sqs.send(
      new CreateQueueCommand({ QueueName: `${name}-events-dlq` }),
    );
    const { Attributes } = await sqs.send(
      new GetQueueAttributesCommand({ QueueUrl: dlqUrl, AttributeNames: ["QueueArn"] }),
    );
    const { QueueUrl: queueUrl = "" } = await sqs.send(
      new CreateQueueCommand({
        QueueName: `${name}-events`,
        Attributes: {
          VisibilityTimeout: String(options.visibilityTimeoutSeconds ?? 5),
          RedrivePolicy: JSON.stringify({
            deadLetterTargetArn: Attributes?.QueueArn,
            maxReceiveCount,
          }),
        },
      }),
    );
    const { Attributes: queue } = await sqs.send(
      new GetQueueAttributesCommand({ QueueUrl: queueUrl, AttributeNames: ["QueueArn"] }),
    );
    const { TopicArn: topicArn = "" } = await sns.send(
      new CreateTopicCommand({ Name: `${name}-events` }),
    );
    await sns.send(
      new SubscribeCommand({
        TopicArn: topicArn,
        Protocol: "sqs",
        Endpoint: queue?.QueueArn,
        Attributes: { RawMessageDelivery: "true" },
      }),
    );
    return { table, topicArn, queueUrl, dlqUrl, maxReceiveCount };
  } finally {
    dynamodb.destroy();
    sns.destroy();
    sqs.destroy();
  }
}

/**
 * Points this process's SDK clients at the emulator, as the platform's tests set them; returns
 * the function that puts the environment back (test files share a worker: isolate is off).
 */
export function useEmulator(endpoint: string): () => void {
  const values = {
    AWS_ENDPOINT_URL: endpoint,
    AWS_REGION: REGION,
    AWS_ACCESS_KEY_ID: CREDENTIALS.accessKeyId,
    AWS_SECRET_ACCESS_KEY: CREDENTIALS.secretAccessKey,
  };
  const before = Object.fromEntries(Object.keys(values).map((name) => [name, process.env[name]]));
  Object.assign(process.env, values);
  return () => {
    for (const [name, value] of Object.entries(before)) {
      if (value === undefined) delete process.env[name];
      else process.env[name] = value;
    }
  };
}
