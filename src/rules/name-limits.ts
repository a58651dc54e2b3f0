import type { Values } from "./model";
import { fromFindings, notApplicable, type Finding, type Rule } from "./rule";

interface NameLimit {
  readonly type: string;
  readonly attribute: string;
  readonly max: number;
  readonly pattern: RegExp;
  readonly allowed: string;
}

/** AWS's limits on the names this project sets; exceeding one fails only at apply. */
export const NAME_LIMITS: readonly NameLimit[] = [
  {
    type: "aws_lb",
    attribute: "name",
    max: 32,
    pattern: /^(?!internal-)[A-Za-z0-9](?:[A-Za-z0-9-]*[A-Za-z0-9])?$/,
    allowed: "letters, digits and -, not starting with internal- or ending with -",
  },
  {
    type: "aws_lb_target_group",
    attribute: "name",
    max: 32,
    pattern: /^[A-Za-z0-9](?:[A-Za-z0-9-]*[A-Za-z0-9])?$/,
    allowed: "letters, digits and -, not ending with -",
  },
  {
    type: "aws_iam_role",
    attribute: "name",
    max: 64,
    pattern: /^[\w+=,.@-]+$/,
    allowed: "letters, digits and +=,.@_-",
  },
  {
    type: "aws_iam_role_policy",
    attribute: "name",
    max: 128,
    pattern: /^[\w+=,.@-]+$/,
    allowed: "letters, digits and +=,.@_-",
  },
  {
    type: "aws_db_instance",
    attribute: "identifier",
    max: 63,
    pattern: /^[a-z](?!.*--)[a-z0-9-]*[a-z0-9]$/,
    allowed: "lower-case letters, digits and single -, starting with a letter",
  },
  {
    type: "aws_db_subnet_group",
    attribute: "name",
    max: 255,
    pattern: /^[a-z0-9 ._-]+$/,
    allowed: "lower-case letters, digits, space, . _ -",
  },
  {
    type: "aws_db_parameter_group",
    attribute: "name",
    max: 255,
    pattern: /^[a-z](?!.*--)[a-z0-9-]*[a-z0-9]$/,
    allowed: "lower-case letters, digits and single -",
  },
  {
    type: "aws_s3_bucket",
    attribute: "bucket",
    max: 63,
    pattern: /^[a-z0-9][a-z0-9.-]*[a-z0-9]$/,
    allowed: "lower-case letters, digits, . and -",
  },
  {
    type: "aws_sqs_queue",
    attribute: "name",
    max: 80,
    pattern: /^[A-Za-z0-9_-]+(\.fifo)?$/,
    allowed: "letters, digits, _ and -",
  },
  {
    type: "aws_sns_topic",
    attribute: "name",
    max: 256,
    pattern: /^[A-Za-z0-9_-]+(\.fifo)?$/,
    allowed: "letters, digits, _ and -",
  },
  {
    type: "aws_dynamodb_table",
    attribute: "name",
    max: 255,
    pattern: /^[A-Za-z0-9_.-]{3,}$/,
    allowed: "letters, digits, _ . -",
  },
  {
    type: "aws_ecs_cluster",
    attribute: "name",
    max: 255,
    pattern: /^[A-Za-z0-9_-]+$/,
    allowed: "letters, digits, _ and -",
  },
  {
    type: "aws_ecs_service",
    attribute: "name",
    max: 255,
    pattern: /^[A-Za-z0-9_-]+$/,
    allowed: "letters, digits, _ and -",
  },
  {
    type: "aws_ecs_task_definition",
    attribute: "family",
    max: 255,
    pattern: /^[A-Za-z0-9_-]+$/,
    allowed: "letters, digits, _ and -",
  },
  {
    type: "aws_ecr_repository",
    attribute: "name",
    max: 256,
    pattern: /^[a-z0-9]+(?:[._-][a-z0-9]+)*(?:\/[a-z0-9]+(?:[._-][a-z0-9]+)*)*$/,
    allowed: "lower-case letters, digits, . _ - and /",
  },
  {
    type: "aws_security_group",
    attribute: "name",
    max: 255,
    pattern: /^(?!sg-)[\w .:/()#,@[\]+=&;{}!$*-]+$/,
    allowed: "printable ASCII, not starting with sg-",
  },
  {
    // Terraform appends 26 characters to a prefix; the provider refuses prefixes over 100.
    type: "aws_security_group",
    attribute: "name_prefix",
    max: 100,
    pattern: /^(?!sg-)[\w .:/()#,@[\]+=&;{}!$*-]+$/,
    allowed: "printable ASCII, not starting with sg-",
  },
  {
    type: "aws_cloudwatch_log_group",
    attribute: "name",
    max: 512,
    pattern: /^[\w./#-]+$/,
    allowed: "letters, digits, _ - / . #",
  },
  {
    type: "aws_cloudwatch_metric_alarm",
    attribute: "alarm_name",
    max: 255,
    pattern: /^[^\p{Cc}]+$/u,
    allowed: "printable characters",
  },
  {
    type: "aws_wafv2_web_acl",
    attribute: "name",
    max: 128,
    pattern: /^[\w-]+$/,
    allowed: "letters, digits, _ and -",
  },
  {
    type: "aws_kms_alias",
    attribute: "name",
    max: 256,
    pattern: /^alias\/(?!aws\/)[\w/-]+$/,
    allowed: "alias/ followed by letters, digits, / _ -",
  },
];

/** Interpolations become their longest plausible value: an account id is 12 digits; others are unknown. */
function materialise(name: string): string | undefined {
  const replaced = name.replace(
    /\$\{data\.aws_caller_identity\.[a-z0-9_]+\.account_id\}/g,
    "123456789012",
  );
  return replaced.includes("${") ? undefined : replaced;
}

/** PLAT-6: resource names fit AWS's length and character limits. */
export const nameLimits: Rule = {
  id: "PLAT-6",
  name: "Name limits",
  level: "error",
  message: "Resource names are within AWS's length and character limits.",
  explanation:
    "A load balancer or target group name over 32 characters, or an RDS identifier with a double hyphen, passes " +
    "`terraform plan` and fails halfway through `apply`, leaving a partly created environment.",
  check(stack) {
    const findings: Finding[] = [];
    let checked = 0;
    for (const limit of NAME_LIMITS) {
      for (const resource of stack.resources(limit.type)) {
        const raw = (resource.values as Values)[limit.attribute];
        if (typeof raw !== "string") continue;
        const name = materialise(raw);
        if (name === undefined) continue;
        checked++;
        if (name.length > limit.max) {
          findings.push({
            paths: [resource.path],
            message: `${resource.address}: ${limit.attribute} "${name}" is ${name.length} characters; AWS allows ${limit.max}; fix: shorten project.name, the environment's name (its file name) or the name of the ${resource.path.split("/")[1] ?? "resource"} it belongs to, which the name is made of`,
          });
        } else if (!limit.pattern.test(name)) {
          findings.push({
            paths: [resource.path],
            message: `${resource.address}: ${limit.attribute} "${name}" has characters AWS refuses; allowed: ${limit.allowed}`,
          });
        }
      }
    }
    return checked === 0 ? notApplicable() : fromFindings(findings);
  },
};
