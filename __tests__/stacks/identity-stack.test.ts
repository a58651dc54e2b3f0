import { Testing } from "cdktf";
import { describe, expect, it } from "vitest";
import { parseConfig } from "../../src/config/load";
import { IdentityStack } from "../../src/stacks/identity-stack";
import { committedBackend, resourcesOf, synth } from "../helpers";

/**
 * `identity-<account>`: CI's identity in an account other than the shared one, applied with that
 * account's own credentials (issue 15, item 1).
 */
describe("IdentityStack", () => {
  const config = parseConfig();
  const json = synth(new IdentityStack(Testing.app(), "222222222222", config, committedBackend));

  it("acts in its own account only, assuming no role of another account", () => {
    expect(json.provider.aws).toEqual([
      expect.objectContaining({ allowed_account_ids: ["222222222222"] }),
    ]);
    expect(json.provider.aws[0]).not.toHaveProperty("assume_role");
  });

  it("holds the account's OIDC provider, plan role, deploy role of its environment and boundary", () => {
    const roles = Object.values(resourcesOf(json, "aws_iam_role")).map((r) => r.name);
    expect(roles).toEqual(
      expect.arrayContaining(["orbit-github-plan", "orbit-github-deploy-prod"]),
    );
    expect(Object.keys(resourcesOf(json, "aws_iam_openid_connect_provider"))).toHaveLength(1);
    expect(Object.values(resourcesOf(json, "aws_iam_policy")).map((p) => p.name)).toContain(
      "orbit-ci-boundary",
    );
  });

  it("keeps its state in the shared bucket under its own key", () => {
    expect(JSON.stringify(json.terraform.backend)).toContain("orbit/identity-222222222222.tfstate");
  });
});
