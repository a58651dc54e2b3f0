import { SnsTopicSubscription } from "@cdktf/provider-aws/lib/sns-topic-subscription";
import { SqsQueue } from "@cdktf/provider-aws/lib/sqs-queue";
import { SqsQueuePolicy } from "@cdktf/provider-aws/lib/sqs-queue-policy";
import { SqsQueueRedriveAllowPolicy } from "@cdktf/provider-aws/lib/sqs-queue-redrive-allow-policy";
import { Construct } from "constructs";
import { keyUseVia, policyDocument, type Grantee, type PolicyStatement } from "../lib/iam";
import { variableName } from "../lib/variables";
import type { QueueAccess, QueueSettings } from "./settings";
import type { Topic } from "./topic";

/** The longest SQS keeps a message: 14 days, so a dead letter waits as long as possible. */
export const DEAD_LETTER_RETENTION_SECONDS = 14 * 24 * 60 * 60;

/**
 * The SQS actions of each access a service may declare, and nothing more: a consumer long-polls,
 * deletes what it processed, backs off a failed message, and reads the queue's attributes.
 */
export const QUEUE_ACTIONS: Readonly<Record<QueueAccess, readonly string[]>> = {
  consume: [
    "sqs:ReceiveMessage",
    "sqs:DeleteMessage",
    "sqs:ChangeMessageVisibility",
    "sqs:GetQueueAttributes",
  ],
  send: ["sqs:SendMessage"],
};

/** KMS use through SQS: a consumer decrypts data keys; a sender also generates them. */
export const QUEUE_KEY_ACTIONS: Readonly<Record<QueueAccess, readonly string[]>> = {
  consume: ["kms:Decrypt"],
  send: ["kms:GenerateDataKey", "kms:Decrypt"],
};

export interface QueueProps extends Omit<QueueSettings, "subscribesTo"> {
  /** The declared name (`queues.<name>`): the environment variable `QUEUE_<NAME>_URL`. */
  readonly name: string;
  /** The AWS name, `<project>-<environment>-<name>`; the dead-letter queue's adds `-dlq`. */
  readonly queueName: string;
  readonly region: string;
  readonly kmsKeyArn: string;
  /** Topics whose every message the queue receives (raw delivery). */
  readonly subscribesTo: readonly Topic[];
}

/**
 * A work queue with its dead-letter queue, both encrypted with the environment's key:
 *
 *     topic --raw delivery--> queue --after maxReceiveCount receives--> dead-letter queue
 *
 * The queue accepts messages only from the topics it subscribes to (and from roles granted
 * `send`); the dead-letter queue accepts redrives only from the queue.
 *
 * Cost per month: $0.40 per million SQS requests (the first million free), plus KMS requests
 * (data keys are reused for 5 minutes).
 */
export class Queue extends Construct {
  public readonly queue: SqsQueue;
  public readonly deadLetterQueue: SqsQueue;

  constructor(
    scope: Construct,
    id: string,
    private readonly props: QueueProps,
  ) {
    super(scope, id);
    const encryption = { kmsMasterKeyId: props.kmsKeyArn, kmsDataKeyReusePeriodSeconds: 300 };
    this.deadLetterQueue = new SqsQueue(this, "dead-letters", {
      name: `${props.queueName}-dlq`,
      messageRetentionSeconds: DEAD_LETTER_RETENTION_SECONDS,
      ...encryption,
    });
    this.queue = new SqsQueue(this, "queue", {
      name: props.queueName,
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
    this.subscribe(props.subscribesTo);
  }

  public get name(): string {
    return this.props.name;
  }

  /** What a service that uses the queue finds in its environment. */
  public environment(): Record<string, string> {
    return { [variableName("QUEUE", this.props.name, "URL")]: this.queue.url };
  }

  /** `access` to this queue, and the key behind it, through SQS only. */
  public grant(grantee: Grantee, access: QueueAccess): void {
    grantee.grant(
      `queue-${this.props.name}`,
      {
        Sid: "Queue",
        Effect: "Allow",
        Action: [...QUEUE_ACTIONS[access]],
        Resource: this.queue.arn,
      },
      keyUseVia(this.props.kmsKeyArn, "sqs", this.props.region, QUEUE_KEY_ACTIONS[access]),
    );
  }

  /** A raw-delivery subscription per topic, and a queue policy that admits exactly those topics. */
  private subscribe(topics: readonly Topic[]): void {
    if (topics.length === 0) return;
    const statements: PolicyStatement[] = topics.map((topic) => ({
      Sid: `FromTopic${topic.name.replace(/(^|-)(\w)/g, (_, __, c: string) => c.toUpperCase())}`,
      Effect: "Allow",
      Principal: { Service: "sns.amazonaws.com" },
      Action: "sqs:SendMessage",
      Resource: this.queue.arn,
      Condition: { ArnEquals: { "aws:SourceArn": topic.topic.arn } },
    }));
    new SqsQueuePolicy(this, "policy", {
      queueUrl: this.queue.url,
      policy: policyDocument(...statements),
    });
    for (const topic of topics) {
      new SnsTopicSubscription(this, `subscription-${topic.name}`, {
        topicArn: topic.topic.arn,
        protocol: "sqs",
        endpoint: this.queue.arn,
        rawMessageDelivery: true,
      });
    }
  }
}
