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

  it("admits the account to administer but not use it, and the services that use it for this account", () => {
    expect(Object.keys(bySid)).toEqual([
      "AccountAdministersKey",
      "CloudWatchLogsForThisAccount",
      "SnsDeliveryToEncryptedQueues",
      "CloudWatchAlarmsToEncryptedTopics",
      "DataServicesForThisAccount",
      "DataServicesGrantsForAwsResources",
    ]);
    const administration = bySid.AccountAdministersKey!.Action as string[];
    expect(administration).toContain("kms:ScheduleKeyDeletion");
    expect(
      administration.filter((a) => /Encrypt|Decrypt|GenerateDataKey|ReEncrypt|kms:\*/.test(a)),
    ).toEqual([]);
    expect(bySid.DataServicesGrantsForAwsResources).toMatchObject({
      Action: ["kms:CreateGrant", "kms:ListGrants", "kms:RevokeGrant"],
      Condition: { Bool: { "kms:GrantIsForAWSResource": true } },
    });
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
