// The subscribers and tags of AWS Budgets notifications, answered in front of moto
// (emulator-front.ts).
//
// moto 5.2.5 keeps budgets and their notifications but implements neither
// DescribeSubscribersForNotification nor the tagging API (moto/budgets/responses.py:
// create/describe/delete of budgets and notifications only); the provider reads both after
// creating a budget and gets a 500 with an HTML body. This gap keeps the subscribers each
// notification was created with (CreateBudget's NotificationsWithSubscribers, CreateNotification)
// and the budget's ResourceTags, and answers those reads; moto keeps the budget and notifications.
import type { Answer, Gap, JsonBody } from "./emulator-front";

interface Subscriber {
  SubscriptionType: string;
  Address: string;
}
interface Tag {
  Key: string;
  Value: string;
}

/** A notification's identity in the API (ThresholdType defaults to PERCENTAGE). */
export function notificationKey(account: unknown, budget: unknown, n: unknown): string {
  const x = (n ?? {}) as JsonBody;
  return [
    String(account),
    String(budget),
    String(x.NotificationType),
    String(x.ComparisonOperator),
    Number(x.Threshold),
    String(x.ThresholdType ?? "PERCENTAGE"),
  ].join("|");
}

const budgetArn = (account: unknown, budget: unknown) =>
  `arn:aws:budgets::${String(account)}:budget/${String(budget)}`;

export class BudgetSubscribers implements Gap {
  readonly targetPrefix = "AWSBudgetServiceGateway.";
  private readonly subscribers = new Map<string, Subscriber[]>();
  private readonly tags = new Map<string, Tag[]>();

  answer(operation: string, request: JsonBody): Answer | undefined {
    switch (operation) {
      case "DescribeSubscribersForNotification": {
        const found = this.subscribers.get(
          notificationKey(request.AccountId, request.BudgetName, request.Notification),
        );
        if (!found) {
          return {
            status: 400,
            body: { __type: "NotFoundException", message: "no such notification" },
          };
        }
        return { status: 200, body: { Subscribers: found } };
      }
      case "ListTagsForResource":
        return {
          status: 200,
          body: { ResourceTags: this.tags.get(String(request.ResourceARN)) ?? [] },
        };
      case "TagResource": {
        const arn = String(request.ResourceARN);
        const kept = (this.tags.get(arn) ?? []).filter(
          (t) => !((request.ResourceTags as Tag[] | undefined) ?? []).some((n) => n.Key === t.Key),
        );
        this.tags.set(arn, [...kept, ...((request.ResourceTags as Tag[] | undefined) ?? [])]);
        return { status: 200, body: {} };
      }
      case "UntagResource": {
        const arn = String(request.ResourceARN);
        const gone = (request.ResourceTagKeys as string[] | undefined) ?? [];
        this.tags.set(
          arn,
          (this.tags.get(arn) ?? []).filter((t) => !gone.includes(t.Key)),
        );
        return { status: 200, body: {} };
      }
      default:
        return undefined;
    }
  }

  observe(operation: string, request: JsonBody): void {
    const budget = (request.Budget as JsonBody | undefined)?.BudgetName ?? request.BudgetName;
    switch (operation) {
      case "CreateBudget":
        for (const n of (request.NotificationsWithSubscribers as JsonBody[] | undefined) ?? []) {
          this.subscribers.set(
            notificationKey(request.AccountId, budget, n.Notification),
            (n.Subscribers as Subscriber[] | undefined) ?? [],
          );
        }
        this.tags.set(
          budgetArn(request.AccountId, budget),
          (request.ResourceTags as Tag[] | undefined) ?? [],
        );
        break;
      case "CreateNotification":
        this.subscribers.set(
          notificationKey(request.AccountId, budget, request.Notification),
          (request.Subscribers as Subscriber[] | undefined) ?? [],
        );
        break;
      case "DeleteNotification":
        this.subscribers.delete(notificationKey(request.AccountId, budget, request.Notification));
        break;
      case "DeleteBudget":
        for (const key of [...this.subscribers.keys()]) {
          if (key.startsWith(`${String(request.AccountId)}|${String(budget)}|`))
            this.subscribers.delete(key);
        }
        this.tags.delete(budgetArn(request.AccountId, budget));
        break;
    }
  }
}
