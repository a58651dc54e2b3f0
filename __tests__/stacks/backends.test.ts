import { describe, expect, it } from "vitest";
import { parseConfig } from "../../src/config/load";
import { remoteStateStacks } from "../../src/config/names";
import backendFile from "../../backend.tf.json";
import { backendWith, platformJson } from "../helpers";

describe("remote state", () => {
  it("gives every stack but state an S3 backend from backend.tf.json with its own key and its own state role", () => {
    const config = parseConfig();
    const stacks = platformJson();
    const remote = remoteStateStacks(config);
    expect(remote).toEqual(expect.arrayContaining(["shared", "staging", "prod"]));
    expect(Object.keys(stacks).sort()).toEqual(["state", ...remote].sort());
    const keys = new Set<string>();
    for (const [name, stack] of Object.entries(stacks)) {
      if (name === "state") continue;
      const s3 = stack.terraform.backend?.s3;
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
    for (const stack of Object.values(platformJson())) {
      expect(stack.data?.terraform_remote_state).toBeUndefined();
    }
  });

  it("uses S3 native locking when backend.tf.json asks for it", () => {
    const backend = backendWith({ dynamodb_table: undefined, use_lockfile: true });
    expect(platformJson(backend).prod!.terraform.backend?.s3).toEqual({
      bucket: backend.bucket,
      region: backend.region,
      encrypt: true,
      use_lockfile: true,
      assume_role: { role_arn: "arn:aws:iam::111111111111:role/orbit-terraform-state-prod" },
      key: "orbit/prod.tfstate",
    });
  });

  it("pins every environment's provider to its allowed accounts, region and default tags", () => {
    expect(platformJson().prod!.provider.aws[0]).toEqual({
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
