import { App, Testing } from "cdktf";
import { describe, expect, it } from "vitest";
import { buildPlatform } from "../../src/app";
import { parseConfig } from "../../src/config/load";
import { remoteStateStacks } from "../../src/config/names";
import type { PlatformStack } from "../../src/stacks/platform-stack";
import backendFile from "../../backend.tf.json";
import { backendWith, committedBackend, synth } from "../helpers";

function stacksOf(app: App): Record<string, PlatformStack> {
  return Object.fromEntries(
    app.node.children.map((stack) => [stack.node.id, stack as PlatformStack]),
  );
}

describe("remote state", () => {
  it("gives every stack but state an S3 backend from backend.tf.json with its own key and its own state role", () => {
    const app = Testing.app();
    const config = parseConfig();
    buildPlatform(app, config, committedBackend);
    const stacks = stacksOf(app);
    const remote = remoteStateStacks(config);
    expect(remote).toEqual(expect.arrayContaining(["shared", "staging", "prod"]));
    expect(Object.keys(stacks).sort()).toEqual(["state", ...remote].sort());
    const keys = new Set<string>();
    for (const [name, stack] of Object.entries(stacks)) {
      if (name === "state") continue;
      const s3 = synth(stack).terraform.backend?.s3;
      expect(s3).toEqual({
        ...backendFile.terraform.backend.s3,
        key: `orbit/${name}.tfstate`,
        assume_role: { role_arn: `arn:aws:iam::111111111111:role/orbit-terraform-state-${name}` },
      });
      keys.add(s3?.key as string);
    }
    expect(keys.size).toBe(remote.length);
  });

  it("reads no other stack's state: no stack has a terraform_remote_state", () => {
    const app = Testing.app();
    buildPlatform(app, parseConfig(), committedBackend);
    for (const stack of Object.values(stacksOf(app))) {
      expect(synth(stack).data?.terraform_remote_state).toBeUndefined();
    }
  });

  it("uses S3 native locking when backend.tf.json asks for it", () => {
    const backend = backendWith({ dynamodb_table: undefined, use_lockfile: true });
    const app = Testing.app();
    buildPlatform(app, parseConfig(), backend);
    expect(synth(stacksOf(app).prod!).terraform.backend?.s3).toEqual({
      bucket: backend.bucket,
      region: backend.region,
      encrypt: true,
      use_lockfile: true,
      assume_role: { role_arn: "arn:aws:iam::111111111111:role/orbit-terraform-state-prod" },
      key: "orbit/prod.tfstate",
    });
  });

  it("pins every environment's provider to its allowed accounts, region and default tags", () => {
    const app = Testing.app();
    buildPlatform(app, parseConfig(), committedBackend);
    expect(synth(stacksOf(app).prod!).provider.aws[0]).toEqual({
      region: "eu-west-1",
      allowed_account_ids: ["222222222222"],
      default_tags: [
        {
          tags: {
            CostCenter: "platform",
            DataClassification: "confidential",
            Project: "orbit",
            Environment: "prod",
            ManagedBy: "cdktf",
          },
        },
      ],
    });
  });
});
