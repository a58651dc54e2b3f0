import { SnsTopic } from "@cdktf/provider-aws/lib/sns-topic";
import { SnsTopicSubscription } from "@cdktf/provider-aws/lib/sns-topic-subscription";
import { SqsQueue } from "@cdktf/provider-aws/lib/sqs-queue";
import { SqsQueuePolicy } from "@cdktf/provider-aws/lib/sqs-queue-policy";
import { SqsQueueRedriveAllowPolicy } from "@cdktf/provider-aws/lib/sqs-queue-redrive-allow-policy";
import { Construct } from "constructs";
import type { MessagingSettings } from "./settings";
import { policyDocument } from "../lib/iam";

/** The longest SQS keeps a message: 14 days, so a dead letter waits as long as possible. */
export const DEAD_LETTER_RETENTION_SECONDS = 14 * 24 * 60 * 60;

/** The queue's settings (`./settings.ts`, units and defaults there) and its wiring. */
export interface MessagingProps extends MessagingSettings {
  readonly namePrefix: string;
  readonly kmsKeyArn: string;
}

/**
 * An events topic fanned out to a work queue with a dead-letter queue:
 *
 *     service --publish--> topic --raw delivery--> queue --after maxReceiveCount--> dead-letter queue
 *
 * All three are encrypted with the environment's key. The queue accepts messages only from the
 * topic; the dead-letter queue accepts redrives only from the queue.
 *
 * Cost per month: $0.50 per million SNS publishes, $0.40 per million SQS requests (first million
 * free), plus KMS requests (data keys are reused for 5 minutes).
 */
export class Messaging extends Construct {
  public readonly topic: SnsTopic;
  public readonly queue: SqsQueue;
  public readonly deadLetterQueue: SqsQueue;

  constructor(scope: Construct, id: string, props: MessagingProps) {
    super(scope, id);
    const encryption = { kmsMasterKeyId: props.kmsKeyArn, kmsDataKeyReusePeriodSeconds: 300 };

    this.topic = new SnsTopic(this, "events", {
      name: `${props.namePrefix}-events`,
      kmsMasterKeyId: props.kmsKeyArn,
    });
    this.deadLetterQueue = new SqsQueue(this, "dead-letters", {
      name: `${props.namePrefix}-events-dlq`,
      messageRetentionSeconds: DEAD_LETTER_RETENTION_SECONDS,
      ...encryption,
    });
    this.queue = new SqsQueue(this, "queue", {
      name: `${props.namePrefix}-events`,
      visibilityTimeoutSeconds: props.visibilityTimeoutSeconds,
      messageRetentionSeconds: props.messageRetentionSeconds,
      receiveWaitTimeSeconds: 20,
      redrivePolicy: JSON.stringify({
        deadLetterTargetArn: this.deadLetterQueue.arn,
        maxReceiveCount: props.maxReceiveCount,
      }),
      ...encryption,
    });
    new SqsQueueRedriveAllowPolicy(this, "dead-letters-allow", {
      queueUrl: this.deadLetterQueue.url,
      redriveAllowPolicy: JSON.stringify({
        redrivePermission: "byQueue",
        sourceQueueArns: [this.queue.arn],
      }),
    });

    new SqsQueuePolicy(this, "queue-policy", {
      queueUrl: this.queue.url,
      policy: policyDocument({
        Sid: "EventsTopicOnly",
        Effect: "Allow",
        Principal: { Service: "sns.amazonaws.com" },
        Action: "sqs:SendMessage",
        Resource: this.queue.arn,
        Condition: { ArnEquals: { "aws:SourceArn": this.topic.arn } },
      }),
    });
    new SnsTopicSubscription(this, "queue-subscription", {
      topicArn: this.topic.arn,
      protocol: "sqs",
      endpoint: this.queue.arn,
      rawMessageDelivery: true,
    });
  }
}
