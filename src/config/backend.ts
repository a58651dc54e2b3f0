/**
 * `backend.tf.json`: the single source of the remote-state settings, in Terraform's own JSON
 * syntax. The `state` stack creates exactly the bucket and lock table it names; every other
 * stack's S3 backend is built from it with a key of its own.
 */
import { readFileSync } from "node:fs";
import { z } from "zod";
import { ConfigError, explainBuiltinIssue, formatIssues } from "./errors";
import { explain, region } from "./fields";

export const BACKEND_FILE = "backend.tf.json";

const S3BackendSchema = z
  .strictObject({
    /** The state bucket. Dots are refused: they break TLS for virtual-hosted-style requests. */
    bucket: z
      .string()
      .regex(
        /^[a-z0-9][a-z0-9-]{1,61}[a-z0-9]$/,
        explain(
          "is not a usable S3 bucket name",
          "3 to 63 characters of a-z, 0-9 and -, starting and ending with a letter or digit",
          'make it globally unique, e.g. "<project>-terraform-state-<account id>"',
        ),
      ),
    region,
    /** The DynamoDB lock table (the default locking). */
    dynamodb_table: z
      .string()
      .regex(
        /^[a-zA-Z0-9_.-]{3,255}$/,
        explain(
          "is not a valid DynamoDB table name",
          "3 to 255 characters of a-z, A-Z, 0-9, _, . and -",
          'use e.g. "<project>-terraform-locks"',
        ),
      )
      .optional(),
    /** S3 native locking (Terraform >= 1.10): a `.tflock` object beside the state. */
    use_lockfile: z.boolean().optional(),
    /**
     * The state roles' name and account. The state stack creates, in the bucket's account, one role
     * per stack, `<name>-<stack>`, that may read, write and lock only that stack's state (every
     * stack's backend assumes its own), and `<name>-<stack>-plan`, that may only read it and take
     * its lock (CI plans assume it). Stacks whose provider runs in another account (prod) reach the
     * shared bucket through them. This ARN itself is never assumed.
     */
    assume_role: z.strictObject(
      {
        role_arn: z
          .string()
          .regex(
            /^arn:aws:iam::\d{12}:role\/[\w+=,.@-]{1,64}$/,
            explain(
              "is not an IAM role ARN",
              "arn:aws:iam::<12-digit account>:role/<name>",
              'use e.g. "arn:aws:iam::111111111111:role/orbit-terraform-state"',
            ),
          ),
      },
      {
        error: explain(
          "is missing",
          '{ "role_arn": "arn:aws:iam::<bucket account>:role/<name>" }',
          "add it: every stack's backend assumes its own state role, <name>-<stack>, which the state stack creates",
        ),
      },
    ),
    encrypt: z.literal(
      true,
      explain(
        "must be true",
        "true",
        "state holds secrets in plain text; keep it encrypted at rest",
      ),
    ),
    key: z
      .never(
        explain(
          "must not be set here",
          "no key",
          "remove it; each stack gets its own key, <project>/<stack>.tfstate",
        ),
      )
      .optional(),
  })
  .refine((s3) => s3.dynamodb_table !== undefined || s3.use_lockfile === true, {
    path: ["dynamodb_table"],
    error: explain(
      "is missing, and use_lockfile is not true, so state would be unlocked",
      "a dynamodb_table (default), use_lockfile: true, or both while migrating",
      'add "dynamodb_table": "<project>-terraform-locks"',
    ),
  });

const BackendFileSchema = z.strictObject({
  terraform: z.strictObject({ backend: z.strictObject({ s3: S3BackendSchema }) }),
});

export interface BackendConfig {
  readonly bucket: string;
  readonly region: string;
  /** Set when state is locked with DynamoDB. */
  readonly dynamodbTable?: string;
  /** True when state is locked with S3 native lock files. */
  readonly useLockfile: boolean;
  /**
   * The base of the state roles' names and their account (`assume_role.role_arn`): each stack's
   * backend assumes `<name>-<stack>` (see `stateRoleArn` in names.ts).
   */
  readonly stateRole: { readonly arn: string; readonly accountId: string; readonly name: string };
}

