/**
 * The API's side of the items table and the events topic (granted: GetItem, Query, PutItem,
 * UpdateItem, DeleteItem on the table; Publish on the topic). See events.ts for the layout.
 */
import {
  DeleteItemCommand,
  GetItemCommand,
  PutItemCommand,
  QueryCommand,
  UpdateItemCommand,
  type DynamoDBClient,
} from "@aws-sdk/client-dynamodb";
import { PublishCommand, type SNSClient } from "@aws-sdk/client-sns";
import { CREATED_SK, itemKey, type ItemEvent, PROCESSED_PREFIX, VIEWS_SK } from "./events.js";

/** What GET /items/:id adds to an item. */
export interface Activity {
  /** True once the worker has applied the item's item.created event. */
  processed: boolean;
  processedAt: string | null;
  /** Times the item has been read with GET /items/:id, this read included. */
  views: number;
  /** The worker's receipts: events it has applied for this item, oldest first. */
  events: Array<{ id: string; type: string; processedAt: string }>;
}

export interface ItemActivity {
  /** PutItem of the item's `created` record, carrying the item.created event's id. */
  recordCreated(event: ItemEvent): Promise<void>;
  /**
   * Publish of an event on the topic; resolves with SNS's message id, which the API logs so that
   * an item can be followed from the request to the topic (with raw delivery the queue's message
   * does not carry it).
   */
  publish(event: ItemEvent): Promise<string>;
  /** GetItem of the `created` record: the id of the item's item.created event, if recorded. */
  createdEventId(itemId: string): Promise<string | null>;
  /** UpdateItem (views + 1) and Query (the item's records), in parallel. */
  viewed(itemId: string): Promise<Activity>;
  /** DeleteItem of the records the API writes (`created`, `views`). */
  forget(itemId: string): Promise<void>;
}

export function createItemActivity(deps: {
  dynamodb: DynamoDBClient;
  sns: SNSClient;
  table: string;
  topicArn: string;
}): ItemActivity {
  const { dynamodb, sns, table, topicArn } = deps;
  const key = (itemId: string, sk: string) => ({ pk: { S: itemKey(itemId) }, sk: { S: sk } });

  return {
    async recordCreated(event) {
      await dynamodb.send(
        new PutItemCommand({
          TableName: table,
          Item: {
            ...key(event.itemId, CREATED_SK),
            eventId: { S: event.id },
            createdAt: { S: event.occurredAt },
          },
        }),
      );
    },

    async publish(event) {
      const { MessageId } = await sns.send(
        new PublishCommand({
          TopicArn: topicArn,
          Message: JSON.stringify(event),
          // Lets a subscription filter by type without parsing the body.
          MessageAttributes: { type: { DataType: "String", StringValue: event.type } },
        }),
      );
      return MessageId ?? "";
    },

    async createdEventId(itemId) {
      const { Item } = await dynamodb.send(
        new GetItemCommand({
          TableName: table,
          Key: key(itemId, CREATED_SK),
          ProjectionExpression: "eventId",
          ConsistentRead: true,
        }),
      );
      return Item?.eventId?.S ?? null;
    },

    async viewed(itemId) {
      const [counted, records] = await Promise.all([
        dynamodb.send(
          new UpdateItemCommand({
            TableName: table,
            Key: key(itemId, VIEWS_SK),
            UpdateExpression: "ADD #views :one",
            ExpressionAttributeNames: { "#views": "views" },
            ExpressionAttributeValues: { ":one": { N: "1" } },
            ReturnValues: "UPDATED_NEW",
          }),
        ),
        dynamodb.send(
          new QueryCommand({
            TableName: table,
            KeyConditionExpression: "pk = :pk",
            ExpressionAttributeValues: { ":pk": { S: itemKey(itemId) } },
            ConsistentRead: true,
          }),
        ),
      ]);
      const items = records.Items ?? [];
      const processedAt = items.find((r) => r.sk?.S === CREATED_SK)?.processedAt?.S ?? null;
      const events = items
        .filter((r) => r.sk?.S?.startsWith(PROCESSED_PREFIX))
        .map((r) => ({
          id: r.eventId?.S ?? "",
          type: r.eventType?.S ?? "",
          processedAt: r.processedAt?.S ?? "",
        }))
        .sort((a, b) => a.processedAt.localeCompare(b.processedAt));
      return {
        processed: processedAt !== null,
        processedAt,
        views: Number(counted.Attributes?.views?.N ?? 0),
        events,
      };
    },

    async forget(itemId) {
      await Promise.all(
        [CREATED_SK, VIEWS_SK].map((sk) =>
          dynamodb.send(new DeleteItemCommand({ TableName: table, Key: key(itemId, sk) })),
        ),
      );
    },
  };
}
