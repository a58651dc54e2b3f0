import { Testing } from "cdktf";
import { describe, expect, it } from "vitest";
import { parseConfig } from "../../src/config/load";
import { StateStack } from "../../src/stacks/state-stack";
import { addresses, committedBackend, environmentStack, synth } from "../helpers";

/**
 * Terraform addresses are derived from construct ids. Renaming an id, or moving a construct,
 * changes the address, and Terraform then plans to destroy the old resource and create a new
 * one: for a VPC, a subnet or the state bucket that is an outage or data loss. These lists may
 * only change together with a `moved` block (or `terraform state mv`) in the same commit.
 */
describe("addresses of stateful and foundational resources are pinned", () => {
  it("state stack: bucket and lock table", () => {
    const json = synth(
      new StateStack(Testing.app(), "state", parseConfig().project, committedBackend),
    );
    expect(
      addresses(json)
        .filter((a) => /aws_(s3_bucket|dynamodb_table)\./.test(a))
        .sort(),
    ).toEqual(["aws_dynamodb_table.state_lock_table", "aws_s3_bucket.state_bucket"]);
  });

  it("prod: VPC, subnets, gateways and flow log group", () => {
    const json = synth(environmentStack("prod"));
    const pinned = /^aws_(vpc|subnet|internet_gateway|nat_gateway|eip|cloudwatch_log_group)\./;
    expect(
      addresses(json)
        .filter((a) => pinned.test(a))
        .sort(),
    ).toEqual([
      "aws_cloudwatch_log_group.network_flow_log_group",
      "aws_eip.network_nat_eip_a",
      "aws_eip.network_nat_eip_b",
      "aws_eip.network_nat_eip_c",
      "aws_internet_gateway.network_igw",
      "aws_nat_gateway.network_nat_a",
      "aws_nat_gateway.network_nat_b",
      "aws_nat_gateway.network_nat_c",
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
    expect(
      addresses(json)
        .filter((a) => /^aws_(vpc|subnet)\./.test(a))
        .sort(),
    ).toEqual([
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
