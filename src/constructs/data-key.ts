import { KmsAlias } from "@cdktf/provider-aws/lib/kms-alias";
import { KmsKey } from "@cdktf/provider-aws/lib/kms-key";
import { Construct } from "constructs";
import { policyDocument } from "../lib/iam";

/** The AWS services that encrypt this environment's data with the key on a caller's behalf. */
export const KEY_USING_SERVICES = ["rds", "secretsmanager", "dynamodb", "sqs", "sns"] as const;

export interface DataKeyProps {
  readonly namePrefix: string;
  readonly region: string;
  readonly accountId: string;
}

/**
 * One customer-managed KMS key per environment for its data: the database and its backups,
 * Performance Insights, the master user secret, the table, the queues, the topics and the log
 * groups. Rotated yearly; a deleted key waits 30 days.
 *
 * The key policy admits:
 * - the account, so IAM policies decide which roles may use it (the task and execution roles get
 *   exactly the actions they need, on this key's ARN);
 * - CloudWatch Logs, for log groups of this account only (encryption context);
 * - SNS, to encrypt messages it delivers to the encrypted queue, for this account only;
 * - CloudWatch, to publish alarms to the encrypted alerts topic, for this account only;
 * - RDS, Secrets Manager, DynamoDB, SQS and SNS acting for callers of this account (`kms:ViaService`).
 *
 * Cost per month: $1 for the key plus $0.03 per 10,000 requests.
 */
export class DataKey extends Construct {
  public readonly key: KmsKey;

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
    this.key = new KmsKey(this, "key", {
      description: `${props.namePrefix}: data at rest (database, table, queues, topics, logs)`,
      enableKeyRotation: true,
      rotationPeriodInDays: 365,
      deletionWindowInDays: 30,
      // In a key policy, "*" as the resource means this key and nothing else.
      policy: policyDocument(
        {
          Sid: "AccountManagesKeyThroughIam",
          Effect: "Allow",
          Principal: { AWS: root },
          Action: "kms:*",
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
        {
          Sid: "SnsDeliveryToEncryptedQueues",
          Effect: "Allow",
          Principal: { Service: "sns.amazonaws.com" },
          Action: ["kms:Decrypt", "kms:GenerateDataKey*"],
          Resource: "*",
          Condition: { StringEquals: { "aws:SourceAccount": accountId } },
        },
        {
          Sid: "CloudWatchAlarmsToEncryptedTopics",
          Effect: "Allow",
          Principal: { Service: "cloudwatch.amazonaws.com" },
          Action: ["kms:Decrypt", "kms:GenerateDataKey*"],
          Resource: "*",
          Condition: { StringEquals: { "aws:SourceAccount": accountId } },
        },
        {
          Sid: "DataServicesForThisAccount",
          Effect: "Allow",
          Principal: { AWS: root },
          Action: [...cryptography, "kms:CreateGrant", "kms:ListGrants"],
          Resource: "*",
          Condition: {
            StringEquals: {
              "kms:CallerAccount": accountId,
              "kms:ViaService": KEY_USING_SERVICES.map(
                (service) => `${service}.${region}.amazonaws.com`,
              ),
            },
          },
        },
      ),
      lifecycle: { preventDestroy: true },
    });
    new KmsAlias(this, "alias", {
      name: `alias/${props.namePrefix}-data`,
      targetKeyId: this.key.keyId,
    });
  }
}
