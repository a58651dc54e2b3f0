import type { ProjectInput } from "./schema";

/**
 * Project-wide settings: the name every resource starts with, and the account and region of the
 * `state` and `shared` stacks. Replace the account ids with your own before the first plan.
 */
export const project: ProjectInput = {
  name: "orbit",
  region: "eu-west-1",
  sharedAccountIds: ["111111111111"],
  tags: { CostCenter: "platform" },
};
