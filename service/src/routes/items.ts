import type { FastifyInstance } from "fastify";
import { z } from "zod";
import { itemCreated, itemDeleted, type ItemEvent } from "../events.js";
import type { ItemActivity } from "../item-activity.js";
import type { ItemStore } from "../item-store.js";
import { DependencyUnavailableError, parseRequest } from "../validation.js";

const text = (max: number) =>
  z
    .string({ error: (issue) => (issue.input === undefined ? "is required" : "must be a string") })
    .trim()
    .min(1, "must not be empty")
    .max(max, `must be at most ${max} characters`);

const newItemSchema = z.strictObject(
  {
    name: text(200),
    description: text(2_000).nullable().optional(),
  },
  { error: "must be a JSON object" },
);

const itemId = z.guid("must be a UUID");

const itemParamsSchema = z.object({ id: itemId });

const listQuerySchema = z.object({
  limit: z
    .string()
    .regex(/^\d+$/, "must be an integer between 1 and 100")
    .transform(Number)
    .refine((n) => n >= 1 && n <= 100, "must be an integer between 1 and 100")
    .default(20),
  cursor: itemId.optional(),
});

/** Marks a failure of DynamoDB or SNS inside a transaction: it is rolled back, the answer is 503. */
const unavailable = (message: string) => (error: unknown) => {
  throw new DependencyUnavailableError(message, error);
};

export function itemRoutes(app: FastifyInstance, items: ItemStore, activity: ItemActivity): void {
  // The row, its `created` record and the item.created event: PutItem and Publish run inside the
  // INSERT's transaction, so the item exists (is committed) only once both succeeded.
  app.post("/items", async (request, reply) => {
    const input = parseRequest(newItemSchema, request.body, "body");
    let event: ItemEvent | undefined;
    let snsMessageId: string | undefined;
    try {
      const item = await items.create(input, async (item) => {
        event = itemCreated(item.id);
        snsMessageId = await activity
          .recordCreated(event)
          .then(() => activity.publish(event as ItemEvent))
          .catch(unavailable("the item could not be created (its event could not be recorded)"));
      });
      request.log.info(
        { item_id: item.id, event_id: event?.id, sns_message_id: snsMessageId },
        "item created",
      );
      return reply.code(201).header("location", `/items/${item.id}`).send(item);
    } catch (error) {
      // Rolled back (or COMMIT failed): remove the `created` record of an item that does not exist.
      // Should the event have gone out, the worker finds no record to update and ignores it.
      if (event) {
        const itemId = event.itemId;
        activity.forget(itemId).catch((cleanupError: unknown) => {
          request.log.warn(
            { item_id: itemId, error: cleanupError },
            "could not remove the activity record of an item that was not created",
          );
        });
      }
      throw error;
    }
  });

  // PostgreSQL answers the item; its activity comes from DynamoDB and is best effort: when
  // DynamoDB fails, the item is still served, with "activity": null.
  app.get("/items/:id", async (request, reply) => {
    const { id } = parseRequest(itemParamsSchema, request.params, "params");
    const item = await items.get(id);
    if (!item) {
      return reply.code(404).send({ error: "Not Found", message: `No item with id ${id}` });
    }
    try {
      return { ...item, activity: await activity.viewed(id) };
    } catch (error) {
      request.log.warn({ item_id: id, error }, "item activity unavailable; answering without it");
      return { ...item, activity: null };
    }
  });

  // The row goes, and item.deleted is published, in one transaction (GetItem first, for the id of
  // the item.created event the worker recorded). The records in DynamoDB are removed after the
  // commit; if that fails, the worker removes them when it applies item.deleted.
  app.delete("/items/:id", async (request, reply) => {
    const { id } = parseRequest(itemParamsSchema, request.params, "params");
    let event: ItemEvent | undefined;
    let snsMessageId: string | undefined;
    const deleted = await items.delete(id, async () => {
      snsMessageId = await activity
        .createdEventId(id)
        .then((createdEventId) => {
          event = itemDeleted(id, createdEventId);
          return activity.publish(event);
        })
        .catch(unavailable("the item could not be deleted (its event could not be published)"));
    });
    if (!deleted) {
      return reply.code(404).send({ error: "Not Found", message: `No item with id ${id}` });
    }
    try {
      await activity.forget(id);
    } catch (error) {
      request.log.warn(
        { item_id: id, error },
        "could not remove the item's activity records; the worker removes them on item.deleted",
      );
    }
    request.log.info(
      { item_id: id, event_id: event?.id, sns_message_id: snsMessageId },
      "item deleted",
    );
    return reply.code(204).send();
  });

  app.get("/items", async (request) => {
    const { limit, cursor } = parseRequest(listQuerySchema, request.query, "query");
    return items.list({ limit, after: cursor });
  });
}
