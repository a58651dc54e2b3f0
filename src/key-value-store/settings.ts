/** Settings of the DynamoDB table (`KeyValueStore`). */
import { z } from "zod";
import { explain } from "../config/fields";

const attributeName = z
  .string()
  .regex(
    /^[A-Za-z0-9_.-]{1,255}$/,
    explain("is not an attribute name", "1 to 255 of A-Z, a-z, 0-9, _ . -", 'use e.g. "pk"'),
  );
const keyAttribute = z.strictObject({
  name: attributeName,
  type: z
    .enum(["S", "N", "B"], explain("is not a key type", '"S", "N" or "B"', 'use "S"'))
    .default("S"),
});

/** What a service may do with a table: `uses.tables.<name>`. */
export const TABLE_ACCESS = ["read", "write", "readWrite"] as const;
export type TableAccess = (typeof TABLE_ACCESS)[number];

/** One DynamoDB table: `tables.<name>`, named `<project>-<environment>-<name>`. */
export const TableSchema = z.strictObject({
  /** @default { name: "pk", type: "S" } */
  partitionKey: keyAttribute.default({ name: "pk", type: "S" }),
  /** @default { name: "sk", type: "S" } */
  sortKey: keyAttribute.default({ name: "sk", type: "S" }),
  /**
   * The attribute holding an item's expiry (epoch seconds); DynamoDB deletes expired items.
   * @default "expiresAt"
   */
  ttlAttribute: attributeName.default("expiresAt"),
  /** Refuse deletion (DynamoDB deletion protection and `prevent_destroy`). @default true */
  deletionProtection: z.boolean().default(true),
});

export type TableSettings = z.output<typeof TableSchema>;
