import { describe, expect, it } from "vitest";
import { Topic } from "../../src/messaging/topic";
import {
  bareStack,
  resolved,
  grantedPolicies,
  onlyResource,
  policyGrantee,
  synth,
} from "../helpers";

const KEY = "arn:aws:kms:eu-west-1:111111111111:key/data";

function topic() {
  const stack = bareStack();
  const events = new Topic(stack, "topic-events", {
    name: "events",
    topicName: "orbit-test-events",
    region: "eu-west-1",
    kmsKeyArn: KEY,
  });
  return { stack, events };
}

describe("topic", () => {
  it("is encrypted with the given key and named from its declaration", () => {
    const { stack } = topic();
    expect(onlyResource(synth(stack), "aws_sns_topic")).toEqual(
      expect.objectContaining({ name: "orbit-test-events", kms_master_key_id: KEY }),
    );
  });

  it("names itself to a publisher as TOPIC_<NAME>_ARN", () => {
    const { stack, events } = topic();
    expect(resolved(stack, events.environment())).toEqual({
      TOPIC_EVENTS_ARN: "${aws_sns_topic.topic_events_topic.arn}",
    });
  });

  it("grants publish: sns:Publish on the topic, and data keys through SNS only", () => {
    const { stack, events } = topic();
    events.grant(policyGrantee(stack), "publish");
    expect(grantedPolicies(synth(stack))).toEqual({
      "topic-events": [
        {
          Sid: "Topic",
          Effect: "Allow",
          Action: ["sns:Publish"],
          Resource: "${aws_sns_topic.topic_events_topic.arn}",
        },
        {
          Sid: "KeyViaSns",
          Effect: "Allow",
          Action: ["kms:GenerateDataKey", "kms:Decrypt"],
          Resource: KEY,
          Condition: { StringEquals: { "kms:ViaService": "sns.eu-west-1.amazonaws.com" } },
        },
      ],
    });
  });
});
