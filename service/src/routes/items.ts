import type { FastifyInstance } from "fastify";
import { z } from "zod";
import type { ItemStore } from "../item-store.js";
import { parseRequest } from "../validation.js";

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

export function itemRoutes(app: FastifyInstance, items: ItemStore): void {
  app.post("/items", async (request, reply) => {
    const input = parseRequest(newItemSchema, request.body, "body");
    const item = await items.create(input);
    request.log.info({ item_id: item.id }, "item created");
    return reply.code(201).header("location", `/items/${item.id}`).send(item);
  });

  app.get("/items/:id", async (request, reply) => {
    const { id } = parseRequest(itemParamsSchema, request.params, "params");
    const item = await items.get(id);
    if (!item) {
      return reply.code(404).send({ error: "Not Found", message: `No item with id ${id}` });
    }
    return item;
  });

  app.get("/items", async (request) => {
    const { limit, cursor } = parseRequest(listQuerySchema, request.query, "query");
    return items.list({ limit, after: cursor });
  });
}
