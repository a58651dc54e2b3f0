/**
 * Addresses of round 1 (one service, one table, one queue and topic, named in code) and where
 * the same resources live now that an environment declares its services and data. The
 * environment stack emits a `moved` block for each whose target exists, so the first apply after
 * the change moves them in state instead of destroying and recreating them; their AWS names did
 * not change. Remove an entry once every environment's state has been applied past it.
 *
 * The API's ECS service, task definition, roles, security group, target group and log group are
 * not here: their names now carry the service's name (`<prefix>-api`), so Terraform replaces
 * them (all stateless; the old log group's events expire with it; see docs/releasing.md).
 */
export interface LegacyAddress {
  /** The round-1 address, `type.name`. */
  readonly from: string;
  /** The construct that holds the resource now: a child of the stack, then its child. */
  readonly to: { readonly construct: string; readonly child: string };
}

export const LEGACY_ADDRESSES: readonly LegacyAddress[] = [
  {
    from: "aws_dynamodb_table.key_value_store_table",
    to: { construct: "table-items", child: "table" },
  },
  { from: "aws_sns_topic.messaging_events", to: { construct: "topic-events", child: "topic" } },
  { from: "aws_sqs_queue.messaging_queue", to: { construct: "queue-events", child: "queue" } },
  {
    from: "aws_sqs_queue.messaging_dead_letters",
    to: { construct: "queue-events", child: "dead-letters" },
  },
  {
    from: "aws_sqs_queue_redrive_allow_policy.messaging_dead_letters_allow",
    to: { construct: "queue-events", child: "dead-letters-allow" },
  },
  {
    from: "aws_sqs_queue_policy.messaging_queue_policy",
    to: { construct: "queue-events", child: "policy" },
  },
  {
    from: "aws_sns_topic_subscription.messaging_queue_subscription",
    to: { construct: "queue-events", child: "subscription-events" },
  },
  { from: "aws_ecs_cluster.service_cluster", to: { construct: "cluster", child: "cluster" } },
  {
    from: "aws_ecs_cluster_capacity_providers.service_capacity_providers",
    to: { construct: "cluster", child: "capacity-providers" },
  },
];
