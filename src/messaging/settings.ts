/** Settings of the queue and topic (`Messaging`). */
import { z } from "zod";
import { integerBetween } from "../config/fields";

export const MessagingSchema = z.strictObject({
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

export type MessagingSettings = z.output<typeof MessagingSchema>;
