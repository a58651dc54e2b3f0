/**
 * The lifecycle evaluator reproduces the worked examples of the Amazon ECR User Guide ("Examples
 * of lifecycle policies"), so the history simulation in image-repository.test.ts rests on ECR's
 * documented semantics, not on this project's reading of them.
 */
import { describe, expect, it } from "vitest";
import {
  expiredImages,
  lifecyclePolicyProblems,
  type LifecyclePolicy,
  type LifecycleRule,
  type RepositoryImage,
} from "../../src/image-repository/lifecycle-evaluator";

const DAY = 24 * 60 * 60 * 1000;
const NOW = Date.UTC(2026, 0, 31);
const image = (digest: string, tags: string[], daysAgo: number): RepositoryImage => ({
  digest,
  tags,
  pushedAt: NOW - daysAgo * DAY,
});
const rule = (rulePriority: number, selection: LifecycleRule["selection"]): LifecycleRule => ({
  rulePriority,
  selection,
  action: { type: "expire" },
});
const expired = (policy: LifecyclePolicy, images: RepositoryImage[]) =>
  [...expiredImages(policy, images, NOW).keys()].sort();

describe("ECR lifecycle evaluation, as the user guide's examples show it", () => {
  it("filtering on multiple rules: a lower rule still counts an image a higher one matched, but cannot expire it", () => {
    // Guide: A [beta-1, prod-1] 10 days, B [beta-2, prod-2] 9 days, C [beta-3] 8 days;
    // rule 1 prod* keep 1, rule 2 beta* keep 1. Result: only A expires (rule 2 would take A and
    // B, but A is already expired and B matched rule 1).
    const images = [
      image("A", ["beta-1", "prod-1"], 10),
      image("B", ["beta-2", "prod-2"], 9),
      image("C", ["beta-3"], 8),
    ];
    const policy = {
      rules: [
        rule(1, {
          tagStatus: "tagged",
          tagPatternList: ["prod*"],
          countType: "imageCountMoreThan",
          countNumber: 1,
        }),
        rule(2, {
          tagStatus: "tagged",
          tagPatternList: ["beta*"],
          countType: "imageCountMoreThan",
          countNumber: 1,
        }),
      ],
    } satisfies LifecyclePolicy;
    expect(expired(policy, images)).toEqual(["A"]);
    expect(expiredImages(policy, images, NOW).get("A")).toBe(1);
  });

  it("filtering on multiple tags in a single rule: every listed prefix must begin one of the image's tags", () => {
    // Guide: A [alpha-1, beta-1, gamma-1] 10 days, B [alpha-2, beta-2] 9, C [alpha-3, beta-3,
    // gamma-3] 8. Prefixes [alpha, beta] keep 1: A and B expire. [alpha, beta, gamma] keep 1:
    // only A and C are selected, and A expires.
    const images = [
      image("A", ["alpha-1", "beta-1", "gamma-1"], 10),
      image("B", ["alpha-2", "beta-2"], 9),
      image("C", ["alpha-3", "beta-3", "gamma-3"], 8),
    ];
    const keepOne = (tagPrefixList: string[]): LifecyclePolicy => ({
      rules: [
        rule(1, {
          tagStatus: "tagged",
          tagPrefixList,
          countType: "imageCountMoreThan",
          countNumber: 1,
        }),
      ],
    });
    expect(expired(keepOne(["alpha", "beta"]), images)).toEqual(["A", "B"]);
    expect(expired(keepOne(["alpha", "beta", "gamma"]), images)).toEqual(["A"]);
  });

  it("filtering on image age and count: sinceImagePushed expires only images older than the days given", () => {
    const images = [
      image("old", ["prod-a"], 15),
      image("young", ["prod-b"], 13),
      image("untagged-old", [], 3),
      image("untagged-new", [], 0.5),
    ];
    const policy: LifecyclePolicy = {
      rules: [
        rule(1, {
          tagStatus: "tagged",
          tagPatternList: ["prod*"],
          countType: "sinceImagePushed",
          countUnit: "days",
          countNumber: 14,
        }),
        rule(2, {
          tagStatus: "untagged",
          countType: "imageCountMoreThan",
          countNumber: 1,
        }),
      ],
    };
    expect(expired(policy, images)).toEqual(["old", "untagged-old"]);
  });

  it("tag patterns match a whole tag, with * for any run of characters", () => {
    const policy: LifecyclePolicy = {
      rules: [
        rule(1, {
          tagStatus: "tagged",
          tagPatternList: ["deployed.prod.*"],
          countType: "sinceImagePushed",
          countUnit: "days",
          countNumber: 1,
        }),
      ],
    };
    const images = [
      image("prod", ["deployed.prod.abc"], 2),
      image("prod-eu", ["deployed.prod-eu.abc"], 2),
      image("not-whole", ["x-deployed.prod.abc"], 2),
    ];
    expect(expired(policy, images)).toEqual(["prod"]);
  });

  it("refuses what PutLifecyclePolicy refuses: a tagged rule without filters, two untagged rules, any not last", () => {
    const count = { countType: "imageCountMoreThan", countNumber: 1 } as const;
    expect(
      lifecyclePolicyProblems({
        rules: [
          rule(1, { tagStatus: "any", ...count }),
          rule(2, { tagStatus: "tagged", ...count }),
          rule(3, { tagStatus: "untagged", ...count }),
          rule(4, { tagStatus: "untagged", ...count }),
          rule(4, { tagStatus: "tagged", tagPatternList: ["a*b*c*d*e*f"], ...count }),
        ],
      }),
    ).toEqual([
      "rulePriority must be unique",
      "rule 1: a rule with tagStatus any must have the highest rulePriority",
      "rule 2: tagged needs a tagPrefixList or a tagPatternList",
      "rule 4: at most 4 wildcards in a pattern (a*b*c*d*e*f)",
      "only one rule may select untagged images",
    ]);
    expect(() =>
      expiredImages({ rules: [rule(1, { tagStatus: "tagged", ...count })] }, [], NOW),
    ).toThrow(/tagged needs a tagPrefixList or a tagPatternList/);
  });
});
