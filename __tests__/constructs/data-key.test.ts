import { describe, expect, it } from "vitest";
import { environmentStack, onlyResource, synth } from "../helpers";

const account = "${data.aws_caller_identity.account.account_id}";

describe("data key", () => {
  const key = onlyResource(synth(environmentStack("prod")), "aws_kms_key");
  const statements = JSON.parse(key.policy as string).Statement as Record<string, unknown>[];
  const bySid = Object.fromEntries(statements.map((s) => [s.Sid, s]));

  it("rotates yearly, waits 30 days before deletion and resists destroy", () => {
    expect(key).toMatchObject({
      enable_key_rotation: true,
      rotation_period_in_days: 365,
      deletion_window_in_days: 30,
      lifecycle: { prevent_destroy: true },
    });
  });

  it("admits exactly the account (for IAM), CloudWatch Logs and alarms, SNS, and the data services via this account", () => {
    expect(Object.keys(bySid)).toEqual([
      "AccountManagesKeyThroughIam",
      "CloudWatchLogsForThisAccount",
      "SnsDeliveryToEncryptedQueues",
      "CloudWatchAlarmsToEncryptedTopics",
      "DataServicesForThisAccount",
    ]);
    expect(bySid.CloudWatchLogsForThisAccount).toMatchObject({
      Principal: { Service: "logs.eu-west-1.amazonaws.com" },
      Condition: {
        ArnLike: {
          "kms:EncryptionContext:aws:logs:arn": `arn:aws:logs:eu-west-1:${account}:log-group:*`,
        },
      },
    });
    expect(bySid.SnsDeliveryToEncryptedQueues).toMatchObject({
      Principal: { Service: "sns.amazonaws.com" },
      Condition: { StringEquals: { "aws:SourceAccount": account } },
    });
    expect(bySid.CloudWatchAlarmsToEncryptedTopics).toMatchObject({
      Principal: { Service: "cloudwatch.amazonaws.com" },
      Action: ["kms:Decrypt", "kms:GenerateDataKey*"],
      Condition: { StringEquals: { "aws:SourceAccount": account } },
    });
    expect(bySid.DataServicesForThisAccount).toMatchObject({
      Principal: { AWS: `arn:aws:iam::${account}:root` },
      Condition: {
        StringEquals: {
          "kms:CallerAccount": account,
          "kms:ViaService": ["rds", "secretsmanager", "dynamodb", "sqs", "sns"].map(
            (s) => `${s}.eu-west-1.amazonaws.com`,
          ),
        },
      },
    });
  });
});
