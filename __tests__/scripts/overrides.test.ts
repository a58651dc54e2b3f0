import { describe, expect, it } from "vitest";
import { parseConfig } from "../../src/config/load";
import { remoteStateStacks } from "../../src/config/names";
import {
  allServices,
  backendOverride,
  overrideFiles,
  providerOverride,
  remoteStateOverride,
  s3BackendForEmulator,
  servicesOf,
  servicesOfType,
  type Emulator,
} from "../../scripts/terraform/overrides";
import type { StackJson } from "../../scripts/terraform/stack-json";
import { platformJson } from "../helpers";

const emulator: Emulator = {
  url: "http://127.0.0.1:45678",
  accessKey: "AKIATESTKEY",
  secretKey: "test-secret",
};

/** Every stack of the committed configuration, as `app.synth()` writes it. */
function committedStacks(): Record<string, StackJson> {
  return platformJson() as unknown as Record<string, StackJson>;
}
const stacks = committedStacks();

describe("e2e override files", () => {
  it("know an emulator endpoint for every resource and data source type of every stack", () => {
    // Otherwise a type's API calls would leave the emulator (or the run would throw).
    for (const [name, stack] of Object.entries(stacks)) {
      expect(() => servicesOf(stack), name).not.toThrow();
      const endpoints = Object.keys(
        (providerOverride(stack, emulator).provider as { aws: { endpoints: object[] }[] }).aws[0]!
          .endpoints[0]!,
      );
      for (const service of servicesOf(stack))
        expect(endpoints, `${name}: ${service}`).toContain(service);
    }
  });

  it("refuse a type whose service they do not know", () => {
    expect(() => servicesOfType("aws_bedrock_agent")).toThrow(
      /AWS_RESOURCE_TYPES or AWS_DATA_SOURCES in src\/lib\/aws-services\.ts/,
    );
    expect(servicesOfType("aws_route53_record")).toEqual(["route53"]);
    expect(servicesOfType("aws_route_table")).toEqual(["ec2"]);
    expect(servicesOfType("aws_lb_listener_rule")).toEqual(["elbv2"]);
    expect(servicesOfType("aws_appautoscaling_target")).toEqual(["appautoscaling"]);
    expect(servicesOfType("aws_s3_bucket")).toEqual(["s3", "s3control"]);
    expect(servicesOfType("aws_caller_identity")).toEqual(["sts"]);
    expect(servicesOfType("aws_elb_service_account")).toEqual([]);
    expect(allServices()).toEqual([...new Set(allServices())].sort());
  });

  it("point every client the platform's AWS service map knows at the emulator, and no unknown one", () => {
    // The provider's endpoint keys the map names (src/lib/aws-services.ts); a key the provider
    // does not know would fail `terraform init`.
    expect(allServices()).toEqual([
      "acm",
      "appautoscaling",
      "budgets",
      "cloudwatch",
      "dynamodb",
      "ec2",
      "ecr",
      "ecs",
      "elbv2",
      "iam",
      "kms",
      "logs",
      "rds",
      "route53",
      "s3",
      "s3control",
      "secretsmanager",
      "sns",
      "sqs",
      "sts",
      "wafv2",
    ]);
  });

  it("override one provider configuration per alias and leave account checks and roles alone", () => {
    for (const [name, stack] of Object.entries(stacks)) {
      const configs = (
        providerOverride(stack, emulator).provider as { aws: Record<string, unknown>[] }
      ).aws;
      expect(
        configs.map((c) => c.alias),
        name,
      ).toEqual(stack.provider!.aws!.map((c) => c.alias));
      for (const config of configs) {
        // Terraform merges these into the original block: whatever is not here stays as synthesized.
        for (const kept of ["allowed_account_ids", "assume_role", "region", "default_tags"]) {
          expect(config, `${name}: ${kept}`).not.toHaveProperty(kept);
        }
        expect(config.access_key).toBe(emulator.accessKey);
        expect(config.skip_credentials_validation).toBe(false);
        expect(config.skip_requesting_account_id).toBe(false);
        expect(config.s3_use_path_style).toBe(true);
        for (const url of Object.values((config.endpoints as Record<string, string>[])[0]!)) {
          expect(url).toBe(emulator.url);
        }
      }
    }
  });

  it("write the whole s3 backend: the synthesized settings unchanged plus endpoints and keys", () => {
    const remote = remoteStateStacks(parseConfig());
    expect(remote).toEqual(expect.arrayContaining(["shared", "staging", "prod"]));
    for (const name of remote) {
      const synthesized = stacks[name]!.terraform!.backend!.s3!;
      const s3 = (
        backendOverride(stacks[name]!, emulator) as {
          terraform: { backend: { s3: Record<string, unknown> } };
        }
      ).terraform.backend.s3;
      for (const [key, value] of Object.entries(synthesized)) expect(s3[key], key).toEqual(value);
      expect(s3.assume_role).toEqual(synthesized.assume_role);
      expect(s3.endpoints).toEqual({
        s3: emulator.url,
        dynamodb: emulator.url,
        sts: emulator.url,
        iam: emulator.url,
      });
      expect(s3.use_path_style).toBe(true);
    }
    expect(backendOverride(stacks.state!, emulator)).toBeUndefined();
  });

  it("refuse to replace endpoints or keys that the synthesized backend already sets", () => {
    const s3 = { bucket: "b", key: "k", region: "eu-west-1" };
    expect(() => s3BackendForEmulator({ ...s3, endpoints: { s3: "x" } }, emulator)).toThrow();
    expect(() => s3BackendForEmulator({ ...s3, access_key: "x" }, emulator)).toThrow();
    expect(() => s3BackendForEmulator({ bucket: "b", region: "r" }, emulator)).toThrow(/key/);
  });

  it("point every s3 remote state read at the emulator with its whole config", () => {
    const config = {
      bucket: "b",
      key: "p/shared.tfstate",
      region: "eu-west-1",
      dynamodb_table: "locks",
      encrypt: true,
      assume_role: { role_arn: "arn:aws:iam::111111111111:role/state" },
    };
    const reader: StackJson = {
      ...stacks.staging!,
      data: {
        terraform_remote_state: {
          shared: { backend: "s3", config, workspace: "${terraform.workspace}" },
          other: { backend: "local", config: { path: "x.tfstate" } },
        },
      },
    };
    const override = remoteStateOverride(reader, emulator) as {
      data: { terraform_remote_state: Record<string, { config: Record<string, unknown> }> };
    };
    // Only the s3 one, and only its config: Terraform replaces that argument as a whole.
    expect(Object.keys(override.data.terraform_remote_state)).toEqual(["shared"]);
    const written = override.data.terraform_remote_state.shared!;
    expect(Object.keys(written)).toEqual(["config"]);
    expect(written.config).toMatchObject(config);
    expect(written.config.endpoints).toMatchObject({ s3: emulator.url, sts: emulator.url });
    expect(Object.keys(overrideFiles(reader, emulator)).sort()).toEqual([
      "backend_override.tf.json",
      "provider_override.tf.json",
      "remote_state_override.tf.json",
    ]);
    expect(Object.keys(overrideFiles(stacks.state!, emulator))).toEqual([
      "provider_override.tf.json",
    ]);
  });

  it("name files that Terraform reads as overrides", () => {
    for (const file of Object.keys(overrideFiles(stacks.staging!, emulator))) {
      expect(file).toMatch(/_override\.tf\.json$/);
    }
  });
});
