import { describe, expect, it } from "vitest";
import { GitHubSchema, roleName } from "../../src/ci-identity/settings";

describe("CI identity settings", () => {
  const github = { owner: "example-org", repository: "orbit" };

  it("GIVEN an owner and a repository THEN releases come from main", () => {
    expect(GitHubSchema.parse(github)).toEqual({ ...github, releaseBranch: "main" });
  });

  it("refuses an owner ending with a hyphen and a repository named ..", () => {
    expect(GitHubSchema.safeParse({ ...github, owner: "example-" }).success).toBe(false);
    expect(GitHubSchema.safeParse({ ...github, repository: ".." }).success).toBe(false);
  });

  it("refuses a branch name with // or a trailing /", () => {
    expect(GitHubSchema.safeParse({ ...github, releaseBranch: "release//x" }).success).toBe(false);
    expect(GitHubSchema.safeParse({ ...github, releaseBranch: "release/" }).success).toBe(false);
    expect(GitHubSchema.safeParse({ ...github, releaseBranch: "release/2026" }).success).toBe(true);
  });

  it("takes a role's name, not its ARN", () => {
    expect(roleName.safeParse("OrganizationAccountAccessRole").success).toBe(true);
    expect(
      roleName.safeParse("arn:aws:iam::111111111111:role/OrganizationAccountAccessRole").success,
    ).toBe(false);
  });
});