/** Validates the parsed contents of `backend.tf.json`. */
export function parseBackend(json: unknown): BackendConfig {
  const result = BackendFileSchema.safeParse(json, { error: explainBuiltinIssue });
  if (!result.success) {
    throw new ConfigError(
      formatIssues(
        BACKEND_FILE,
        json,
        result.error.issues,
        "src/config/backend.ts and docs/state.md",
      ),
    );
  }
  const s3 = result.data.terraform.backend.s3;
  return {
    bucket: s3.bucket,
    region: s3.region,
    dynamodbTable: s3.dynamodb_table,
    useLockfile: s3.use_lockfile ?? false,
    stateRole: {
      arn: s3.assume_role.role_arn,
      accountId: s3.assume_role.role_arn.split(":")[4]!,
      name: s3.assume_role.role_arn.split("/").at(-1)!,
    },
  };
}

/** Reads and validates `backend.tf.json`; a missing or malformed file is a `ConfigError`. */
export function loadBackend(path: string = BACKEND_FILE): BackendConfig {
  let text: string;
  try {
    text = readFileSync(path, "utf8");
  } catch (error) {
    throw new ConfigError([
      `${path}: cannot be read (${(error as NodeJS.ErrnoException).code ?? String(error)}); ` +
        `fix: create it at the repository root with terraform.backend.s3 { bucket, region, dynamodb_table, encrypt: true }`,
    ]);
  }
  let json: unknown;
  try {
    json = JSON.parse(text);
  } catch (error) {
    throw new ConfigError([
      `${path}: is not valid JSON (${(error as Error).message}); fix: correct the syntax`,
    ]);
  }
  return parseBackend(json);
}

/**
 * The state stack runs in the project's shared account and creates the state role there: a role
 * ARN in any other account could never exist.
 */
export function assertBackendFitsProject(
  backend: BackendConfig,
  project: { sharedAccountIds: readonly string[]; stateBreakGlassRoleArn?: string },
  stacks: readonly string[],
): void {
  const field = `${BACKEND_FILE}.terraform.backend.s3.assume_role.role_arn`;
  const value = JSON.stringify(backend.stateRole.arn);
  const problems: string[] = [];
  if (!project.sharedAccountIds.includes(backend.stateRole.accountId)) {
    problems.push(
      `${field}: ${value} ` +
        explain(
          "is in an account the state stack cannot create roles in",
          `a role in project.sharedAccountIds (${project.sharedAccountIds.join(", ")})`,
          "use the shared account's id in the ARN",
        ),
    );
  }
  // IAM caps role names at 64 characters; the longest state role name adds `-<stack>-plan`.
  const longestSuffix = Math.max(...stacks.map((s) => `-${s}-plan`.length));
  if (backend.stateRole.name.length + longestSuffix > 64) {
    problems.push(
      `${field}: ${value} ` +
        explain(
          `has a role name too long for the per-stack roles derived from it (<name>-<stack>-plan)`,
          `a role name of at most ${64 - longestSuffix} characters`,
          'shorten it, e.g. "<project>-terraform-state"',
        ),
    );
  }
  // The bucket and table policies except the break-glass role from their denies, and grant nothing:
  // its permissions come from its own account's IAM, which must be the bucket's.
  const breakGlass = project.stateBreakGlassRoleArn;
  if (breakGlass !== undefined && breakGlass.split(":")[4] !== backend.stateRole.accountId) {
    problems.push(
      `project.stateBreakGlassRoleArn: ${JSON.stringify(breakGlass)} ` +
        explain(
          "is in another account than the state bucket",
          `a role in account ${backend.stateRole.accountId} (the account of ${field})`,
          "name a role of the state bucket's account, or leave it out to use that account's administrator role",
        ),
    );
  }
  if (problems.length > 0) throw new ConfigError(problems);
}
