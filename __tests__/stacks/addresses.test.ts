import { Testing } from "cdktf";
import { describe, expect, it } from "vitest";
import { parseConfig } from "../../src/config/load";
import { SharedStack } from "../../src/stacks/shared-stack";
import { StateStack } from "../../src/stacks/state-stack";
import { addresses, committedBackend, synth, environmentJson } from "../helpers";

/**
 * Terraform addresses are derived from construct ids. Renaming an id, or moving a construct,
 * changes the address, and Terraform then plans to destroy the old resource and create a new
 * one: for a VPC, a subnet, a bucket or the state table that is an outage or data loss. These
 * lists may only change together with a `moved` block (or `terraform state mv`) in the same commit.
 */
describe("addresses of stateful and foundational resources are pinned", () => {
  const pick = (all: string[], pattern: RegExp) => all.filter((a) => pattern.test(a)).sort();

  it("state stack: bucket and lock table", () => {
    const json = synth(new StateStack(Testing.app(), "state", parseConfig(), committedBackend));
    expect(pick(addresses(json), /^aws_(s3_bucket|dynamodb_table)\./)).toEqual([
      "aws_dynamodb_table.state_lock_table",
      "aws_s3_bucket.state_bucket",
    ]);
  });

  it("shared stack: the image repository", () => {
    const json = synth(new SharedStack(Testing.app(), "shared", parseConfig(), committedBackend));
    expect(pick(addresses(json), /^aws_ecr_repository\./)).toEqual([
      "aws_ecr_repository.images_repository",
    ]);
  });

  it("prod: network, load balancer, cluster, services, data, key, logs", () => {
    const json = environmentJson("prod");
    const pinned =
      /^aws_(vpc|subnet|internet_gateway|nat_gateway|eip|cloudwatch_log_group|s3_bucket|lb|lb_target_group|ecs_cluster|ecs_service|acm_certificate|db_instance|db_subnet_group|db_parameter_group|dynamodb_table|sqs_queue|sns_topic|kms_key)\./;
    expect(pick(addresses(json), pinned)).toEqual([
      "aws_acm_certificate.load_balancer_certificate",
      "aws_cloudwatch_log_group.database_log_postgresql",
      "aws_cloudwatch_log_group.database_log_upgrade",
      "aws_cloudwatch_log_group.load_balancer_waf_logs",
      "aws_cloudwatch_log_group.network_flow_log_group",
      "aws_cloudwatch_log_group.service_api_logs",
      "aws_cloudwatch_log_group.service_worker_logs",
      "aws_db_instance.database_instance",
      "aws_db_parameter_group.database_parameters",
      "aws_db_subnet_group.database_subnets",
      "aws_dynamodb_table.table_items_table",
      "aws_ecs_cluster.cluster_cluster",
      "aws_ecs_service.service_api_service",
      "aws_ecs_service.service_worker_service",
      "aws_eip.network_nat_eip_a",
      "aws_eip.network_nat_eip_b",
      "aws_eip.network_nat_eip_c",
      "aws_internet_gateway.network_igw",
      "aws_kms_key.data_key_key",
      "aws_lb.load_balancer_alb",
      "aws_lb_target_group.load_balancer_target_api",
      "aws_lb_target_group.load_balancer_target_api_alternate",
      "aws_nat_gateway.network_nat_a",
      "aws_nat_gateway.network_nat_b",
      "aws_nat_gateway.network_nat_c",
      "aws_s3_bucket.load_balancer_access_logs_bucket",
      "aws_sns_topic.monitoring_alerts",
      "aws_sns_topic.topic_events_topic",
      "aws_sqs_queue.queue_events_dead_letters",
      "aws_sqs_queue.queue_events_queue",
      "aws_subnet.network_isolated_a",
      "aws_subnet.network_isolated_b",
      "aws_subnet.network_isolated_c",
      "aws_subnet.network_private_a",
      "aws_subnet.network_private_b",
      "aws_subnet.network_private_c",
      "aws_subnet.network_public_a",
      "aws_subnet.network_public_b",
      "aws_subnet.network_public_c",
      "aws_vpc.network_vpc",
    ]);
  });

  it.each(["prod", "staging"])(
    "%s: moves the table, topic, queues, their policies and subscription, and the cluster from their round-1 addresses",
    (name) => {
      const json = environmentJson(name);
      const moved = [
        ["aws_dynamodb_table.key_value_store_table", "aws_dynamodb_table.table_items_table"],
        ["aws_sns_topic.messaging_events", "aws_sns_topic.topic_events_topic"],
        ["aws_sqs_queue.messaging_queue", "aws_sqs_queue.queue_events_queue"],
        ["aws_sqs_queue.messaging_dead_letters", "aws_sqs_queue.queue_events_dead_letters"],
        [
          "aws_sqs_queue_redrive_allow_policy.messaging_dead_letters_allow",
          "aws_sqs_queue_redrive_allow_policy.queue_events_dead_letters_allow",
        ],
        ["aws_sqs_queue_policy.messaging_queue_policy", "aws_sqs_queue_policy.queue_events_policy"],
        [
          "aws_sns_topic_subscription.messaging_queue_subscription",
          "aws_sns_topic_subscription.queue_events_subscription_events",
        ],
        ["aws_ecs_cluster.service_cluster", "aws_ecs_cluster.cluster_cluster"],
        [
          "aws_ecs_cluster_capacity_providers.service_capacity_providers",
          "aws_ecs_cluster_capacity_providers.cluster_capacity_providers",
        ],
      ];
      expect(
        (json.moved ?? []).map(({ from, to }) => [from, to]).sort(),
        "one moved block from each round-1 address, to a resource of this stack",
      ).toEqual(moved.sort());
      const present = new Set(addresses(json));
      for (const [from, to] of moved) {
        expect(present.has(to!), `${to} exists`).toBe(true);
        expect(present.has(from!), `${from} is gone`).toBe(false);
      }
    },
  );

  it("emits no moved block for a round-1 resource whose new home the environment does not declare", () => {
    const json = environmentJson("staging", {
      queues: { events: { subscribesTo: [] } },
      topics: undefined,
      services: { api: { uses: { topics: undefined } } },
    });
    const from = (json.moved ?? []).map((m) => m.from);
    expect(from).not.toContain("aws_sns_topic.messaging_events");
    expect(from).not.toContain("aws_sns_topic_subscription.messaging_queue_subscription");
    expect(from).not.toContain("aws_sqs_queue_policy.messaging_queue_policy");
    expect(from).toContain("aws_sqs_queue.messaging_queue");
  });

  it("staging: VPC and subnets", () => {
    const json = environmentJson("staging");
    expect(pick(addresses(json), /^aws_(vpc|subnet)\./)).toEqual([
      "aws_subnet.network_isolated_a",
      "aws_subnet.network_isolated_b",
      "aws_subnet.network_private_a",
      "aws_subnet.network_private_b",
      "aws_subnet.network_public_a",
      "aws_subnet.network_public_b",
      "aws_vpc.network_vpc",
    ]);
  });
});
