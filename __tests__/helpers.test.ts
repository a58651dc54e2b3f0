import { DataAwsIamPolicyDocument } from "@cdktf/provider-aws/lib/data-aws-iam-policy-document";
import { SqsQueue } from "@cdktf/provider-aws/lib/sqs-queue";
import { Fn, TerraformOutput, Testing } from "cdktf";
import { describe, expect, it } from "vitest";
import { bareStack, plainJson, synth } from "./helpers";

describe("synth, the stack tests' view of a stack", () => {
  it("is what JSON.parse(Testing.synth(stack)) returns, key order included", () => {
    // GIVEN a stack with references, functions, nested blocks, tags and outputs
    const build = () => {
      const stack = bareStack();
      const dlq = new SqsQueue(stack, "dlq", { name: "d", tags: { b: "2", a: "1" } });
      const queue = new SqsQueue(stack, "queue", {
        name: "q",
        redrivePolicy: Fn.jsonencode({ deadLetterTargetArn: dlq.arn, maxReceiveCount: 3 }),
      });
      new DataAwsIamPolicyDocument(stack, "doc", {
        statement: [{ actions: ["sqs:SendMessage"], resources: [queue.arn, dlq.arn] }],
      });
      new TerraformOutput(stack, "url", { value: queue.url });
      return stack;
    };
    // WHEN both synthesize it, THEN the documents and their key order are the same
    const expected = JSON.parse(Testing.synth(build())) as unknown;
    expect(JSON.stringify(synth(build()))).toBe(JSON.stringify(expected));
  });

  it("plainJson sorts keys, drops cdktf's // metadata and undefined, and writes null where JSON does", () => {
    expect(
      JSON.stringify(
        plainJson({
          b: 1,
          "//": { metadata: true },
          a: { d: undefined, c: [undefined, NaN, "x"] },
        }),
      ),
    ).toBe('{"a":{"c":[null,null,"x"]},"b":1}');
  });
});
