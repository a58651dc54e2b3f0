import { block, type Resource, type StackModel } from "./model";
import { fromFindings, notApplicable, type Finding, type Rule } from "./rule";

/**
 * Types whose replacement AWS refuses to start by deleting while other resources use them: the
 * attributes that force a replacement (besides the name), and what AWS answers. From the
 * provider's schema (ForceNew) and AWS's API references.
 */
export const REPLACEMENT_HAZARDS: Readonly<
  Record<string, { readonly forcesReplacement: readonly string[]; readonly refusal: string }>
> = {
  aws_security_group: {
    forcesReplacement: ["description", "vpc_id"],
    refusal:
      "DependencyViolation while a load balancer, task or database uses it (terraform-provider-aws#27476)",
  },
  aws_lb_target_group: {
    forcesReplacement: ["port", "protocol", "target_type", "vpc_id"],
    refusal: "ResourceInUse while a listener or a listener rule forwards to it",
  },
  aws_db_parameter_group: {
    forcesReplacement: ["family", "description"],
    refusal: "InvalidDBParameterGroupState while a database uses it",
  },
  aws_iam_policy: {
    forcesReplacement: ["description", "path"],
    refusal: "DeleteConflict while it is attached to a role or is a role's permissions boundary",
  },
  aws_acm_certificate: {
    forcesReplacement: [
      "domain_name",
      "subject_alternative_names",
      "key_algorithm",
      "validation_method",
    ],
    refusal: "ResourceInUse while a listener serves it",
  },
};

/** A name that ends in a digest of the replacement-forcing attributes (`-` and 6 hex digits). */
const DIGEST_SUFFIX = /-[0-9a-f]{6}$/;

/** The attributes `lifecycle.ignore_changes` keeps at their first value (`all`: every one). */
const ignored = (r: Resource): readonly string[] | "all" => {
  const value = (block(r.values.lifecycle) as { ignore_changes?: unknown } | undefined)
    ?.ignore_changes;
  return value === "all" ? "all" : Array.isArray(value) ? value.map(String) : [];
};

const createsFirst = (r: Resource) =>
  (block(r.values.lifecycle) as { create_before_destroy?: boolean } | undefined)
    ?.create_before_destroy === true;

/** The resources of `all` whose values refer to `target` (any attribute). */
function referrers(target: Resource, all: readonly Resource[]): Resource[] {
  const needle = `\${${target.type}.${target.name}.`;
  return all.filter((r) => r !== target && JSON.stringify(r.values).includes(needle));
}

/**
 * PLAT-11: a resource others use, with attributes that force its replacement, is replaced by
 * creating the new one first (`create_before_destroy`), under a name that cannot collide with the
 * old one's: a `name_prefix`, no name at all, or a name carrying a digest of those attributes.
 * Or those attributes never change: `lifecycle.ignore_changes` keeps them at their first value
 * (a name other stacks build ARNs from cannot take a prefix).
 */
export const replacementSafety: Rule = {
  id: "PLAT-11",
  name: "Replacement safety",
  level: "error",
  message:
    "A resource other resources use is replaced create-before-destroy, under a name that cannot collide.",
  explanation:
    "Changing a security group's description forces its replacement; Terraform deletes first, and AWS refuses while " +
    "the load balancer, tasks and database still use it: the apply wedges halfway, and every later apply repeats it.",
  check(stack) {
    const all = Object.keys(REPLACEMENT_HAZARDS).flatMap((type) => stack.resources(type));
    if (all.length === 0) return notApplicable();
    const everything = allResources(stack);
    const findings: Finding[] = [];
    for (const resource of all) {
      const hazard = REPLACEMENT_HAZARDS[resource.type]!;
      // Attributes kept at their first value by ignore_changes never force a replacement.
      const kept = ignored(resource);
      const forcing = hazard.forcesReplacement.filter(
        (attribute) =>
          resource.values[attribute] !== undefined && kept !== "all" && !kept.includes(attribute),
      );
      const users = referrers(resource, everything);
      if (forcing.length === 0 || users.length === 0) continue;
      const name = resource.values.name;
      const nameCannotCollide = typeof name !== "string" || DIGEST_SUFFIX.test(name);
      if (createsFirst(resource) && nameCannotCollide) {
        // Its rules must be created first too, or they are deleted before the new group's exist.
        const rules = users.filter(
          (u) => /^aws_vpc_security_group_(ingress|egress)_rule$/.test(u.type) && !createsFirst(u),
        );
        if (rules.length > 0)
          findings.push({
            paths: [resource.path, ...rules.map((r) => r.path)],
            message:
              `${resource.address} is replaced create-before-destroy, but its rules ${rules.map((r) => r.address).join(", ")} ` +
              "are not: Terraform deletes them first, cutting those flows until the new group's rules exist. " +
              "Fix: lifecycle create_before_destroy on every rule (RulesReplacedFirst in src/network/security-group.ts)",
          });
        continue;
      }
      const fix = createsFirst(resource)
        ? `its fixed name "${String(name)}" would collide with the replacement's: use name_prefix, or a name that ends in a digest of ${forcing.join(", ")}`
        : typeof name === "string"
          ? `use name_prefix and lifecycle create_before_destroy (src/network/security-group.ts does both for security groups), or, where others address it by name, lifecycle ignore_changes = [${forcing.map((a) => `"${a}"`).join(", ")}]`
          : "set lifecycle create_before_destroy";
      findings.push({
        paths: [resource.path],
        message:
          `${resource.address}: a change of ${forcing.join(", ")} replaces it, and ${users.length} resource(s) use it ` +
          `(${users
            .slice(0, 3)
            .map((u) => u.address)
            .join(
              ", ",
            )}${users.length > 3 ? ", ..." : ""}); Terraform deletes first and AWS answers ${hazard.refusal}. Fix: ${fix}`,
      });
    }
    return fromFindings(findings);
  },
};

function allResources(stack: StackModel): Resource[] {
  return Object.keys(stack.json.resource ?? {}).flatMap((type) => stack.resources(type));
}
