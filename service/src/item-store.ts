import { randomBytes } from "node:crypto";
import type { Pool } from "./db.js";

export interface Item {
  id: string;
  name: string;
  description: string | null;
  created_at: string;
}

export interface NewItem {
  name: string;
  description?: string | null | undefined;
}

export interface ItemPage {
  items: Item[];
  /** Pass back as `cursor` to get the next page; null on the last page. */
  next_cursor: string | null;
}

/**
 * Runs inside the transaction, after the row is written and before COMMIT: if it throws, the
 * transaction is rolled back and the error passed on, so the change and what must accompany it
 * (a record, an event) happen together or the change does not happen.
 */
export type BeforeCommit = (item: Item) => Promise<void>;

export interface ItemStore {
  create(item: NewItem, beforeCommit?: BeforeCommit): Promise<Item>;
  get(id: string): Promise<Item | undefined>;
  /** Deletes the item; undefined (and beforeCommit not called) when there is none. */
  delete(id: string, beforeCommit?: BeforeCommit): Promise<Item | undefined>;
  list(options: { limit: number; after?: string | undefined }): Promise<ItemPage>;
}

interface ItemRow {
  id: string;
  name: string;
  description: string | null;
  created_at: Date;
}

const COLUMNS = "id, name, description, created_at";

const toItem = (row: ItemRow): Item => ({
  id: row.id,
  name: row.name,
  description: row.description,
  created_at: row.created_at.toISOString(),
});

/**
 * UUID version 7 (RFC 9562): a millisecond timestamp followed by random bits. Ids sort by
 * creation time, so one indexed column gives both a stable order and the keyset cursor.
 */
export function uuidv7(now = Date.now()): string {
  const bytes = randomBytes(16);
  bytes.writeUIntBE(now, 0, 6);
  bytes[6] = ((bytes[6] ?? 0) & 0x0f) | 0x70; // version 7
  bytes[8] = ((bytes[8] ?? 0) & 0x3f) | 0x80; // RFC 9562 variant
  const hex = bytes.toString("hex");
  return `${hex.slice(0, 8)}-${hex.slice(8, 12)}-${hex.slice(12, 16)}-${hex.slice(16, 20)}-${hex.slice(20)}`;
}

/** Thrown when COMMIT itself failed: whether the change took effect is unknown. */
export class CommitError extends Error {
  constructor(cause: unknown) {
    super("COMMIT failed; the outcome of the transaction is unknown", { cause });
    this.name = "CommitError";
  }
}

/** One statement returning at most one row, then beforeCommit, in a transaction. */
async function writeInTransaction(
  pool: Pool,
  sql: string,
  params: unknown[],
  beforeCommit: BeforeCommit | undefined,
): Promise<Item | undefined> {
  const client = await pool.connect();
  let broken = false;
  try {
    await client.query("BEGIN");
    let item: Item | undefined;
    try {
      const { rows } = await client.query<ItemRow>(sql, params);
      item = rows[0] && toItem(rows[0]);
      if (item && beforeCommit) await beforeCommit(item);
    } catch (error) {
      await client.query("ROLLBACK").catch(() => {
        broken = true;
      });
      throw error;
    }
    try {
      await client.query("COMMIT");
    } catch (error) {
      broken = true;
      throw new CommitError(error);
    }
    return item;
  } finally {
    // A connection whose transaction state is unknown is closed rather than reused.
    client.release(broken);
  }
}

export function createItemStore(pool: Pool): ItemStore {
  return {
    async create(item, beforeCommit) {
      const created = await writeInTransaction(
        pool,
        `INSERT INTO items (id, name, description) VALUES ($1, $2, $3) RETURNING ${COLUMNS}`,
        [uuidv7(), item.name, item.description ?? null],
        beforeCommit,
      );
      return created as Item;
    },

    async delete(id, beforeCommit) {
      return writeInTransaction(
        pool,
        `DELETE FROM items WHERE id = $1 RETURNING ${COLUMNS}`,
        [id],
        beforeCommit,
      );
    },

    async get(id) {
      const { rows } = await pool.query<ItemRow>(`SELECT ${COLUMNS} FROM items WHERE id = $1`, [
        id,
      ]);
      return rows[0] && toItem(rows[0]);
    },

    async list({ limit, after }) {
      // Keyset pagination: "WHERE id > cursor" stays an index range scan however deep the page,
      // and rows inserted meanwhile never shift or repeat entries the way OFFSET does.
      // One extra row tells whether another page exists.
      const { rows } = await pool.query<ItemRow>(
        `SELECT ${COLUMNS} FROM items
          WHERE $1::uuid IS NULL OR id > $1::uuid
          ORDER BY id
          LIMIT $2`,
        [after ?? null, limit + 1],
      );
      const page = rows.slice(0, limit).map(toItem);
      const last = page[page.length - 1];
      return { items: page, next_cursor: rows.length > limit && last ? last.id : null };
    },
  };
}
