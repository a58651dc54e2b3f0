import type { ProjectInput } from "./schema";

/**
 * Project-wide settings: the name every resource starts with, and the account and region of the
 * `state` and `shared` stacks, and the GitHub repository CI runs in. Replace the account ids and the
 * repository with your own before the first plan.
 */
export const project: ProjectInput = {
  name: "orbit",
  region: "eu-west-1",
  sharedAccountIds: ["111111111111"],
  tags: { CostCenter: "platform" },
  // The repository whose workflows (.github/workflows/) may assume the CI roles: exact names.
  github: { owner: "example-org", repository: "orbit", releaseBranch: "main" },
};
