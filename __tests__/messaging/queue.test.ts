import { describe, expect, it } from "vitest";
import { Queue } from "../../src/messaging/queue";
import { QueueSchema } from "../../src/messaging/settings";
import { Topic } from "../../src/messaging/topic";
import {
  bareStack,
  resolved,
  grantedPolicies,
  onlyResource,
  policyGrantee,
  resourcesOf,
  synth,
} from "../helpers";

const KEY = "arn:aws:kms:eu-west-1:111111111111:key/data";

/** GIVEN a bare stack with the topics `subscribesTo` names and a queue `events` subscribed to them. */
function queue(subscribesTo: string[], settings: Record<string, unknown> = {}) {
  const stack = bareStack();
  const topics = subscribesTo.map(
    (name) =>
      new Topic(stack, `topic-${name}`, {
        name,
        topicName: `orbit-test-${name}`,
        region: "eu-west-1",
        kmsKeyArn: KEY,
      }),
  );
  const events = new Queue(stack, "queue-events", {
    ...QueueSchema.parse(settings),
    name: "events",
    queueName: "orbit-test-events",
    region: "eu-west-1",
    kmsKeyArn: KEY,
    subscribesTo: topics,
  });
  return { stack, events, json: synth(stack) };
}

describe("queue", () => {
  it("redrives to its dead-letter queue after the configured receives, and keeps dead letters 14 days", () => {
    const { json } = queue([], { maxReceiveCount: 4, visibilityTimeoutSeconds: 45 });
    const queues = resourcesOf(json, "aws_sqs_queue");
    expect(JSON.parse(queues.queue_events_queue!.redrive_policy as string)).toEqual({
      deadLetterTargetArn: "${aws_sqs_queue.queue_events_dead_letters.arn}",
      maxReceiveCount: 4,
    });
    expect(queues.queue_events_queue).toMatchObject({
      name: "orbit-test-events",
      visibility_timeout_seconds: 45,
      receive_wait_time_seconds: 20,
    });
    expect(queues.queue_events_dead_letters).toMatchObject({
      name: "orbit-test-events-dlq",
      message_retention_seconds: 1209600,
    });
  });

  it("encrypts both queues with the given key", () => {
    const queues = resourcesOf(queue([]).json, "aws_sqs_queue");
    expect(queues.queue_events_queue!.kms_master_key_id).toBe(KEY);
    expect(queues.queue_events_dead_letters!.kms_master_key_id).toBe(KEY);
  });

  it("lets only the queue redrive into the dead-letter queue", () => {
    const allow = onlyResource(queue([]).json, "aws_sqs_queue_redrive_allow_policy");
    expect(allow.queue_url).toBe("${aws_sqs_queue.queue_events_dead_letters.url}");
    expect(JSON.parse(allow.redrive_allow_policy as string)).toEqual({
      redrivePermission: "byQueue",
      sourceQueueArns: ["${aws_sqs_queue.queue_events_queue.arn}"],
    });
  });

  it("admits exactly the topics it subscribes to, one statement each, and subscribes to each with raw delivery", () => {
    const { json } = queue(["events", "order-updates"]);
    const policy = onlyResource(json, "aws_sqs_queue_policy");
    expect(policy.queue_url).toBe("${aws_sqs_queue.queue_events_queue.url}");
    expect(JSON.parse(policy.policy as string).Statement).toEqual(
      [
        ["FromTopicEvents", "topic_events_topic"],
        ["FromTopicOrderUpdates", "topic_order_updates_topic"],
      ].map(([Sid, topic]) => ({
        Sid,
        Effect: "Allow",
        Principal: { Service: "sns.amazonaws.com" },
        Action: "sqs:SendMessage",
        Resource: "${aws_sqs_queue.queue_events_queue.arn}",
        Condition: { ArnEquals: { "aws:SourceArn": `\${aws_sns_topic.${topic}.arn}` } },
      })),
    );
    const subscriptions = resourcesOf(json, "aws_sns_topic_subscription");
    expect(Object.keys(subscriptions)).toEqual([
      "queue_events_subscription_events",
      "queue_events_subscription_order_updates",
    ]);
    expect(subscriptions.queue_events_subscription_events).toMatchObject({
      topic_arn: "${aws_sns_topic.topic_events_topic.arn}",
      protocol: "sqs",
      endpoint: "${aws_sqs_queue.queue_events_queue.arn}",
      raw_message_delivery: true,
    });
  });

  it("has no queue policy and no subscription when it subscribes to no topic", () => {
    const { json } = queue([]);
    expect(resourcesOf(json, "aws_sqs_queue_policy")).toEqual({});
    expect(resourcesOf(json, "aws_sns_topic_subscription")).toEqual({});
  });

  it("names itself to a service that uses it as QUEUE_<NAME>_URL", () => {
    const { stack, events } = queue([]);
    expect(resolved(stack, events.environment())).toEqual({
      QUEUE_EVENTS_URL: "${aws_sqs_queue.queue_events_queue.url}",
    });
  });

  it.each([
    [
      "consume",
      [
        "sqs:ReceiveMessage",
        "sqs:DeleteMessage",
        "sqs:ChangeMessageVisibility",
        "sqs:GetQueueAttributes",
      ],
      ["kms:Decrypt"],
    ],
    ["send", ["sqs:SendMessage"], ["kms:GenerateDataKey", "kms:Decrypt"]],
  ] as const)(
    "grants %s exactly its actions on the queue, and the key through SQS only",
    (access, actions, keyActions) => {
      const { stack, events } = queue([]);
      events.grant(policyGrantee(stack), access);
      expect(grantedPolicies(synth(stack))).toEqual({
        "queue-events": [
          {
            Sid: "Queue",
            Effect: "Allow",
            Action: actions,
            Resource: "${aws_sqs_queue.queue_events_queue.arn}",
          },
          {
            Sid: "KeyViaSqs",
            Effect: "Allow",
            Action: keyActions,
            Resource: KEY,
            Condition: { StringEquals: { "kms:ViaService": "sqs.eu-west-1.amazonaws.com" } },
          },
        ],
      });
    },
  );
});
