import { SnsTopic } from "@cdktf/provider-aws/lib/sns-topic";
import { Construct } from "constructs";
import { keyUseVia, type Grantee } from "../lib/iam";
import { variableName } from "../lib/variables";
import type { TopicAccess } from "./settings";

export interface TopicProps {
  /** The declared name (`topics.<name>`): the environment variable `TOPIC_<NAME>_ARN`. */
  readonly name: string;
  /** The AWS name, `<project>-<environment>-<name>`. */
  readonly topicName: string;
  readonly region: string;
  readonly kmsKeyArn: string;
}

/**
 * An SNS topic encrypted with the environment's key. Queues subscribe to it (`Queue`), services
 * publish to it (`grant(roles, "publish")`).
 *
 * Cost per month: $0.50 per million publishes (64 KB each), deliveries to SQS free, plus KMS
 * requests (data keys are reused for 5 minutes).
 */
export class Topic extends Construct {
  public readonly topic: SnsTopic;

  constructor(
    scope: Construct,
    id: string,
    private readonly props: TopicProps,
  ) {
    super(scope, id);
    this.topic = new SnsTopic(this, "topic", {
      name: props.topicName,
      kmsMasterKeyId: props.kmsKeyArn,
    });
  }

  public get name(): string {
    return this.props.name;
  }

  /** What a service that uses the topic finds in its environment. */
  public environment(): Record<string, string> {
    return { [variableName("TOPIC", this.props.name, "ARN")]: this.topic.arn };
  }

  /**
   * Publishing, and the key behind the topic: SNS generates and decrypts the message's data key
   * with the publisher's permissions, through SNS only.
   */
  public grant(grantee: Grantee, access: TopicAccess): void {
    grantee.grant(
      `topic-${this.props.name}`,
      {
        Sid: "Topic",
        Effect: "Allow",
        Action: [...TOPIC_ACTIONS[access]],
        Resource: this.topic.arn,
      },
      keyUseVia(this.props.kmsKeyArn, "sns", this.props.region, TOPIC_KEY_ACTIONS),
    );
  }
}

/** KMS use through SNS: a publisher generates and decrypts the message's data key. */
export const TOPIC_KEY_ACTIONS: readonly string[] = ["kms:GenerateDataKey", "kms:Decrypt"];

/** The SNS actions of each access a service may declare. */
export const TOPIC_ACTIONS: Readonly<Record<TopicAccess, readonly string[]>> = {
  publish: ["sns:Publish"],
};
