import { describe, expect, it } from "vitest";
import { environmentStack, onlyResource, resourcesOf, synth } from "../helpers";

const json = synth(
  environmentStack("prod", { messaging: { maxReceiveCount: 4, visibilityTimeoutSeconds: 45 } }),
);
const queues = resourcesOf(json, "aws_sqs_queue");

describe("messaging", () => {
  it("redrives the queue to its dead-letter queue after the configured receives", () => {
    expect(JSON.parse(queues.messaging_queue!.redrive_policy as string)).toEqual({
      deadLetterTargetArn: "${aws_sqs_queue.messaging_dead_letters.arn}",
      maxReceiveCount: 4,
    });
    expect(queues.messaging_queue!.visibility_timeout_seconds).toBe(45);
    expect(queues.messaging_dead_letters!.message_retention_seconds).toBe(1209600);
  });

  it("encrypts the topic and both queues with the environment's key", () => {
    const key = "${aws_kms_key.data_key_key.arn}";
    expect(resourcesOf(json, "aws_sns_topic").messaging_events!.kms_master_key_id).toBe(key);
    expect(queues.messaging_queue!.kms_master_key_id).toBe(key);
    expect(queues.messaging_dead_letters!.kms_master_key_id).toBe(key);
  });

  it("lets only the events topic send to the queue", () => {
    const policy = JSON.parse(onlyResource(json, "aws_sqs_queue_policy").policy as string);
    expect(policy.Statement).toEqual([
      {
        Sid: "EventsTopicOnly",
        Effect: "Allow",
        Principal: { Service: "sns.amazonaws.com" },
        Action: "sqs:SendMessage",
        Resource: "${aws_sqs_queue.messaging_queue.arn}",
        Condition: { ArnEquals: { "aws:SourceArn": "${aws_sns_topic.messaging_events.arn}" } },
      },
    ]);
    expect(onlyResource(json, "aws_sqs_queue_policy").queue_url).toBe(
      "${aws_sqs_queue.messaging_queue.url}",
    );
  });

  it("lets only the queue redrive into the dead-letter queue", () => {
    const allow = onlyResource(json, "aws_sqs_queue_redrive_allow_policy");
    expect(allow.queue_url).toBe("${aws_sqs_queue.messaging_dead_letters.url}");
    expect(JSON.parse(allow.redrive_allow_policy as string)).toEqual({
      redrivePermission: "byQueue",
      sourceQueueArns: ["${aws_sqs_queue.messaging_queue.arn}"],
    });
  });

  it("fans the topic out to the queue with raw message delivery", () => {
    expect(
      resourcesOf(json, "aws_sns_topic_subscription").messaging_queue_subscription,
    ).toMatchObject({
      topic_arn: "${aws_sns_topic.messaging_events.arn}",
      protocol: "sqs",
      endpoint: "${aws_sqs_queue.messaging_queue.arn}",
      raw_message_delivery: true,
    });
  });

  it("gives the service the queue URL and topic ARN", () => {
    const container = JSON.parse(
      onlyResource(json, "aws_ecs_task_definition").container_definitions as string,
    )[0];
    const env = Object.fromEntries(
      container.environment.map((e: { name: string; value: string }) => [e.name, e.value]),
    );
    expect(env).toMatchObject({
      QUEUE_URL: "${aws_sqs_queue.messaging_queue.url}",
      TOPIC_ARN: "${aws_sns_topic.messaging_events.arn}",
      TABLE_NAME: "${aws_dynamodb_table.key_value_store_table.name}",
    });
  });
});
