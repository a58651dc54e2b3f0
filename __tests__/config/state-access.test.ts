import { describe, expect, it } from "vitest";
import { assertBackendFitsProject } from "../../src/config/backend";
import { committedConfig, parseConfig, type PlatformInput } from "../../src/config/load";
import { stateBreakGlassRoleArn, stateRoleTrustedPrincipals } from "../../src/config/names";
import { committedBackend, configProblems } from "../helpers";

/**
 * Who may reach Terraform state besides the CI roles: the administrator role of each account
 * (`project.administratorRoleName`) and the break-glass role (`project.stateBreakGlassRoleArn`),
 * which must be in the state bucket's account.
 */
const withProject = (patch: Record<string, unknown>) =>
  parseConfig({
    ...committedConfig,
    project: { ...committedConfig.project, ...patch },
  } as PlatformInput);
const stacks = ["shared", "identity-222222222222", "staging", "prod"];

describe("state access settings", () => {
  it("default the break-glass role to the shared account's administrator role", () => {
    expect(stateBreakGlassRoleArn(parseConfig().project)).toBe(
      "arn:aws:iam::111111111111:role/OrganizationAccountAccessRole",
    );
    const config = withProject({
      administratorRoleName: "platform-admin",
      stateBreakGlassRoleArn: "arn:aws:iam::111111111111:role/state-break-glass",
    });
    expect(stateRoleTrustedPrincipals(config, "prod", "write")).toEqual([
      "arn:aws:iam::222222222222:role/orbit-github-deploy-prod",
      "arn:aws:iam::222222222222:role/platform-admin",
      "arn:aws:iam::111111111111:role/state-break-glass",
    ]);
    // An identity stack is applied by its account's administrator, never by CI.
    expect(stateRoleTrustedPrincipals(config, "identity-222222222222", "write")).toEqual([
      "arn:aws:iam::222222222222:role/platform-admin",
      "arn:aws:iam::111111111111:role/state-break-glass",
    ]);
    expect(stateRoleTrustedPrincipals(config, "staging", "plan")).toEqual([
      "arn:aws:iam::111111111111:role/orbit-github-plan",
      "arn:aws:iam::111111111111:role/platform-admin",
      "arn:aws:iam::111111111111:role/state-break-glass",
    ]);
  });

  it("refuse a break-glass role outside the state bucket's account, naming the field, value, allowed and fix", () => {
    const project = {
      sharedAccountIds: ["111111111111"],
      stateBreakGlassRoleArn: "arn:aws:iam::222222222222:role/state-break-glass",
    };
    expect(
      configProblems(() => assertBackendFitsProject(committedBackend, project, stacks)),
    ).toEqual([
      "project.stateBreakGlassRoleArn: \"arn:aws:iam::222222222222:role/state-break-glass\" is in another account than the state bucket; allowed: a role in account 111111111111 (the account of backend.tf.json.terraform.backend.s3.assume_role.role_arn); fix: name a role of the state bucket's account, or leave it out to use that account's administrator role",
    ]);
    expect(() =>
      assertBackendFitsProject(
        committedBackend,
        { ...project, stateBreakGlassRoleArn: "arn:aws:iam::111111111111:role/state-break-glass" },
        stacks,
      ),
    ).not.toThrow();
  });

  it("refuse a break-glass value that is not a role ARN, and an administrator role given as an ARN", () => {
    expect(
      configProblems(() => withProject({ stateBreakGlassRoleArn: "state-break-glass" })),
    ).toEqual([
      expect.stringMatching(
        /^project\.stateBreakGlassRoleArn: "state-break-glass" is not an IAM role ARN; allowed: arn:aws:iam::<12-digit account>:role\/<name>; fix: /,
      ),
    ]);
    expect(
      configProblems(() =>
        withProject({ administratorRoleName: "arn:aws:iam::111111111111:role/admin" }),
      ),
    ).toEqual([
      expect.stringMatching(
        /^project\.administratorRoleName: .* is not an IAM role name; allowed: .*; fix: use the role's name, not its ARN/,
      ),
    ]);
  });

  it("no longer accept accountAccessRoleName: no stack assumes a role in another account", () => {
    expect(
      configProblems(() => withProject({ accountAccessRoleName: "OrganizationAccountAccessRole" })),
    ).toEqual([expect.stringContaining("accountAccessRoleName")]);
  });
});
