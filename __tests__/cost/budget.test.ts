import { describe, expect, it } from "vitest";
import { BUDGET_ALERTS, MonthlyBudget, type AlertsTopic } from "../../src/cost/budget";
import {
  bareStack,
  committedEnvironment,
  environmentJson,
  onlyResource,
  resourcesOf,
  synth,
} from "../helpers";

/** GIVEN a bare stack and an alerts topic that records who it was asked to accept. */
function budget(monthlyUsd = 150) {
  const stack = bareStack();
  const accepted: [string, string, string][] = [];
  const alerts: AlertsTopic = {
    arn: "arn:aws:sns:eu-west-1:111111111111:orbit-test-alerts",
    acceptAlertsFrom: (...args) => void accepted.push(args),
  };
  new MonthlyBudget(stack, "budget", {
    name: "orbit-test-monthly",
    accountId: "111111111111",
    monthlyUsd,
    tag: { key: "Environment", value: "test" },
    alerts,
  });
  return { json: synth(stack), accepted };
}

describe("MonthlyBudget", () => {
  it("is a monthly USD cost budget of the costs tagged with the environment", () => {
    const values = onlyResource(budget(150).json, "aws_budgets_budget");
    expect(values).toMatchObject({
      name: "orbit-test-monthly",
      budget_type: "COST",
      time_unit: "MONTHLY",
      limit_amount: "150.00",
      limit_unit: "USD",
      cost_filter: [{ name: "TagKeyValue", values: ["user:Environment$test"] }],
    });
  });

  it("alerts the topic at 80% of the forecast and at 100% of the actual spend", () => {
    const values = onlyResource(budget().json, "aws_budgets_budget");
    expect(values.notification).toEqual([
      {
        comparison_operator: "GREATER_THAN",
        notification_type: "FORECASTED",
        threshold: 80,
        threshold_type: "PERCENTAGE",
        subscriber_sns_topic_arns: ["arn:aws:sns:eu-west-1:111111111111:orbit-test-alerts"],
      },
      {
        comparison_operator: "GREATER_THAN",
        notification_type: "ACTUAL",
        threshold: 100,
        threshold_type: "PERCENTAGE",
        subscriber_sns_topic_arns: ["arn:aws:sns:eu-west-1:111111111111:orbit-test-alerts"],
      },
    ]);
    expect(BUDGET_ALERTS.map((a) => a.threshold)).toEqual([80, 100]);
  });

  it("asks the topic to accept AWS Budgets for budgets of this account, as AWS documents the source", () => {
    expect(budget().accepted).toEqual([
      ["BudgetAlerts", "budgets.amazonaws.com", "arn:aws:budgets::111111111111:*"],
    ]);
  });
});

describe("an environment's budget (wiring)", () => {
  const json = environmentJson("staging");
  const statementsOf = (policy: unknown) =>
    (JSON.parse(String(policy)) as { Statement: Record<string, unknown>[] }).Statement;

  it("takes cost.monthlyBudgetUsd and alerts the environment's alerts topic", () => {
    const values = onlyResource(json, "aws_budgets_budget");
    expect(values).toMatchObject({
      name: "orbit-staging-monthly",
      limit_amount: committedEnvironment("staging").cost.monthlyBudgetUsd.toFixed(2),
      cost_filter: [{ name: "TagKeyValue", values: ["user:Environment$staging"] }],
    });
    const alerts = Object.entries(resourcesOf(json, "aws_sns_topic")).find(
      ([, t]) => t.name === "orbit-staging-alerts",
    )![0];
    for (const n of values.notification as { subscriber_sns_topic_arns: string[] }[])
      expect(n.subscriber_sns_topic_arns).toEqual([`\${aws_sns_topic.${alerts}.arn}`]);
  });

  it("the alerts topic admits the environment's alarms and the account's budgets, and nobody else", () => {
    const policy = onlyResource(json, "aws_sns_topic_policy");
    const statements = statementsOf(policy.policy);
    expect(statements.map((s) => [s.Sid, s.Principal, s.Action])).toEqual([
      ["CloudWatchAlarms", { Service: "cloudwatch.amazonaws.com" }, "sns:Publish"],
      ["BudgetAlerts", { Service: "budgets.amazonaws.com" }, "sns:Publish"],
    ]);
    expect(statements[1]!.Condition).toEqual({
      StringEquals: { "aws:SourceAccount": "${data.aws_caller_identity.account.account_id}" },
      ArnLike: {
        "aws:SourceArn": "arn:aws:budgets::${data.aws_caller_identity.account.account_id}:*",
      },
    });
    // Created after the policy that lets it publish.
    expect(onlyResource(json, "aws_budgets_budget").depends_on).toEqual([
      `aws_sns_topic_policy.${Object.keys(resourcesOf(json, "aws_sns_topic_policy"))[0]}`,
    ]);
  });

  it("the data key lets AWS Budgets of this account encrypt (the topic is encrypted)", () => {
    const key = onlyResource(json, "aws_kms_key");
    const budgets = statementsOf(key.policy).find((s) => s.Sid === "BudgetAlerts")!;
    expect(budgets).toMatchObject({
      Principal: { Service: "budgets.amazonaws.com" },
      Action: ["kms:Decrypt", "kms:GenerateDataKey*"],
      Condition: {
        StringEquals: { "aws:SourceAccount": "${data.aws_caller_identity.account.account_id}" },
      },
    });
  });
});
