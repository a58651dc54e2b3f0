/**
 * Settings of CI's identity: the GitHub repository its roles trust, the administrator role of every
 * account, and the break-glass role of the state.
 */
import { z } from "zod";
import { exactName, explain } from "../config/fields";

export const roleName = z
  .string()
  .regex(
    /^[\w+=,.@-]{1,64}$/,
    explain(
      "is not an IAM role name",
      "1 to 64 characters of letters, digits and + = , . @ _ -",
      'use the role\'s name, not its ARN, e.g. "OrganizationAccountAccessRole"',
    ),
  );

export const roleArn = z
  .string()
  .regex(
    /^arn:aws:iam::\d{12}:role\/(?:[\w+=,.@-]+\/)*[\w+=,.@-]{1,64}$/,
    explain(
      "is not an IAM role ARN",
      "arn:aws:iam::<12-digit account>:role/<name>",
      'use the role\'s ARN, e.g. "arn:aws:iam::111111111111:role/orbit-state-break-glass"',
    ),
  );

export const GitHubSchema = z.strictObject({
  owner: exactName(
    "GitHub owner",
    /^[A-Za-z0-9](?:[A-Za-z0-9]|-(?=[A-Za-z0-9])){0,38}$/,
    explain(
      "is not a GitHub user or organization name",
      "1 to 39 letters, digits and single hyphens, not starting or ending with -",
      'use the owner part of github.com/<owner>/<repository>, e.g. "example-org"',
    ),
  ),
  repository: exactName(
    "GitHub repository",
    /^(?!\.\.?$)[A-Za-z0-9._-]{1,100}$/,
    explain(
      "is not a GitHub repository name",
      "1 to 100 letters, digits, ., _ and -",
      'use the repository part of github.com/<owner>/<repository>, e.g. "orbit"',
    ),
  ),
  /**
   * The branch whose pushes build, publish and deploy.
   * @default "main"
   */
  releaseBranch: exactName(
    "branch name",
    /^(?!\/|.*\/$|.*\.\.|.*\/\/)[A-Za-z0-9._/-]{1,100}$/,
    explain(
      "is not a usable branch name",
      "letters, digits, ., _, - and /, not starting or ending with /",
      'use "main"',
    ),
  )
    .refine((branch) => !branch.startsWith("refs/"), {
      error: explain(
        "is a full ref, not a branch name",
        "the branch's short name, e.g. main",
        'drop the "refs/heads/": the trust policy adds it (ref:refs/heads/<branch>)',
      ),
    })
    .default("main"),
});
