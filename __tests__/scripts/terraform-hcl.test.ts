import { DynamodbTable } from "@cdktf/provider-aws/lib/dynamodb-table";
import { EcsCluster } from "@cdktf/provider-aws/lib/ecs-cluster";
import { IamPolicy } from "@cdktf/provider-aws/lib/iam-policy";
import { LbListener } from "@cdktf/provider-aws/lib/lb-listener";
import { describe, expect, it } from "vitest";
import {
  blockKeys,
  hclString,
  platformBlockKeys,
  toHcl,
  type JsonObject,
} from "../../scripts/terraform-hcl";
import { bareStack, platformJson, synth } from "../helpers";

/** A bare stack with the resources whose blocks Trivy misread in the synthesized JSON. */
function build() {
  const stack = bareStack();
  new DynamodbTable(stack, "table", {
    name: "t",
    hashKey: "pk",
    attribute: [{ name: "pk", type: "S" }],
    pointInTimeRecovery: { enabled: true },
    serverSideEncryption: { enabled: true, kmsKeyArn: "arn:aws:kms:eu-west-1:111111111111:key/x" },
    tags: { team: "platform" },
  });
  new EcsCluster(stack, "cluster", {
    name: "c",
    setting: [{ name: "containerInsights", value: "enabled" }],
  });
  new LbListener(stack, "http", {
    loadBalancerArn: "arn:lb",
    port: 80,
    protocol: "HTTP",
    defaultAction: [
      { type: "redirect", redirect: { port: "443", protocol: "HTTPS", statusCode: "HTTP_301" } },
    ],
  });
  const table = stack.node.findChild("table") as DynamodbTable;
  new IamPolicy(stack, "policy", {
    name: "p",
    policy: JSON.stringify({ Statement: [{ Resource: table.arn, Condition: { a: 'b"c' } }] }),
  });
  return { stack, json: synth(stack) as unknown as JsonObject };
}

describe("Terraform JSON written as HCL for Trivy", () => {
  const { stack, json } = build();
  const hcl = toHcl(json, blockKeys(stack));

  it("writes the nested blocks the JSON holds as single objects as HCL blocks", () => {
    // In cdk.tf.json these are `"point_in_time_recovery": {"enabled": true}`: Trivy 0.74 reads
    // them as attributes and reports point-in-time recovery and the table's CMK off.
    expect(hcl).toMatch(/\n {2}point_in_time_recovery \{\n {4}enabled = true\n {2}\}/);
    expect(hcl).toMatch(/\n {2}server_side_encryption \{\n {4}enabled = true\n {4}kms_key_arn = /);
  });

  it("writes lists of blocks as repeated blocks, nested blocks inside them too", () => {
    expect(hcl).toMatch(/\n {2}setting \{\n {4}name = "containerInsights"\n {4}value = "enabled"/);
    expect(hcl).toMatch(
      /\n {2}default_action \{\n(.*\n)*? {4}redirect \{\n(.*\n)*? {6}protocol = "HTTPS"/,
    );
    expect(hcl).toMatch(/\n {2}attribute \{\n {4}name = "pk"/);
  });

  it("keeps maps as attributes, and strings escaped with their references as templates", () => {
    expect(hcl).toMatch(/\n {2}tags = \{\n {4}"team" = "platform"\n {2}\}/);
    expect(hcl).toContain(
      'policy = "{\\"Statement\\":[{\\"Resource\\":\\"${aws_dynamodb_table.table.arn}\\",\\"Condition\\":{\\"a\\":\\"b\\\\\\"c\\"}}]}"',
    );
  });

  it("refuses a resource type no binding describes, rather than guess its blocks", () => {
    const unknown = { resource: { aws_made_up: { x: { block: { a: 1 } } } } } as JsonObject;
    expect(() => toHcl(unknown, blockKeys(stack))).toThrow(
      /no provider binding describes aws_made_up/,
    );
  });
});

describe("every committed stack written as HCL", () => {
  it("parses as HCL (Terraform's own parser) with the same resources: Trivy reads all of it", async () => {
    const { parse } = await import("@cdktf/hcl2json");
    const blocks = platformBlockKeys();
    for (const [name, json] of Object.entries(platformJson())) {
      const hcl = toHcl(json as unknown as JsonObject, blocks);
      const parsed = (await parse(`${name}.tf`, hcl)) as {
        resource?: Record<string, Record<string, unknown>>;
      };
      const addresses = (r: Record<string, Record<string, unknown>> | undefined) =>
        Object.entries(r ?? {}).flatMap(([type, byName]) =>
          Object.keys(byName).map((n) => `${type}.${n}`),
        );
      expect(addresses(parsed.resource).sort(), name).toEqual(addresses(json.resource).sort());
    }
  });

  it("keeps the quotes of a string inside an interpolation, and a literal $${ as text", () => {
    expect(hclString('orbit-db-final-${formatdate("YYYY", timestamp())}')).toBe(
      '"orbit-db-final-${formatdate("YYYY", timestamp())}"',
    );
    expect(hclString('{"a":"${aws_s3_bucket.b.arn}"}')).toBe(
      '"{\\"a\\":\\"${aws_s3_bucket.b.arn}\\"}"',
    );
    expect(hclString('cost $${x} "q"')).toBe('"cost $${x} \\"q\\""');
  });
});
