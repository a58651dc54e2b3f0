/**
 * A pure model of how Amazon ECR applies a lifecycle policy to a repository, for tests that prove
 * what a policy keeps (like src/lib's NACL evaluator proves what a network admits). It implements
 * the documented semantics ("Lifecycle policy properties" and "Examples of lifecycle policies" in
 * the Amazon ECR User Guide), and its own tests replay the guide's worked examples:
 *
 * - Rules are applied in ascending `rulePriority`.
 * - `tagStatus: "tagged"` selects images with at least one tag that match the filters: with
 *   `tagPrefixList`, every listed prefix must begin one of the image's tags; with `tagPatternList`,
 *   every listed pattern (`*` matches any run of characters, at most 4 per pattern) must match one
 *   of its tags whole. `"untagged"` selects images without tags (no filters allowed); `"any"`
 *   selects every image and must be the rule with the highest priority.
 * - `imageCountMoreThan: n`: the selected images are sorted by push time, newest first, and all
 *   but the first n are expired. `sinceImagePushed: d` (days): selected images pushed more than d
 *   days ago are expired.
 * - An image that matches the selection of a rule cannot be expired by a rule of lower priority,
 *   but lower-priority rules still count it ("identify them as if they haven't been expired").
 *   So each image is expired by at most one rule.
 *
 * Not modelled (the platform uses none of them): `sinceImagePulled`, storage classes and the
 * `transition` action. ECR acts within 24 hours of an image becoming eligible; callers model time
 * by evaluating at the instants they care about.
 */

export interface LifecycleRule {
  readonly rulePriority: number;
  readonly description?: string;
  readonly selection: {
    readonly tagStatus: "tagged" | "untagged" | "any";
    readonly tagPrefixList?: readonly string[];
    readonly tagPatternList?: readonly string[];
    readonly countType: "imageCountMoreThan" | "sinceImagePushed";
    readonly countUnit?: "days";
    readonly countNumber: number;
  };
  readonly action: { readonly type: "expire" };
}

export interface LifecyclePolicy {
  readonly rules: readonly LifecycleRule[];
}

/** An image in the repository: its digest, its tags, and when it was pushed (ms since epoch). */
export interface RepositoryImage {
  readonly digest: string;
  readonly tags: readonly string[];
  readonly pushedAt: number;
}

const DAY_MS = 24 * 60 * 60 * 1000;

/**
 * The problems ECR would refuse the policy for (PutLifecyclePolicy validates it), as messages;
 * empty when valid.
 */
export function lifecyclePolicyProblems(policy: LifecyclePolicy): string[] {
  const problems: string[] = [];
  const priorities = policy.rules.map((r) => r.rulePriority);
  if (new Set(priorities).size !== priorities.length) problems.push("rulePriority must be unique");
  const highest = Math.max(...priorities);
  for (const rule of policy.rules) {
    const { selection: s, rulePriority: p } = rule;
    const filters = [...(s.tagPrefixList ?? []), ...(s.tagPatternList ?? [])];
    if (!Number.isInteger(p) || p < 1) problems.push(`rule ${p}: rulePriority must be >= 1`);
    if (!Number.isInteger(s.countNumber) || s.countNumber < 1) {
      problems.push(`rule ${p}: countNumber must be a positive integer`);
    }
    if (s.countType === "sinceImagePushed" && s.countUnit !== "days") {
      problems.push(`rule ${p}: sinceImagePushed needs countUnit "days"`);
    }
    if (s.countType === "imageCountMoreThan" && s.countUnit !== undefined) {
      problems.push(`rule ${p}: imageCountMoreThan takes no countUnit`);
    }
    if (s.tagStatus === "tagged" && filters.length === 0) {
      problems.push(`rule ${p}: tagged needs a tagPrefixList or a tagPatternList`);
    }
    if (s.tagStatus !== "tagged" && filters.length > 0) {
      problems.push(`rule ${p}: ${s.tagStatus} takes no tag filters`);
    }
    if (s.tagStatus === "any" && p !== highest) {
      problems.push(`rule ${p}: a rule with tagStatus any must have the highest rulePriority`);
    }
    for (const pattern of s.tagPatternList ?? []) {
      if ((pattern.match(/\*/g) ?? []).length > 4) {
        problems.push(`rule ${p}: at most 4 wildcards in a pattern (${pattern})`);
      }
    }
  }
  if (policy.rules.filter((r) => r.selection.tagStatus === "untagged").length > 1) {
    problems.push("only one rule may select untagged images");
  }
  return problems;
}

/** ECR's tag patterns (`*` matches any characters), compiled once each: a history replays thousands. */
const patterns = new Map<string, RegExp>();

function patternMatches(pattern: string, tag: string): boolean {
  let regex = patterns.get(pattern);
  if (regex === undefined) {
    const escaped = pattern.split("*").map((part) => part.replace(/[.+?^${}()|[\]\\]/g, "\\$&"));
    regex = new RegExp(`^${escaped.join(".*")}$`);
    patterns.set(pattern, regex);
  }
  return regex.test(tag);
}

/** Whether `rule`'s selection (its tag status and filters, not its count) matches `image`. */
export function selects(rule: LifecycleRule, image: RepositoryImage): boolean {
  const { tagStatus, tagPrefixList, tagPatternList } = rule.selection;
  if (tagStatus === "any") return true;
  if (tagStatus === "untagged") return image.tags.length === 0;
  if (image.tags.length === 0) return false;
  return (
    (tagPrefixList ?? []).every((prefix) => image.tags.some((tag) => tag.startsWith(prefix))) &&
    (tagPatternList ?? []).every((pattern) =>
      image.tags.some((tag) => patternMatches(pattern, tag)),
    )
  );
}

/**
 * The images `policy` expires from `images` at time `now` (ms since epoch), each with the priority
 * of the rule that expires it. Throws if ECR would refuse the policy.
 */
export function expiredImages(
  policy: LifecyclePolicy,
  images: readonly RepositoryImage[],
  now: number,
): Map<string, number> {
  const problems = lifecyclePolicyProblems(policy);
  if (problems.length > 0) throw new Error(`invalid lifecycle policy: ${problems.join("; ")}`);
  const rules = [...policy.rules].sort((a, b) => a.rulePriority - b.rulePriority);
  const expired = new Map<string, number>();
  const matchedEarlier = new Set<string>();
  for (const rule of rules) {
    const selected = images.filter((image) => selects(rule, image));
    const { countType, countNumber } = rule.selection;
    const candidates =
      countType === "imageCountMoreThan"
        ? [...selected].sort((a, b) => b.pushedAt - a.pushedAt).slice(countNumber)
        : selected.filter((image) => now - image.pushedAt > countNumber * DAY_MS);
    for (const image of candidates) {
      if (!matchedEarlier.has(image.digest) && !expired.has(image.digest)) {
        expired.set(image.digest, rule.rulePriority);
      }
    }
    for (const image of selected) matchedEarlier.add(image.digest);
  }
  return expired;
}
