import { KmsAlias } from "@cdktf/provider-aws/lib/kms-alias";
import { KmsKey } from "@cdktf/provider-aws/lib/kms-key";
import { Lazy } from "cdktf";
import { Construct } from "constructs";
import { policyDocument, type PolicyStatement } from "../lib/iam";

/** The AWS services that may encrypt an environment's data with the key on a caller's behalf. */
export const KEY_USING_SERVICES = ["rds", "secretsmanager", "dynamodb", "sqs", "sns"] as const;
export type KeyUsingService = (typeof KEY_USING_SERVICES)[number];

/** What the account may do to the key without being able to use it. */
const KEY_ADMINISTRATION = [
  "kms:Create*",
  "kms:Describe*",
  "kms:Enable*",
  "kms:List*",
  "kms:Put*",
  "kms:Update*",
  "kms:Revoke*",
  "kms:Disable*",
  "kms:Get*",
  "kms:Delete*",
  "kms:TagResource",
  "kms:UntagResource",
  "kms:ScheduleKeyDeletion",
  "kms:CancelKeyDeletion",
  "kms:RotateKeyOnDemand",
] as const;

export interface DataKeyProps {
  readonly namePrefix: string;
  readonly region: string;
  readonly accountId: string;
  /**
   * The services that hold data encrypted with the key in this environment (RDS and Secrets
   * Manager with a database, DynamoDB with tables, SQS with queues, SNS with topics): the key
   * policy admits callers of this account through exactly these.
   */
  readonly services: readonly KeyUsingService[];
  /** Whether a queue subscribes to a topic: SNS then encrypts what it delivers with the key. */
  readonly topicsDeliverToQueues: boolean;
  /**
   * Whether `terraform destroy` must refuse to schedule the key's deletion (`prevent_destroy`):
   * where anything it encrypts is itself protected, since that data is unreadable without it.
   */
  readonly preventDestroy: boolean;
}

/**
 * One customer-managed KMS key per environment for its data: the database and its backups,
 * Performance Insights, the master user secret, the table, the queues, the topics and the log
 * groups. Rotated yearly; a deleted key waits 30 days (and can be restored meanwhile); `prevent_destroy`
 * where the data it encrypts is protected, so a non-production environment can be torn down.
 *
 * The key policy admits:
 * - the account, to administer the key but not to use it directly;
 * - CloudWatch Logs, for log groups of this account only (encryption context);
 * - SNS, to encrypt messages it delivers to the encrypted queue, for this account only;
 * - CloudWatch, to publish alarms to the encrypted alerts topic, for this account only;
 * - services admitted for one source each (`admitService`: AWS Budgets publishing to the
 *   encrypted alerts topic);
 * - the services that hold the environment's data (`services`: RDS, Secrets Manager, DynamoDB,
 *   SQS, SNS) acting for callers of this account (`kms:ViaService`): that is how the service's
 *   roles use it, each with an IAM policy naming this key and the one service it goes through.
 *
 * Cost per month: $1 for the key plus $0.03 per 10,000 requests.
 */
export class DataKey extends Construct {
  public readonly key: KmsKey;
  /** Services admitted for one source each (`admitService`). */
  private readonly admitted: PolicyStatement[] = [];
  private readonly accountId: string;

  constructor(scope: Construct, id: string, props: DataKeyProps) {
    super(scope, id);
    const { region, accountId } = props;
    const root = `arn:aws:iam::${accountId}:root`;
    const cryptography = [
      "kms:Encrypt",
      "kms:Decrypt",
      "kms:ReEncrypt*",
      "kms:GenerateDataKey*",
      "kms:DescribeKey",
    ];
    const serviceForThisAccount = (sid: string, service: string): PolicyStatement => ({
      Sid: sid,
      Effect: "Allow",
      Principal: { Service: service },
      Action: ["kms:Decrypt", "kms:GenerateDataKey*"],
      Resource: "*",
      Condition: { StringEquals: { "aws:SourceAccount": accountId } },
    });
    const viaServices = KEY_USING_SERVICES.filter((s) => props.services.includes(s)).map(
      (service) => `${service}.${region}.amazonaws.com`,
    );
    // In a key policy, "*" as the resource means this key and nothing else.
    const statements: PolicyStatement[] = [
      {
        // Administration only: the account can manage the key (and so never lose it), but using
        // it takes one of the statements below.
        Sid: "AccountAdministersKey",
        Effect: "Allow",
        Principal: { AWS: root },
        Action: [...KEY_ADMINISTRATION],
        Resource: "*",
      },
      {
        Sid: "CloudWatchLogsForThisAccount",
        Effect: "Allow",
        Principal: { Service: `logs.${region}.amazonaws.com` },
        Action: cryptography,
        Resource: "*",
        Condition: {
          ArnLike: {
            "kms:EncryptionContext:aws:logs:arn": `arn:aws:logs:${region}:${accountId}:log-group:*`,
          },
        },
      },
      // CloudWatch encrypts what alarms publish to the encrypted alerts topic; SNS what it
      // delivers to an encrypted queue that subscribes to a topic.
      serviceForThisAccount("CloudWatchAlarmsToEncryptedTopics", "cloudwatch.amazonaws.com"),
      ...(props.topicsDeliverToQueues
        ? [serviceForThisAccount("SnsDeliveryToEncryptedQueues", "sns.amazonaws.com")]
        : []),
    ];
    if (viaServices.length > 0) {
      statements.push(
        {
          // Roles of this account use the key only through these services, never directly; their
          // IAM policies name this key and the same services.
          Sid: "DataServicesForThisAccount",
          Effect: "Allow",
          Principal: { AWS: root },
          Action: cryptography,
          Resource: "*",
          Condition: {
            StringEquals: { "kms:CallerAccount": accountId, "kms:ViaService": viaServices },
          },
        },
        {
          Sid: "DataServicesGrantsForAwsResources",
          Effect: "Allow",
          Principal: { AWS: root },
          Action: ["kms:CreateGrant", "kms:ListGrants", "kms:RevokeGrant"],
          Resource: "*",
          Condition: {
            StringEquals: { "kms:CallerAccount": accountId, "kms:ViaService": viaServices },
            Bool: { "kms:GrantIsForAWSResource": true },
          },
        },
      );
    }
    this.key = new KmsKey(this, "key", {
      description: `${props.namePrefix}: data at rest (database, table, queues, topics, logs)`,
      enableKeyRotation: true,
      rotationPeriodInDays: 365,
      deletionWindowInDays: 30,
      policy: Lazy.stringValue({ produce: () => policyDocument(...statements, ...this.admitted) }),
      lifecycle: { preventDestroy: props.preventDestroy },
    });
    this.accountId = accountId;
    new KmsAlias(this, "alias", {
      name: `alias/${props.namePrefix}-data`,
      targetKeyId: this.key.keyId,
    });
  }

  /**
   * Lets an AWS service encrypt with the key (and decrypt what it encrypted) for sources of this
   * account, e.g. AWS Budgets publishing to an encrypted topic. The resource's own policy (the
   * topic's) names the source ARN; the key binds the service to the account.
   */
  public admitService(sid: string, service: string): void {
    this.admitted.push({
      Sid: sid,
      Effect: "Allow",
      Principal: { Service: service },
      Action: ["kms:Decrypt", "kms:GenerateDataKey*"],
      Resource: "*",
      // The account only: what source ARN a service passes to KMS on a publisher's behalf is not
      // documented for every service (AWS Budgets'), and a mismatch would drop alerts silently.
      Condition: { StringEquals: { "aws:SourceAccount": this.accountId } },
    });
  }
}
