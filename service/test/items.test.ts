import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { createPool, migrate } from "../src/db.js";
import { uuidv7, type Item } from "../src/item-store.js";
import { captureLogger, createTestApp, type TestApp } from "./support/app.js";
import { dbConfig } from "./support/database.js";

let t: TestApp;

beforeAll(async () => {
  t = await createTestApp();
});

afterAll(async () => {
  await t.close();
});

async function createItem(body: unknown) {
  return t.app.inject({ method: "POST", url: "/items", payload: body as object });
}

describe("POST /items", () => {
  it("creates an item and answers 201 with it and its Location", async () => {
    const response = await createItem({ name: "  Widget  ", description: "A small widget" });

    expect(response.statusCode).toBe(201);
    const item = response.json<Item>();
    expect(item).toEqual({
      id: expect.stringMatching(
        /^[0-9a-f]{8}-[0-9a-f]{4}-7[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$/,
      ),
      name: "Widget",
      description: "A small widget",
      created_at: expect.stringMatching(/Z$/),
    });
    expect(response.headers.location).toBe(`/items/${item.id}`);
  });

  it("stores a missing description as null", async () => {
    const response = await createItem({ name: "No description" });
    expect(response.statusCode).toBe(201);
    expect(response.json().description).toBeNull();
  });

  it.each([
    ["a missing name", { description: "x" }, [{ field: "name", message: "is required" }]],
    ["an empty name", { name: "   " }, [{ field: "name", message: "must not be empty" }]],
    [
      "a name too long",
      { name: "x".repeat(201) },
      [{ field: "name", message: "must be at most 200 characters" }],
    ],
    [
      "wrong types",
      { name: 42, description: ["x"] },
      [
        { field: "name", message: "must be a string" },
        { field: "description", message: "must be a string" },
      ],
    ],
    [
      "an unknown field",
      { name: "ok", price: 3 },
      [{ field: "price", message: "is not a known field" }],
    ],
    ["a body that is not an object", [1, 2], [{ field: "body", message: "must be a JSON object" }]],
  ])("answers 400 naming the fields for %s", async (_case, body, fields) => {
    const response = await createItem(body);
    expect(response.statusCode).toBe(400);
    expect(response.json()).toEqual({
      error: "Bad Request",
      message: "Request validation failed",
      fields,
    });
  });

  it("answers 400 for a body that is not valid JSON", async () => {
    const response = await t.app.inject({
      method: "POST",
      url: "/items",
      headers: { "content-type": "application/json" },
      payload: '{"name": ',
    });
    expect(response.statusCode).toBe(400);
    expect(response.json().error).toBe("Bad Request");
  });

  it("answers 413 for a body over 64 KiB", async () => {
    const response = await createItem({ name: "big", description: "x".repeat(70_000) });
    expect(response.statusCode).toBe(413);
  });

  it("answers 415 for a body that is not JSON at all", async () => {
    const response = await t.app.inject({
      method: "POST",
      url: "/items",
      headers: { "content-type": "application/xml" },
      payload: "<item><name>x</name></item>",
    });
    expect(response.statusCode).toBe(415);
  });
});

describe("GET /items/:id", () => {
  it("returns the item that was created", async () => {
    const created = (await createItem({ name: "Findable" })).json<Item>();
    const response = await t.app.inject({ method: "GET", url: `/items/${created.id}` });
    expect(response.statusCode).toBe(200);
    expect(response.json()).toEqual({
      ...created,
      activity: { processed: false, processedAt: null, views: 1, events: [] },
    });
  });

  it("answers 404 for an id that does not exist", async () => {
    const id = uuidv7();
    const response = await t.app.inject({ method: "GET", url: `/items/${id}` });
    expect(response.statusCode).toBe(404);
    expect(response.json()).toEqual({ error: "Not Found", message: `No item with id ${id}` });
  });

  it("answers 400 for an id that is not a UUID", async () => {
    const response = await t.app.inject({ method: "GET", url: "/items/42" });
    expect(response.statusCode).toBe(400);
    expect(response.json().fields).toEqual([{ field: "id", message: "must be a UUID" }]);
  });
});

describe("DELETE /items/:id", () => {
  it("deletes the item and answers 204; it is gone afterwards", async () => {
    const created = (await createItem({ name: "Deletable" })).json<Item>();
    const response = await t.app.inject({ method: "DELETE", url: `/items/${created.id}` });
    expect(response.statusCode).toBe(204);
    expect(response.body).toBe("");
    expect((await t.app.inject({ method: "GET", url: `/items/${created.id}` })).statusCode).toBe(
      404,
    );
    expect((await t.app.inject({ method: "DELETE", url: `/items/${created.id}` })).statusCode).toBe(
      404,
    );
  });

  it("answers 400 for an id that is not a UUID", async () => {
    const response = await t.app.inject({ method: "DELETE", url: "/items/42" });
    expect(response.statusCode).toBe(400);
  });
});

describe("GET /items", () => {
  it("walks every item exactly once, in id order, page by page with the cursor", async () => {
    const created = new Set<string>();
    for (let i = 0; i < 7; i += 1) {
      created.add((await createItem({ name: `page item ${i}` })).json<Item>().id);
    }

    const seen: string[] = [];
    let cursor: string | null = null;
    let pages = 0;
    do {
      const url: string = `/items?limit=3${cursor ? `&cursor=${cursor}` : ""}`;
      const response = await t.app.inject({ method: "GET", url });
      expect(response.statusCode).toBe(200);
      const page = response.json<{ items: Item[]; next_cursor: string | null }>();
      expect(page.items.length).toBeLessThanOrEqual(3);
      seen.push(...page.items.map((item) => item.id));
      cursor = page.next_cursor;
      pages += 1;
    } while (cursor && pages < 1_000);

    expect(new Set(seen).size).toBe(seen.length);
    expect([...seen].sort()).toEqual(seen);
    for (const id of created) expect(seen).toContain(id);
  });

  it("ends with next_cursor null on the last page", async () => {
    const last = (await createItem({ name: "the newest" })).json<Item>();
    const beforeLast = await t.app.inject({ method: "GET", url: "/items?limit=100" });
    // Walk to the end from any starting point; the final page carries no cursor.
    let page = beforeLast.json<{ items: Item[]; next_cursor: string | null }>();
    while (page.next_cursor) {
      page = (
        await t.app.inject({ method: "GET", url: `/items?limit=100&cursor=${page.next_cursor}` })
      ).json();
    }
    expect(page.next_cursor).toBeNull();
    expect(page.items.at(-1)?.id).toBe(last.id);
  });

  it("uses a default page size of 20", async () => {
    for (let i = 0; i < 21; i += 1) await createItem({ name: `bulk ${i}` });
    const response = await t.app.inject({ method: "GET", url: "/items" });
    expect(response.json().items).toHaveLength(20);
    expect(response.json().next_cursor).toEqual(expect.any(String));
  });

  it.each([
    ["limit=0", "limit", "must be an integer between 1 and 100"],
    ["limit=101", "limit", "must be an integer between 1 and 100"],
    ["limit=ten", "limit", "must be an integer between 1 and 100"],
    ["cursor=abc", "cursor", "must be a UUID"],
  ])("answers 400 for ?%s", async (query, field, message) => {
    const response = await t.app.inject({ method: "GET", url: `/items?${query}` });
    expect(response.statusCode).toBe(400);
    expect(response.json().fields).toEqual([{ field, message }]);
  });
});

describe("unknown routes", () => {
  it("answer 404 in the same JSON shape", async () => {
    const response = await t.app.inject({ method: "GET", url: "/nope?x=1" });
    expect(response.statusCode).toBe(404);
    expect(response.json()).toEqual({ error: "Not Found", message: "No route for GET /nope" });
  });
});

describe("migrate", () => {
  it("is safe when several instances start at once and when run again", async () => {
    const { logger } = captureLogger();
    const pools = Array.from({ length: 4 }, () => createPool(dbConfig({ poolMax: 1 }), logger));
    try {
      await Promise.all(pools.map((pool) => migrate(pool)));
      await Promise.all(pools.map((pool) => migrate(pool)));
      const { rows } = await pools[0]!.query<{ count: string }>(
        "SELECT count(*) FROM information_schema.tables WHERE table_name = 'items'",
      );
      expect(rows[0]?.count).toBe("1");
    } finally {
      await Promise.all(pools.map((pool) => pool.end()));
    }
  });
});

describe("uuidv7", () => {
  it("orders ids by creation time, so the primary key doubles as the page cursor", () => {
    const at = Date.UTC(2025, 0, 20, 7, 57);
    const earlier = uuidv7(at);
    const later = uuidv7(at + 1);
    expect(earlier < later).toBe(true);
    expect(parseInt(earlier.replace(/-/g, "").slice(0, 12), 16)).toBe(at);
    expect(earlier[14]).toBe("7");
  });
});
