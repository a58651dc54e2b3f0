/**
 * The worker as a real process against moto: SIGTERM while a batch is in flight loses no
 * message and applies every effect exactly once, duplicates included. Skipped, loudly, when moto
 * is not installed (bash scripts/install-moto.sh).
 */
import { randomUUID } from "node:crypto";
import { GetItemCommand, PutItemCommand } from "@aws-sdk/client-dynamodb";
import {
  GetQueueAttributesCommand,
  SendMessageBatchCommand,
  type SendMessageBatchRequestEntry,
} from "@aws-sdk/client-sqs";
import { afterAll, afterEach, beforeAll, describe, expect, inject, it } from "vitest";
import { itemCreated, itemKey } from "../src/events.js";
import type { LogLine } from "./support/app.js";
import { testClients } from "./support/aws.js";
import {
  createResources,
  CREDENTIALS,
  INSTALL_COMMAND,
  REGION,
  type Resources,
} from "./support/moto.js";
import { spawnService, type ServiceProcess } from "./support/service-process.js";
import { TcpProxy } from "./support/tcp-proxy.js";

const motoUrl = inject("motoUrl");

describe.skipIf(!motoUrl)(
  `the worker process against the AWS emulator (SKIPPED without moto: run ${INSTALL_COMMAND})`,
  () => {
    let check: ReturnType<typeof testClients>;
    let dynamodbProxy: TcpProxy;
    const started: ServiceProcess[] = [];

    beforeAll(async () => {
      check = testClients(motoUrl);
      const moto = new URL(motoUrl);
      // DynamoDB through a relay that can hold its answers: a batch stays in flight on demand.
      dynamodbProxy = new TcpProxy({ host: moto.hostname, port: Number(moto.port) });
      await dynamodbProxy.start();
    });

    afterEach(() => {
      dynamodbProxy.release();
      for (const worker of started.splice(0)) {
        if (worker.child.exitCode === null) worker.child.kill("SIGKILL");
      }
    });

    afterAll(async () => {
      await dynamodbProxy.stop();
    });

    function startWorker(resources: Resources, extraEnv: Record<string, string> = {}) {
      const worker = spawnService(
        {
          AWS_ENDPOINT_URL: motoUrl,
          AWS_ENDPOINT_URL_DYNAMODB: `http://127.0.0.1:${dynamodbProxy.port}`,
          AWS_REGION: REGION,
          AWS_ACCESS_KEY_ID: CREDENTIALS.accessKeyId,
          AWS_SECRET_ACCESS_KEY: CREDENTIALS.secretAccessKey,
          QUEUE_EVENTS_URL: resources.queueUrl,
          TABLE_ITEMS_NAME: resources.table,
          SERVICE_NAME: "items-worker",
          SHUTDOWN_TIMEOUT_MS: "10000",
          ...extraEnv,
        },
        "src/worker.ts",
      );
      started.push(worker);
      return worker;
    }

    /** `count` items with their created records, and their item.created events as messages. */
    async function seed(resources: Resources, count: number, duplicates: number) {
      const events = Array.from({ length: count }, () => itemCreated(randomUUID()));
      for (const event of events) {
        await check.dynamodb.send(
          new PutItemCommand({
            TableName: resources.table,
            Item: {
              pk: { S: itemKey(event.itemId) },
              sk: { S: "created" },
              eventId: { S: event.id },
            },
          }),
        );
      }
      // Each duplicate is the same event delivered as a second message, as SNS/SQS may do.
      const bodies = [...events, ...events.slice(0, duplicates)].map((e) => JSON.stringify(e));
      for (let i = 0; i < bodies.length; i += 10) {
        const entries: SendMessageBatchRequestEntry[] = bodies
          .slice(i, i + 10)
          .map((body, j) => ({ Id: String(i + j), MessageBody: body }));
        await check.sqs.send(
          new SendMessageBatchCommand({ QueueUrl: resources.queueUrl, Entries: entries }),
        );
      }
      return { events, messages: bodies.length };
    }

    const processed = (worker: ServiceProcess) =>
      worker.lines().filter((line: LogLine) => line.message === "message processed");

    async function queueCounts(url: string) {
      const { Attributes = {} } = await check.sqs.send(
        new GetQueueAttributesCommand({
          QueueUrl: url,
          AttributeNames: ["ApproximateNumberOfMessages", "ApproximateNumberOfMessagesNotVisible"],
        }),
      );
      return [
        Number(Attributes.ApproximateNumberOfMessages),
        Number(Attributes.ApproximateNumberOfMessagesNotVisible),
      ];
    }

    /** Runs a worker until every one of `total` messages has a "message processed" line. */
    async function drainRest(resources: Resources, before: LogLine[], total: number) {
      const worker = startWorker(resources);
      await worker.waitForLine(() => before.length + processed(worker).length >= total, 20_000);
      worker.child.kill("SIGTERM");
      expect(await worker.exited).toEqual({ code: 0, signal: null });
      return [...before, ...processed(worker)];
    }

    async function expectEachAppliedOnce(resources: Resources, events: { itemId: string }[]) {
      for (const event of events) {
        const { Item } = await check.dynamodb.send(
          new GetItemCommand({
            TableName: resources.table,
            Key: { pk: { S: itemKey(event.itemId) }, sk: { S: "created" } },
          }),
        );
        expect(Item?.timesProcessed, event.itemId).toEqual({ N: "1" });
      }
      expect(await queueCounts(resources.queueUrl)).toEqual([0, 0]);
      expect(await queueCounts(resources.dlqUrl)).toEqual([0, 0]);
    }

    it("on SIGTERM mid-batch, finishes the messages in flight, exits 0, and loses none; each effect applies once", async () => {
      const resources = await createResources(motoUrl, "drain");
      const worker = startWorker(resources);
      await worker.waitForLine((line) => line.message === "worker started");

      dynamodbProxy.hold();
      const { events, messages } = await seed(resources, 12, 3);
      await dynamodbProxy.answerHeld(); // a batch is being applied; DynamoDB's answers wait

      worker.child.kill("SIGTERM");
      await worker.waitForLine(
        (line) => line.message === "shutdown started: finishing the messages in flight",
      );
      await new Promise((resolve) => setTimeout(resolve, 200));
      expect(worker.child.exitCode, worker.output()).toBeNull();
      dynamodbProxy.release();

      expect(await worker.exited).toEqual({ code: 0, signal: null });
      const first = processed(worker);
      expect(first.length).toBeGreaterThan(0);
      const lines = worker.lines();
      const signalledAt = lines.findIndex((l) => String(l.message).startsWith("shutdown started"));
      expect(lines.slice(signalledAt).filter((l) => l.message === "message processed")).toEqual(
        first,
      );
      expect(lines.find((l) => l.message === "shutdown complete")).toMatchObject({
        outcome: "drained",
      });

      const all = await drainRest(resources, first, messages);
      expect(all).toHaveLength(messages);
      expect(all.filter((l) => l.outcome === "applied")).toHaveLength(12);
      expect(all.filter((l) => l.outcome === "already_applied")).toHaveLength(3);
      expect(new Set(all.map((l) => l.message_id)).size).toBe(messages);
      await expectEachAppliedOnce(resources, events);
    }, 60_000);

    it("on a second signal during the drain, exits 1 at once; the unfinished messages come back", async () => {
      const resources = await createResources(motoUrl, "twice", { visibilityTimeoutSeconds: 1 });
      const worker = startWorker(resources);
      await worker.waitForLine((line) => line.message === "worker started");

      dynamodbProxy.hold();
      const { events, messages } = await seed(resources, 4, 0);
      await dynamodbProxy.answerHeld();
      worker.child.kill("SIGTERM");
      await worker.waitForLine((line) => String(line.message).startsWith("shutdown started"));
      worker.child.kill("SIGTERM");
      expect(await worker.exited).toEqual({ code: 1, signal: null });
      dynamodbProxy.release();

      // Redelivered after the visibility timeout (1 s here). The killed worker's writes may have
      // reached DynamoDB (only the answers were held): those come back "already_applied".
      const all = await drainRest(resources, processed(worker), messages);
      expect(new Set(all.map((l) => l.event_id))).toEqual(new Set(events.map((e) => e.id)));
      expect(all.every((l) => l.outcome === "applied" || l.outcome === "already_applied")).toBe(
        true,
      );
      await expectEachAppliedOnce(resources, events);
    }, 60_000);
  },
);
