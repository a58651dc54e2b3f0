/**
 * What the API and the worker share: the events on the topic and the keys of the items table.
 *
 * Events are JSON, published to SNS with raw message delivery, so an SQS message's body is
 * exactly the published message:
 *   {"type":"item.created","id":"<event uuid>","itemId":"<item uuid>","occurredAt":"<ISO 8601>"}
 *   {"type":"item.deleted","id":"…","itemId":"…","occurredAt":"…","createdEventId":"<uuid>"|null}
 *
 * The items table (partition key `pk`, sort key `sk`, TTL attribute `expiresAt`) holds each
 * item's activity under pk = "item#<itemId>":
 *   sk "created"             written by the API with the item; the worker sets processedAt on it
 *   sk "views"               the API's view counter
 *   sk "processed#<eventId>" the worker's receipt for an event it applied; expires (TTL)
 */
import { randomUUID } from "node:crypto";
import { z } from "zod";

export type ItemEvent =
  | { type: "item.created"; id: string; itemId: string; occurredAt: string }
  | {
      type: "item.deleted";
      id: string;
      itemId: string;
      occurredAt: string;
      /** The item.created event's id, read from the created record; null when it had none. */
      createdEventId: string | null;
    };

const uuid = z.guid();
const isoTime = z.iso.datetime({ offset: true });

const eventSchema = z.discriminatedUnion("type", [
  z.object({ type: z.literal("item.created"), id: uuid, itemId: uuid, occurredAt: isoTime }),
  z.object({
    type: z.literal("item.deleted"),
    id: uuid,
    itemId: uuid,
    occurredAt: isoTime,
    createdEventId: uuid.nullable(),
  }),
]);

/** Thrown for a message that is not a known event: retrying cannot help it (poison). */
export class MalformedEventError extends Error {
  constructor(message: string) {
    super(message);
    this.name = "MalformedEventError";
  }
}

/** Parses an SQS message body into an event, or throws MalformedEventError saying why. */
export function parseEvent(body: string | undefined): ItemEvent {
  let value: unknown;
  try {
    value = JSON.parse(body ?? "");
  } catch {
    throw new MalformedEventError("the message body is not JSON");
  }
  const parsed = eventSchema.safeParse(value);
  if (!parsed.success) {
    const issue = parsed.error.issues[0];
    const where = issue?.path.length ? issue.path.join(".") : "body";
    throw new MalformedEventError(`not a known event: ${where}: ${issue?.message ?? "invalid"}`);
  }
  return parsed.data;
}

export function itemCreated(itemId: string, now = new Date()): ItemEvent {
  return { type: "item.created", id: randomUUID(), itemId, occurredAt: now.toISOString() };
}

export function itemDeleted(
  itemId: string,
  createdEventId: string | null,
  now = new Date(),
): ItemEvent {
  return {
    type: "item.deleted",
    id: randomUUID(),
    itemId,
    occurredAt: now.toISOString(),
    createdEventId,
  };
}

export const itemKey = (itemId: string) => `item#${itemId}`;
export const CREATED_SK = "created";
export const VIEWS_SK = "views";
export const PROCESSED_PREFIX = "processed#";
export const processedSk = (eventId: string) => `${PROCESSED_PREFIX}${eventId}`;

/**
 * How long a worker receipt is kept (the `expiresAt` TTL): longer than SQS's longest message
 * retention (14 days), so a receipt outlives every redelivery of its event.
 */
export const RECEIPT_TTL_SECONDS = 15 * 24 * 3600;
