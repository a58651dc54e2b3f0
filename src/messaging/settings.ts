/** Settings of the queue and topic (`Messaging`). */
import { z } from "zod";
import { integerBetween } from "../config/fields";

/** What a service may do with a queue (`uses.queues.<name>`) or a topic (`uses.topics.<name>`). */
export const QUEUE_ACCESS = ["consume", "send"] as const;
export type QueueAccess = (typeof QUEUE_ACCESS)[number];
export const TOPIC_ACCESS = ["publish"] as const;
export type TopicAccess = (typeof TOPIC_ACCESS)[number];

/** One SNS topic: `topics.<name>`, named `<project>-<environment>-<name>`, encrypted. */
export const TopicSchema = z.strictObject({});
export type TopicSettings = z.output<typeof TopicSchema>;

/**
 * One SQS work queue with its dead-letter queue: `queues.<name>`, named
 * `<project>-<environment>-<name>` and `...-<name>-dlq`, encrypted.
 */
export const QueueSchema = z.strictObject({
  /**
   * Topics whose every message this queue receives (raw delivery: the body is the message).
   * @default [] - only services that declare `send` put messages in it
   */
  subscribesTo: z.array(z.string()).default([]),
  /**
   * Receives before a message moves to the dead-letter queue.
   * @default 5
   */
  maxReceiveCount: integerBetween(
    1,
    1000,
    "3 to 10 separates poison messages from transient failures",
  ).default(5),
  /**
   * Seconds a received message is hidden from other consumers; longer than the slowest handling.
   * @default 30
   */
  visibilityTimeoutSeconds: integerBetween(
    0,
    43200,
    "set it above the slowest message handling",
  ).default(30),
  /**
   * Seconds the main queue keeps a message (the dead-letter queue always keeps 14 days).
   * @default 345600 (4 days)
   */
  messageRetentionSeconds: integerBetween(
    60,
    1209600,
    "SQS keeps messages 60 s to 14 days",
  ).default(345600),
});

export type QueueSettings = z.output<typeof QueueSchema>;
