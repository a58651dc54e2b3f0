import { describe, expect, it } from "vitest";
import { QueueSchema, TopicSchema } from "../../src/messaging/settings";

describe("messaging settings", () => {
  it("GIVEN nothing THEN a queue subscribed to nothing, dead-lettering after 5 receives, 30 s visibility, 4 days retention", () => {
    expect(QueueSchema.parse({})).toEqual({
      subscribesTo: [],
      maxReceiveCount: 5,
      visibilityTimeoutSeconds: 30,
      messageRetentionSeconds: 345600,
    });
  });

  it("refuses a retention SQS does not offer (over 14 days)", () => {
    expect(QueueSchema.safeParse({ messageRetentionSeconds: 1209601 }).success).toBe(false);
    expect(QueueSchema.safeParse({ messageRetentionSeconds: 1209600 }).success).toBe(true);
  });

  it("a topic has no settings, and refuses any", () => {
    expect(TopicSchema.parse({})).toEqual({});
    expect(TopicSchema.safeParse({ fifo: true }).success).toBe(false);
  });
});
