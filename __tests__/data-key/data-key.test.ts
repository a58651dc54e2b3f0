import { describe, expect, it } from "vitest";
import { DataKey, type KeyUsingService } from "../../src/data-key/data-key";
import { bareStack, onlyResource, synth } from "../helpers";

const ACCOUNT = "111111111111";

/** GIVEN a bare stack with the environment's key for these key-using services. */
function dataKey(
  services: KeyUsingService[],
  topicsDeliverToQueues: boolean,
  preventDestroy = true,
) {
  const stack = bareStack();
  new DataKey(stack, "data-key", {
    namePrefix: "orbit-test",
    region: "eu-west-1",
    accountId: ACCOUNT,
    services,
    topicsDeliverToQueues,
    preventDestroy,
  });
  const key = onlyResource(synth(stack), "aws_kms_key");
  const statements = JSON.parse(key.policy as string).Statement as Record<string, unknown>[];
  return { key, bySid: Object.fromEntries(statements.map((s) => [s.Sid, s])) };
}

describe("data key", () => {
  const all = dataKey(["sns", "sqs", "dynamodb", "secretsmanager", "rds"], true);

  it("rotates yearly, waits 30 days before deletion and resists destroy", () => {
    expect(all.key).toMatchObject({
      enable_key_rotation: true,
      rotation_period_in_days: 365,
      deletion_window_in_days: 30,
      lifecycle: { prevent_destroy: true },
    });
  });

  it("without protected data to outlive, terraform destroy may schedule its deletion", () => {
    const key = dataKey(["sqs"], false, false).key;
    expect(key.lifecycle).toEqual({ prevent_destroy: false });
    expect(key.deletion_window_in_days).toBe(30);
  });

  it("admits the account to administer but not use it, and logs and alarms for this account only", () => {
    const { bySid } = all;
    const administration = bySid.AccountAdministersKey!.Action as string[];
    expect(administration).toContain("kms:ScheduleKeyDeletion");
    expect(
      administration.filter((a) => /Encrypt|Decrypt|GenerateDataKey|ReEncrypt|kms:\*/.test(a)),
    ).toEqual([]);
    expect(bySid.CloudWatchLogsForThisAccount).toMatchObject({
      Principal: { Service: "logs.eu-west-1.amazonaws.com" },
      Condition: {
        ArnLike: {
          "kms:EncryptionContext:aws:logs:arn": `arn:aws:logs:eu-west-1:${ACCOUNT}:log-group:*`,
        },
      },
    });
    expect(bySid.CloudWatchAlarmsToEncryptedTopics).toMatchObject({
      Principal: { Service: "cloudwatch.amazonaws.com" },
      Action: ["kms:Decrypt", "kms:GenerateDataKey*"],
      Condition: { StringEquals: { "aws:SourceAccount": ACCOUNT } },
    });
  });

  it("admits exactly the data services present, in a fixed order, for callers of this account", () => {
    expect(all.bySid.DataServicesForThisAccount).toMatchObject({
      Principal: { AWS: `arn:aws:iam::${ACCOUNT}:root` },
      Condition: {
        StringEquals: {
          "kms:CallerAccount": ACCOUNT,
          "kms:ViaService": ["rds", "secretsmanager", "dynamodb", "sqs", "sns"].map(
            (s) => `${s}.eu-west-1.amazonaws.com`,
          ),
        },
      },
    });
    expect(all.bySid.DataServicesGrantsForAwsResources).toMatchObject({
      Action: ["kms:CreateGrant", "kms:ListGrants", "kms:RevokeGrant"],
      Condition: {
        StringEquals: { "kms:ViaService": expect.arrayContaining(["rds.eu-west-1.amazonaws.com"]) },
        Bool: { "kms:GrantIsForAWSResource": true },
      },
    });
    const tablesOnly = dataKey(["dynamodb"], false).bySid;
    for (const sid of ["DataServicesForThisAccount", "DataServicesGrantsForAwsResources"]) {
      expect(
        (tablesOnly[sid]!.Condition as { StringEquals: Record<string, unknown> }).StringEquals[
          "kms:ViaService"
        ],
      ).toEqual(["dynamodb.eu-west-1.amazonaws.com"]);
    }
  });

  it("lets SNS encrypt deliveries to queues only when a queue subscribes to a topic", () => {
    expect(all.bySid.SnsDeliveryToEncryptedQueues).toMatchObject({
      Principal: { Service: "sns.amazonaws.com" },
      Action: ["kms:Decrypt", "kms:GenerateDataKey*"],
      Condition: { StringEquals: { "aws:SourceAccount": ACCOUNT } },
    });
    expect(dataKey(["sqs", "sns"], false).bySid).not.toHaveProperty("SnsDeliveryToEncryptedQueues");
  });

  it("admits no data service at all when the environment holds no data", () => {
    expect(Object.keys(dataKey([], false).bySid)).toEqual([
      "AccountAdministersKey",
      "CloudWatchLogsForThisAccount",
      "CloudWatchAlarmsToEncryptedTopics",
    ]);
  });
});
