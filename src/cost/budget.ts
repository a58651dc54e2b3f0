import { BudgetsBudget } from "@cdktf/provider-aws/lib/budgets-budget";
import type { ITerraformDependable } from "cdktf";
import { Construct } from "constructs";

/** Where a budget's alerts go: a topic that accepts what AWS Budgets publishes to it. */
export interface AlertsTopic {
  readonly arn: string;
  /** What makes an acceptance effective (the topic's policy): publishers depend on it. */
  readonly acceptance?: ITerraformDependable;
  /** Lets an AWS service publish to the topic (and use its key) for one source ARN. */
  acceptAlertsFrom(sid: string, service: string, sourceArn: string): void;
}

export interface MonthlyBudgetProps {
  /** The budget's name, unique in the account: `<project>-<environment>-monthly`. */
  readonly name: string;
  readonly accountId: string;
  /** The monthly limit in USD (`cost.monthlyBudgetUsd`). */
  readonly monthlyUsd: number;
  /** Only costs carrying this tag count (`Environment = <name>`, which every resource carries). */
  readonly tag: { readonly key: string; readonly value: string };
  readonly alerts: AlertsTopic;
}

/** Alert when the month is forecast to end above 80% of the budget, and when it passed 100%. */
export const BUDGET_ALERTS = [
  { notificationType: "FORECASTED", threshold: 80 },
  { notificationType: "ACTUAL", threshold: 100 },
] as const;

/**
 * A monthly AWS cost budget for one environment: the costs tagged with its name, measured against
 * `cost.monthlyBudgetUsd`, alerting the environment's alerts topic (and so its on-call) at 80% of
 * the forecast and 100% of the actual spend: before the bill does, and again when it has.
 *
 * The topic must accept `budgets.amazonaws.com` for budgets of this account (its policy, and its
 * key's policy when encrypted): `alerts.acceptAlertsFrom` adds both. The budget is created after
 * the topic's policy (`alerts.acceptance`), so its notifications never meet a topic refusing them.
 *
 * A tag filter sees only costs of tagged resources, and only once the tag is activated as a cost
 * allocation tag in the billing console of the management (payer) account: docs/cost.md.
 *
 * Cost: free (budgets without actions cost nothing).
 */
export class MonthlyBudget extends Construct {
  public readonly budget: BudgetsBudget;

  constructor(scope: Construct, id: string, props: MonthlyBudgetProps) {
    super(scope, id);
    // AWS documents the source as any budget of the account (arn:aws:budgets::<account>:*), not
    // which ARN a notification carries: bind to the account, as the documentation does.
    props.alerts.acceptAlertsFrom(
      "BudgetAlerts",
      "budgets.amazonaws.com",
      `arn:aws:budgets::${props.accountId}:*`,
    );
    this.budget = new BudgetsBudget(this, "budget", {
      name: props.name,
      budgetType: "COST",
      timeUnit: "MONTHLY",
      limitAmount: props.monthlyUsd.toFixed(2),
      limitUnit: "USD",
      costFilter: [{ name: "TagKeyValue", values: [`user:${props.tag.key}$${props.tag.value}`] }],
      notification: BUDGET_ALERTS.map((alert) => ({
        ...alert,
        comparisonOperator: "GREATER_THAN",
        thresholdType: "PERCENTAGE",
        subscriberSnsTopicArns: [props.alerts.arn],
      })),
      dependsOn: props.alerts.acceptance ? [props.alerts.acceptance] : undefined,
    });
  }
}
