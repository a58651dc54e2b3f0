import { Testing } from "cdktf";
import { describe, expect, it } from "vitest";
import { parseConfig } from "../../src/config/load";
import { SharedStack } from "../../src/stacks/shared-stack";
import { StateStack } from "../../src/stacks/state-stack";
import { addresses, committedBackend, environmentStack, synth } from "../helpers";

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

  it("prod: network, load balancer, service, data, key, logs", () => {
    const json = synth(environmentStack("prod"));
    const pinned =
      /^aws_(vpc|subnet|internet_gateway|nat_gateway|eip|cloudwatch_log_group|s3_bucket|lb|lb_target_group|ecs_cluster|ecs_service|acm_certificate|db_instance|db_subnet_group|db_parameter_group|dynamodb_table|sqs_queue|sns_topic|kms_key)\./;
    expect(pick(addresses(json), pinned)).toEqual([
      "aws_acm_certificate.load_balancer_certificate",
      "aws_cloudwatch_log_group.database_log_postgresql",
      "aws_cloudwatch_log_group.database_log_upgrade",
      "aws_cloudwatch_log_group.load_balancer_waf_logs",
      "aws_cloudwatch_log_group.network_flow_log_group",
      "aws_cloudwatch_log_group.service_logs",
      "aws_db_instance.database_instance",
      "aws_db_parameter_group.database_parameters",
      "aws_db_subnet_group.database_subnets",
      "aws_dynamodb_table.key_value_store_table",
      "aws_ecs_cluster.service_cluster",
      "aws_ecs_service.service_service",
      "aws_eip.network_nat_eip_a",
      "aws_eip.network_nat_eip_b",
      "aws_eip.network_nat_eip_c",
      "aws_internet_gateway.network_igw",
      "aws_kms_key.data_key_key",
      "aws_lb.load_balancer_alb",
      "aws_lb_target_group.load_balancer_targets",
      "aws_nat_gateway.network_nat_a",
      "aws_nat_gateway.network_nat_b",
      "aws_nat_gateway.network_nat_c",
      "aws_s3_bucket.load_balancer_access_logs_bucket",
      "aws_sns_topic.messaging_events",
      "aws_sns_topic.monitoring_alerts",
      "aws_sqs_queue.messaging_dead_letters",
      "aws_sqs_queue.messaging_queue",
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

  it("staging: VPC and subnets", () => {
    const json = synth(environmentStack("staging"));
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
