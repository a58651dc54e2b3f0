import { describe, expect, it } from "vitest";
import { environmentStack, onlyResource, synth } from "../helpers";

describe("key-value store", () => {
  it("is on demand, recoverable to any second, KMS-encrypted and protected in prod", () => {
    expect(onlyResource(synth(environmentStack("prod")), "aws_dynamodb_table")).toMatchObject({
      name: "orbit-prod-items",
      billing_mode: "PAY_PER_REQUEST",
      hash_key: "pk",
      range_key: "sk",
      attribute: [
        { name: "pk", type: "S" },
        { name: "sk", type: "S" },
      ],
      ttl: { enabled: true, attribute_name: "expiresAt" },
      point_in_time_recovery: { enabled: true },
      server_side_encryption: { enabled: true, kms_key_arn: "${aws_kms_key.data_key_key.arn}" },
      deletion_protection_enabled: true,
      lifecycle: { prevent_destroy: true },
    });
  });

  it("takes the key schema and TTL attribute from config", () => {
    const table = onlyResource(
      synth(
        environmentStack("staging", {
          keyValueStore: {
            partitionKey: { name: "tenant", type: "S" },
            sortKey: { name: "seq", type: "N" },
            ttlAttribute: "ttl",
          },
        }),
      ),
      "aws_dynamodb_table",
    );
    expect(table).toMatchObject({
      hash_key: "tenant",
      range_key: "seq",
      attribute: [
        { name: "tenant", type: "S" },
        { name: "seq", type: "N" },
      ],
      ttl: { attribute_name: "ttl" },
      deletion_protection_enabled: false,
    });
  });
});
