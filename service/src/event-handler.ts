/**
 * The worker's effects in the items table (granted: PutItem, UpdateItem, DeleteItem; no reads).
 *
 * SQS delivers at least once, so every effect is written to apply once however often its event
 * arrives, and the order of the writes is chosen so that a crash between any two of them is
 * repaired by the redelivery:
 *
 * item.created: (1) UpdateItem of the item's `created` record, SET processedAt, conditional on
 *   the record existing and having no processedAt yet. This condition is the idempotency check,
 *   and it is atomic with the effect. A failed condition means "already applied" (a duplicate) or
 *   "the item is gone" (deleted, or its creation rolled back): nothing to do in either case.
 *   (2) PutItem of the receipt `processed#<eventId>`, conditional on it not existing yet, so the
 *   first processing is what it records. It expires (TTL) after RECEIPT_TTL_SECONDS. Written
 *   whatever (1) found: a crash between (1) and (2) leaves (1) applied, and the redelivery writes
 *   the receipt. (Writing the receipt first and treating it as "done" would lose the effect if the
 *   process died between the two.)
 * item.deleted: DeleteItem of the receipt of the item's item.created event (its id is in the
 *   event: the worker cannot Query), and of the `created` and `views` records, which the API
 *   also deletes after its commit; DeleteItem of a missing record succeeds, so repeats are no-ops.
 */
import {
  ConditionalCheckFailedException,
  DeleteItemCommand,
  PutItemCommand,
  UpdateItemCommand,
  type DynamoDBClient,
} from "@aws-sdk/client-dynamodb";
import {
  CREATED_SK,
  itemKey,
  processedSk,
  RECEIPT_TTL_SECONDS,
  VIEWS_SK,
  type ItemEvent,
} from "./events.js";

export type Outcome = "applied" | "already_applied";

export type EventHandler = (event: ItemEvent, messageId: string) => Promise<Outcome>;

export function createEventHandler(deps: {
  dynamodb: DynamoDBClient;
  table: string;
  now?: () => Date;
}): EventHandler {
  const { dynamodb, table } = deps;
  const now = deps.now ?? (() => new Date());
  const key = (itemId: string, sk: string) => ({ pk: { S: itemKey(itemId) }, sk: { S: sk } });
  /** Resolves false when the write's condition failed. */
  const conditional = (write: Promise<unknown>) =>
    write.then(
      () => true,
      (error: unknown) => {
        if (error instanceof ConditionalCheckFailedException) return false;
        throw error;
      },
    );

  return async (event, messageId) => {
    const at = now();
    switch (event.type) {
      case "item.created": {
        const applied = await conditional(
          dynamodb.send(
            new UpdateItemCommand({
              TableName: table,
              Key: key(event.itemId, CREATED_SK),
              UpdateExpression:
                "SET processedAt = :at, processedEventId = :event ADD timesProcessed :one",
              ConditionExpression: "attribute_exists(pk) AND attribute_not_exists(processedAt)",
              ExpressionAttributeValues: {
                ":at": { S: at.toISOString() },
                ":event": { S: event.id },
                ":one": { N: "1" },
              },
            }),
          ),
        );
        await conditional(
          dynamodb.send(
            new PutItemCommand({
              TableName: table,
              Item: {
                ...key(event.itemId, processedSk(event.id)),
                eventId: { S: event.id },
                eventType: { S: event.type },
                messageId: { S: messageId },
                processedAt: { S: at.toISOString() },
                expiresAt: { N: String(Math.floor(at.getTime() / 1000) + RECEIPT_TTL_SECONDS) },
              },
              ConditionExpression: "attribute_not_exists(pk)",
            }),
          ),
        );
        return applied ? "applied" : "already_applied";
      }
      case "item.deleted": {
        const sks = [CREATED_SK, VIEWS_SK];
        if (event.createdEventId) sks.push(processedSk(event.createdEventId));
        await Promise.all(
          sks.map((sk) =>
            dynamodb.send(new DeleteItemCommand({ TableName: table, Key: key(event.itemId, sk) })),
          ),
        );
        return "applied";
      }
    }
  };
}
