/**
 * The API and the worker against moto: DynamoDB, SNS (raw delivery to SQS), SQS with a
 * dead-letter queue. Skipped, loudly, when moto is not installed (bash scripts/install-moto.sh).
 */
import { GetItemCommand, QueryCommand } from "@aws-sdk/client-dynamodb";
import { ReceiveMessageCommand, SendMessageCommand } from "@aws-sdk/client-sqs";
import { afterAll, beforeAll, describe, expect, inject, it } from "vitest";
import { createEventHandler } from "../src/event-handler.js";
import { itemKey } from "../src/events.js";
import { createItemActivity } from "../src/item-activity.js";
import type { Item } from "../src/item-store.js";
import { QueueWorker } from "../src/queue-worker.js";
import { captureLogger, createTestApp, type TestApp } from "./support/app.js";
import { serviceClients, testClients } from "./support/aws.js";
import { createResources, INSTALL_COMMAND, useEmulator, type Resources } from "./support/moto.js";

const motoUrl = inject("motoUrl");

async function eventually<T>(
  check: () => Promise<T | undefined>,
  what: string,
  timeoutMs = 15_000,
): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const value = await check();
    if (value !== undefined) return value;
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((resolve) => setTimeout(resolve, 50));
  }
}

describe.skipIf(!motoUrl)(
  `API and worker against the AWS emulator (SKIPPED without moto: run ${INSTALL_COMMAND})`,
  () => {
    let resources: Resources;
    let t: TestApp;
    let worker: QueueWorker;
    let running: Promise<void>;
    const actions: string[] = [];
    const workerLog = captureLogger();
    let check: ReturnType<typeof testClients>;
    let restoreEnvironment = () => {};

    beforeAll(async () => {
      restoreEnvironment = useEmulator(motoUrl);
      resources = await createResources(motoUrl, "events");
      check = testClients(motoUrl);
      const api = serviceClients(actions);
      t = await createTestApp({
        activity: createItemActivity({
          dynamodb: api.dynamodb,
          sns: api.sns,
          table: resources.table,
          topicArn: resources.topicArn,
        }),
      });
      const clients = serviceClients([]);
      worker = new QueueWorker({
        sqs: clients.sqs,
        queueUrl: resources.queueUrl,
        handle: createEventHandler({ dynamodb: clients.dynamodb, table: resources.table }),
        logger: workerLog.logger,
        waitTimeSeconds: 1,
      });
      await worker.checkQueue();
      running = worker.run();
    });

    afterAll(async () => {
      await worker?.stop();
      await running;
      await t?.close();
      restoreEnvironment();
    });

    const record = async (itemId: string, sk: string) =>
      (
        await check.dynamodb.send(
          new GetItemCommand({
            TableName: resources.table,
            Key: { pk: { S: itemKey(itemId) }, sk: { S: sk } },
            ConsistentRead: true,
          }),
        )
      ).Item;
    const records = async (itemId: string) =>
      (
        await check.dynamodb.send(
          new QueryCommand({
            TableName: resources.table,
            KeyConditionExpression: "pk = :pk",
            ExpressionAttributeValues: { ":pk": { S: itemKey(itemId) } },
          }),
        )
      ).Items ?? [];

    it("checks the queue at start-up and logs its redrive policy", () => {
      const line = workerLog.lines.find((l) => l.message === "queue checked");
      expect(line).toMatchObject({
        redrive_policy: { maxReceiveCount: resources.maxReceiveCount },
        approximate_messages: 0,
      });
    });

    it("POST /items writes the created record and publishes item.created; the worker applies it once", async () => {
      actions.length = 0;
      const response = await t.app.inject({
        method: "POST",
        url: "/items",
        payload: { name: "Evented" },
      });
      expect(response.statusCode).toBe(201);
      const item = response.json<Item>();
      expect(actions).toEqual(["dynamodb:PutItem", "sns:Publish"]);
      // SNS's message id is logged: with raw delivery the queue's message does not carry it.
      expect(t.lines.find((l) => l.item_id === item.id)).toMatchObject({
        message: "item created",
        sns_message_id: expect.stringMatching(/^[0-9a-f-]{36}$/),
      });

      // One line per message, written once its effects are applied and the message deleted.
      const line = await eventually(
        async () => workerLog.lines.find((l) => l.item_id === item.id),
        "the worker to process item.created",
      );
      const created = (await record(item.id, "created")) ?? {};
      expect(created.processedAt?.S).toEqual(expect.any(String));
      expect(created.timesProcessed).toEqual({ N: "1" });
      const eventId = created.eventId?.S ?? "";
      expect(line.event_id).toBe(eventId);
      const receipt = await record(item.id, `processed#${eventId}`);
      expect(receipt).toMatchObject({
        eventType: { S: "item.created" },
        expiresAt: { N: expect.stringMatching(/^\d+$/) },
      });
      expect(line).toMatchObject({
        level: "INFO",
        message: "message processed",
        outcome: "applied",
        event_type: "item.created",
        message_id: expect.any(String),
        duration_ms: expect.any(Number),
      });

      // GET: UpdateItem (count the view) and Query (the activity), nothing else.
      actions.length = 0;
      const get = await t.app.inject({ method: "GET", url: `/items/${item.id}` });
      expect(get.statusCode).toBe(200);
      expect([...actions].sort()).toEqual(["dynamodb:Query", "dynamodb:UpdateItem"]);
      expect(get.json()).toEqual({
        ...item,
        activity: {
          processed: true,
          processedAt: created.processedAt?.S,
          views: 1,
          events: [{ id: eventId, type: "item.created", processedAt: created.processedAt?.S }],
        },
      });
      const again = await t.app.inject({ method: "GET", url: `/items/${item.id}` });
      expect(again.json().activity.views).toBe(2);
    });

    it("DELETE /items/:id reads the created record, publishes item.deleted, deletes its records; the worker removes the rest", async () => {
      const item = (
        await t.app.inject({ method: "POST", url: "/items", payload: { name: "Doomed" } })
      ).json<Item>();
      await eventually(
        async () => workerLog.lines.find((l) => l.item_id === item.id),
        "item.created to be processed",
      );
      const created = (await record(item.id, "created")) ?? {};
      await t.app.inject({ method: "GET", url: `/items/${item.id}` }); // a views record

      actions.length = 0;
      const response = await t.app.inject({ method: "DELETE", url: `/items/${item.id}` });
      expect(response.statusCode).toBe(204);
      expect(actions.slice(0, 2)).toEqual(["dynamodb:GetItem", "sns:Publish"]);
      expect(actions.slice(2)).toEqual(["dynamodb:DeleteItem", "dynamodb:DeleteItem"]);
      expect(
        t.lines.find((l) => l.item_id === item.id && l.message === "item deleted"),
      ).toMatchObject({ sns_message_id: expect.stringMatching(/^[0-9a-f-]{36}$/) });
      expect((await t.pool.query("SELECT 1 FROM items WHERE id = $1", [item.id])).rowCount).toBe(0);

      const line = await eventually(
        async () =>
          workerLog.lines.find((l) => l.item_id === item.id && l.event_type === "item.deleted"),
        "the worker to process item.deleted",
      );
      expect(line).toMatchObject({ outcome: "applied" });
      // The receipt of item.created (named in the event: the worker cannot query) is gone too.
      expect(await records(item.id)).toEqual([]);
      expect(created.eventId?.S).toBeDefined();
    });

    it("POST /items answers 503 and creates nothing when the event cannot be published", async () => {
      const api = serviceClients([]);
      const broken = await createTestApp({
        activity: createItemActivity({
          dynamodb: api.dynamodb,
          sns: api.sns,
          table: resources.table,
          topicArn: `${resources.topicArn}-missing`,
        }),
      });
      try {
        const name = `never-${Date.now()}`;
        const response = await broken.app.inject({
          method: "POST",
          url: "/items",
          payload: { name },
        });
        expect(response.statusCode).toBe(503);
        expect(response.json()).toMatchObject({ error: "Service Unavailable" });
        const rows = await broken.pool.query("SELECT 1 FROM items WHERE name = $1", [name]);
        expect(rows.rowCount, "rolled back").toBe(0);
      } finally {
        await broken.close();
      }
    });

    it("hands a failed (poison) message back, never deletes it, and SQS dead-letters it after maxReceiveCount", async () => {
      const { MessageId } = await check.sqs.send(
        new SendMessageCommand({
          QueueUrl: resources.queueUrl,
          MessageBody: '{"type":"item.exploded"}',
        }),
      );
      // Long polls: SQS (and moto) answers as soon as the worker's receive past maxReceiveCount
      // moves the message over, instead of being asked every 50 ms.
      const dead = await eventually(
        async () => {
          const { Messages } = await check.sqs.send(
            new ReceiveMessageCommand({ QueueUrl: resources.dlqUrl, WaitTimeSeconds: 2 }),
          );
          return Messages?.find((m) => m.MessageId === MessageId);
        },
        "the poison message in the dead-letter queue",
        20_000,
      );
      expect(dead.Body).toBe('{"type":"item.exploded"}');
      const failures = workerLog.lines.filter((l) => l.message_id === MessageId);
      expect(failures).toHaveLength(resources.maxReceiveCount);
      for (const [i, failure] of failures.entries()) {
        expect(failure).toMatchObject({
          level: "ERROR",
          outcome: "failed",
          poison: true,
          receive_count: i + 1,
          retry_in_s: 2 ** i,
        });
      }
    }, 30_000);
  },
);
