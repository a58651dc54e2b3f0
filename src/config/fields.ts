/**
 * Field-level vocabulary of the configuration schema: the checks and the messages that name
 * what is allowed and how to fix a value. The formatter in `errors.ts` prefixes each message
 * with the field path and the offending value.
 */
import { z } from "zod";
import { isPrivate, parseCidr } from "../lib/cidr";

/** `<problem>; allowed: <allowed>; fix: <fix>` — the shape of every configuration error. */
export function explain(problem: string, allowed: string, fix: string): string {
  return `${problem}; allowed: ${allowed}; fix: ${fix}`;
}

export const AWS_REGION_PATTERN =
  /^(us|eu|ap|sa|ca|me|af|il|mx)-(north|south|east|west|central|northeast|southeast|northwest|southwest)-\d$/;

/**
 * The regions of the commercial `aws` partition (2025). A region AWS opens later is refused until
 * it is added here, rather than every name of the right shape being accepted and failing at apply.
 */
export const KNOWN_REGIONS: ReadonlySet<string> = new Set([
  "us-east-1",
  "us-east-2",
  "us-west-1",
  "us-west-2",
  "ca-central-1",
  "ca-west-1",
  "mx-central-1",
  "sa-east-1",
  "eu-west-1",
  "eu-west-2",
  "eu-west-3",
  "eu-central-1",
  "eu-central-2",
  "eu-north-1",
  "eu-south-1",
  "eu-south-2",
  "af-south-1",
  "il-central-1",
  "me-south-1",
  "me-central-1",
  "ap-east-1",
  "ap-east-2",
  "ap-south-1",
  "ap-south-2",
  "ap-northeast-1",
  "ap-northeast-2",
  "ap-northeast-3",
  "ap-southeast-1",
  "ap-southeast-2",
  "ap-southeast-3",
  "ap-southeast-4",
  "ap-southeast-5",
  "ap-southeast-6",
  "ap-southeast-7",
]);

export const region = z
  .string()
  .regex(
    AWS_REGION_PATTERN,
    explain(
      "is not an AWS region",
      "a region of the commercial aws partition such as eu-west-1 or us-east-1",
      "use the region code, not its display name",
    ),
  )
  .refine((value) => !AWS_REGION_PATTERN.test(value) || KNOWN_REGIONS.has(value), {
    error: explain(
      "is not a region AWS runs",
      "a region of the commercial aws partition such as eu-west-1 or us-east-1",
      "check the code in the AWS console's region list; if AWS opened it after 2025, add it to KNOWN_REGIONS in src/config/fields.ts",
    ),
  });

export const accountId = z
  .string()
  .regex(
    /^\d{12}$/,
    explain(
      "is not an AWS account id",
      "exactly 12 digits, as a string",
      'quote it and keep leading zeros, e.g. "012345678901"',
    ),
  );

export const accountIds = z
  .array(accountId)
  .min(
    1,
    explain(
      "is empty",
      "exactly one 12-digit account id",
      "name the account this stack may be planned against, so a plan with the wrong credentials fails",
    ),
  )
  .max(
    1,
    explain(
      "lists more than one account",
      "exactly one 12-digit account id",
      "name the one account the stack deploys into: its CI roles, state role and permissions boundary live there",
    ),
  );

/** Tags end up on every resource through the provider's `default_tags`. */
export const tags = z
  .record(
    z
      .string()
      .min(1)
      .max(128, explain("is too long for a tag key", "1 to 128 characters", "shorten the key"))
      .regex(
        /^(?!aws:)[\p{L}\p{N}\s_.:/=+\-@]+$/u,
        explain(
          "is not a valid tag key",
          "letters, digits, spaces and _ . : / = + - @, not starting with aws:",
          "rename the tag",
        ),
      ),
    z
      .string()
      .max(256, explain("is too long for a tag value", "at most 256 characters", "shorten it")),
  )
  .default({});

export const vpcCidr = z.string().refine(
  (text) => {
    const cidr = parseCidr(text);
    return (
      cidr !== undefined && cidr.prefixLength >= 16 && cidr.prefixLength <= 24 && isPrivate(cidr)
    );
  },
  {
    error: (issue) =>
      explain(
        parseCidr(String(issue.input)) ? "is not usable as a VPC CIDR" : "is not a valid IPv4 CIDR",
        "a network address a.b.c.d/n with n from 16 to 24 inside 10.0.0.0/8, 172.16.0.0/12 or 192.168.0.0/16",
        'use e.g. "10.0.0.0/16" (one distinct range per environment)',
      ),
  },
);

/** The values CloudWatch Logs accepts for `retention_in_days`. */
export const LOG_RETENTION_DAYS = [
  1, 3, 5, 7, 14, 30, 60, 90, 120, 150, 180, 365, 400, 545, 731, 1096, 1827, 2192, 2557, 2922, 3288,
  3653,
] as const;

export const retentionDays = z
  .number()
  .refine((days) => (LOG_RETENTION_DAYS as readonly number[]).includes(days), {
    error: explain(
      "is not a retention CloudWatch Logs accepts",
      LOG_RETENTION_DAYS.join(", "),
      "pick the nearest of those values",
    ),
  });

export function integerBetween(min: number, max: number, fix: string) {
  const message = explain(`is out of range`, `an integer from ${min} to ${max}`, fix);
  return z.number().int(message).min(min, message).max(max, message);
}

export const seconds = (min: number, max: number, field: string) =>
  integerBetween(min, max, `set ${field} in seconds within that range`);

/**
 * An exact name: a wildcard gets its own error (what it would open up), anything else that does not
 * match `pattern` gets `invalid`.
 */
export const exactName = (what: string, pattern: RegExp, invalid: string) =>
  z.string().superRefine((value, ctx) => {
    if (/[*?[\]]/.test(value)) {
      ctx.addIssue({
        code: "custom",
        message: explain(
          `is not an exact ${what}`,
          `the ${what} itself: no *, ? or other wildcard`,
          "name it exactly; a wildcard would let workflows of other repositories or branches assume the CI roles",
        ),
      });
    } else if (!pattern.test(value)) {
      ctx.addIssue({ code: "custom", message: invalid });
    }
  });

/** Names of tables, queues and topics: part of AWS resource names. */
export function dataName(what: string) {
  return z
    .string()
    .regex(
      /^[a-z][a-z0-9-]{0,30}[a-z0-9]$/,
      explain(
        `is not a usable ${what} name`,
        "2 to 32 characters of a-z, 0-9 and -, starting with a letter and not ending with -",
        'use e.g. "items" or "events"',
      ),
    );
}

/** Service names: part of every name of the service's resources (roles, target group, logs). */
export const serviceName = z
  .string()
  .regex(
    /^[a-z][a-z0-9-]{0,10}[a-z0-9]$/,
    explain(
      "is not a usable service name",
      "2 to 12 characters of a-z, 0-9 and -, starting with a letter and not ending with -",
      'use e.g. "api" or "worker"',
    ),
  );
