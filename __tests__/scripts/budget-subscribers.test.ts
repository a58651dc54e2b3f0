import { describe, expect, it } from "vitest";
import { BudgetSubscribers, notificationKey } from "../../scripts/terraform/budget-subscribers";

const forecast = {
  NotificationType: "FORECASTED",
  ComparisonOperator: "GREATER_THAN",
  Threshold: 80,
  ThresholdType: "PERCENTAGE",
};
const actual = { NotificationType: "ACTUAL", ComparisonOperator: "GREATER_THAN", Threshold: 100 };
const topic = {
  SubscriptionType: "SNS",
  Address: "arn:aws:sns:eu-west-1:111111111111:orbit-staging-alerts",
};
const budget = { AccountId: "111111111111", BudgetName: "orbit-staging-monthly" };

describe("AWS Budgets subscribers and tags answered in front of moto", () => {
  it("answers each notification's subscribers as CreateBudget gave them", () => {
    const gap = new BudgetSubscribers();
    gap.observe("CreateBudget", {
      AccountId: budget.AccountId,
      Budget: { BudgetName: budget.BudgetName },
      NotificationsWithSubscribers: [
        { Notification: forecast, Subscribers: [topic] },
        { Notification: actual, Subscribers: [topic] },
      ],
      ResourceTags: [{ Key: "Project", Value: "orbit" }],
    });
    expect(
      gap.answer("DescribeSubscribersForNotification", { ...budget, Notification: forecast })?.body,
    ).toEqual({
      Subscribers: [topic],
    });
    // ThresholdType defaults to PERCENTAGE, as in the API
    expect(
      gap.answer("DescribeSubscribersForNotification", {
        ...budget,
        Notification: { ...actual, ThresholdType: "PERCENTAGE" },
      })?.body,
    ).toEqual({ Subscribers: [topic] });
    expect(
      gap.answer("ListTagsForResource", {
        ResourceARN: "arn:aws:budgets::111111111111:budget/orbit-staging-monthly",
      })?.body,
    ).toEqual({ ResourceTags: [{ Key: "Project", Value: "orbit" }] });
  });

  it("forgets a deleted notification and a deleted budget's notifications", () => {
    const gap = new BudgetSubscribers();
    gap.observe("CreateNotification", { ...budget, Notification: actual, Subscribers: [topic] });
    gap.observe("DeleteNotification", { ...budget, Notification: actual });
    expect(
      gap.answer("DescribeSubscribersForNotification", { ...budget, Notification: actual })?.status,
    ).toBe(400);
    gap.observe("CreateNotification", { ...budget, Notification: forecast, Subscribers: [topic] });
    gap.observe("DeleteBudget", budget);
    expect(
      gap.answer("DescribeSubscribersForNotification", { ...budget, Notification: forecast })
        ?.status,
    ).toBe(400);
  });

  it("tells notifications apart by type, operator, threshold and threshold type", () => {
    expect(notificationKey("a", "b", forecast)).not.toBe(
      notificationKey("a", "b", { ...forecast, Threshold: 90 }),
    );
    expect(notificationKey("a", "b", actual)).toBe(
      notificationKey("a", "b", { ...actual, ThresholdType: "PERCENTAGE" }),
    );
  });

  it("leaves the budget itself to moto", () => {
    expect(new BudgetSubscribers().answer("DescribeBudget", budget)).toBeUndefined();
  });
});
