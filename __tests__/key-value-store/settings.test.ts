import { describe, expect, it } from "vitest";
import { TableSchema } from "../../src/key-value-store/settings";

describe("a table's settings", () => {
  it("GIVEN nothing THEN string keys pk and sk, a TTL on expiresAt, and deletion protection", () => {
    expect(TableSchema.parse({})).toEqual({
      partitionKey: { name: "pk", type: "S" },
      sortKey: { name: "sk", type: "S" },
      ttlAttribute: "expiresAt",
      deletionProtection: true,
    });
  });

  it("refuses a key type DynamoDB does not have, and an attribute name with a space", () => {
    expect(TableSchema.safeParse({ partitionKey: { name: "pk", type: "M" } }).success).toBe(false);
    expect(TableSchema.safeParse({ ttlAttribute: "expires at" }).success).toBe(false);
  });
});
