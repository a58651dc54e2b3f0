import { describe, expect, it } from "vitest";
import { RedriveAllowPolicies } from "../../scripts/terraform/redrive-allow-policy";

const QueueUrl = "http://127.0.0.1:1/111111111111/orbit-staging-events-dlq";
const policy = JSON.stringify({
  redrivePermission: "byQueue",
  sourceQueueArns: ["arn:aws:sqs:eu-west-1:111111111111:orbit-staging-events"],
});

describe("SQS RedriveAllowPolicy answered in front of moto", () => {
  it("keeps the policy set on a queue and returns it asked by name or among All", () => {
    const gap = new RedriveAllowPolicies();
    expect(
      gap.answer("SetQueueAttributes", { QueueUrl, Attributes: { RedriveAllowPolicy: policy } })
        ?.status,
    ).toBe(200);
    expect(
      gap.answer("GetQueueAttributes", { QueueUrl, AttributeNames: ["RedriveAllowPolicy"] })?.body,
    ).toEqual({
      Attributes: { RedriveAllowPolicy: policy },
    });
    // All: moto answers, the policy is added to its attributes
    expect(gap.answer("GetQueueAttributes", { QueueUrl, AttributeNames: ["All"] })).toBeUndefined();
    expect(
      gap.observe(
        "GetQueueAttributes",
        { QueueUrl, AttributeNames: ["All"] },
        { status: 200, body: { Attributes: { QueueArn: "q" } } },
      ),
    ).toEqual({ Attributes: { QueueArn: "q", RedriveAllowPolicy: policy } });
  });

  it("removes it when set to an empty string or when the queue is deleted", () => {
    const gap = new RedriveAllowPolicies();
    gap.answer("SetQueueAttributes", { QueueUrl, Attributes: { RedriveAllowPolicy: policy } });
    gap.answer("SetQueueAttributes", { QueueUrl, Attributes: { RedriveAllowPolicy: "" } });
    expect(
      gap.answer("GetQueueAttributes", { QueueUrl, AttributeNames: ["RedriveAllowPolicy"] })?.body,
    ).toEqual({ Attributes: {} });
    gap.answer("SetQueueAttributes", { QueueUrl, Attributes: { RedriveAllowPolicy: policy } });
    expect(gap.answer("DeleteQueue", { QueueUrl })).toBeUndefined();
    gap.observe("DeleteQueue", { QueueUrl }, { status: 200, body: {} });
    expect(
      gap.answer("GetQueueAttributes", { QueueUrl, AttributeNames: ["RedriveAllowPolicy"] })?.body,
    ).toEqual({ Attributes: {} });
  });

  it("leaves other attributes to moto, keeping the policy from a SetQueueAttributes that sets more", () => {
    const gap = new RedriveAllowPolicies();
    expect(
      gap.answer("SetQueueAttributes", {
        QueueUrl,
        Attributes: { VisibilityTimeout: "30", RedriveAllowPolicy: policy },
      }),
    ).toBeUndefined();
    expect(
      gap.answer("GetQueueAttributes", { QueueUrl, AttributeNames: ["RedriveAllowPolicy"] })?.body,
    ).toEqual({
      Attributes: { RedriveAllowPolicy: policy },
    });
    expect(
      gap.answer("SetQueueAttributes", { QueueUrl, Attributes: { VisibilityTimeout: "30" } }),
    ).toBeUndefined();
    expect(
      gap.answer("GetQueueAttributes", { QueueUrl, AttributeNames: ["QueueArn"] }),
    ).toBeUndefined();
    expect(
      gap.observe(
        "GetQueueAttributes",
        { QueueUrl, AttributeNames: ["QueueArn"] },
        { status: 200, body: { Attributes: {} } },
      ),
    ).toBeUndefined();
  });
});
