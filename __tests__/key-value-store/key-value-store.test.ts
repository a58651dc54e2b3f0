import { describe, expect, it } from "vitest";
import { TableSchema } from "../../src/key-value-store/settings";
import { KeyValueStore } from "../../src/key-value-store/key-value-store";
import {
  bareStack,
  resolved,
  grantedPolicies,
  onlyResource,
  policyGrantee,
  synth,
} from "../helpers";

const KEY = "arn:aws:kms:eu-west-1:111111111111:key/data";

/** GIVEN a bare stack with one table built from `settings` (schema defaults filled in). */
function table(settings: Record<string, unknown> = {}) {
  const stack = bareStack();
  const store = new KeyValueStore(stack, "table-items", {
    ...TableSchema.parse(settings),
    name: "items",
    tableName: "orbit-test-items",
    region: "eu-west-1",
    kmsKeyArn: KEY,
  });
  return { stack, store };
}

describe("key-value store", () => {
  it("is on demand, recoverable to any second, encrypted with the given key and protected by default", () => {
    expect(onlyResource(synth(table().stack), "aws_dynamodb_table")).toMatchObject({
      name: "orbit-test-items",
      billing_mode: "PAY_PER_REQUEST",
      hash_key: "pk",
      range_key: "sk",
      attribute: [
        { name: "pk", type: "S" },
        { name: "sk", type: "S" },
      ],
      ttl: { enabled: true, attribute_name: "expiresAt" },
      point_in_time_recovery: { enabled: true },
      server_side_encryption: { enabled: true, kms_key_arn: KEY },
      deletion_protection_enabled: true,
      lifecycle: { prevent_destroy: true },
    });
  });

  it("takes the key schema, TTL attribute and deletion protection from its settings", () => {
    const { stack } = table({
      partitionKey: { name: "tenant", type: "S" },
      sortKey: { name: "seq", type: "N" },
      ttlAttribute: "ttl",
      deletionProtection: false,
    });
    const synthesized = onlyResource(synth(stack), "aws_dynamodb_table");
    expect(synthesized).toMatchObject({
      hash_key: "tenant",
      range_key: "seq",
      attribute: [
        { name: "tenant", type: "S" },
        { name: "seq", type: "N" },
      ],
      ttl: { attribute_name: "ttl" },
      deletion_protection_enabled: false,
    });
    expect(synthesized.lifecycle).toEqual({ prevent_destroy: false });
  });

  it("names itself to a service that uses it as TABLE_<NAME>_NAME", () => {
    const { stack, store } = table();
    expect(resolved(stack, store.environment())).toEqual({
      TABLE_ITEMS_NAME: "${aws_dynamodb_table.table_items_table.name}",
    });
  });

  it.each([
    ["read", ["dynamodb:GetItem", "dynamodb:Query"]],
    ["write", ["dynamodb:PutItem", "dynamodb:UpdateItem", "dynamodb:DeleteItem"]],
    [
      "readWrite",
      [
        "dynamodb:GetItem",
        "dynamodb:Query",
        "dynamodb:PutItem",
        "dynamodb:UpdateItem",
        "dynamodb:DeleteItem",
      ],
    ],
  ] as const)(
    "grants %s exactly its actions on the table (no index), and the key through DynamoDB only",
    (access, actions) => {
      const { stack, store } = table();
      store.grant(policyGrantee(stack), access);
      expect(grantedPolicies(synth(stack))).toEqual({
        "table-items": [
          {
            Sid: "Table",
            Effect: "Allow",
            Action: actions,
            Resource: "${aws_dynamodb_table.table_items_table.arn}",
          },
          {
            Sid: "KeyViaDynamodb",
            Effect: "Allow",
            Action: ["kms:Decrypt"],
            Resource: KEY,
            Condition: { StringEquals: { "kms:ViaService": "dynamodb.eu-west-1.amazonaws.com" } },
          },
        ],
      });
    },
  );
});
