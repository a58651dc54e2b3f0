import { readFileSync } from "node:fs";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import {
  classifyChanges,
  parseExclusions,
  planTargets,
  settingsOverride,
  type KnownDifference,
} from "../../scripts/terraform/exclusions";
import type { ResourceDifference } from "../../scripts/terraform/output";
import {
  externalHostedZones,
  referencedResources,
  type StackJson,
} from "../../scripts/terraform/stack-json";

const reason = "a reason long enough to explain why moto cannot do this";

/** a -> b -> c (a refers to b, b to c), d refers to nothing, e depends_on a. */
const fixture: StackJson = {
  resource: {
    aws_a: { one: { ref: "${aws_b.two.id}", other: "${data.aws_b.two.id}" } },
    aws_b: { two: { nested: [{ list: ["prefix-${aws_c.three.arn}-suffix"] }] } },
    aws_c: { three: { name: "plain" } },
    aws_d: { four: { description: "mentions aws_c.three in plain text" } },
    aws_e: { five: { depends_on: ["aws_a.one"] } },
  },
};

describe("references between resources", () => {
  it("finds interpolations and depends_on, not data sources", () => {
    expect(referencedResources(fixture, "aws_a.one")).toEqual(["aws_b.two"]);
    expect(referencedResources(fixture, "aws_b.two")).toEqual(["aws_c.three"]);
    expect(referencedResources(fixture, "aws_e.five")).toEqual(["aws_a.one"]);
    expect(referencedResources(fixture, "aws_c.three")).toEqual([]);
  });
});

describe("the e2e exclusion list", () => {
  it("leaves out a listed resource and everything that depends on it, directly or not", () => {
    const plan = planTargets(fixture, "s", [{ match: "aws_c.three", reason }]);
    expect(plan.excluded.map((e) => e.address)).toEqual([
      "aws_a.one",
      "aws_b.two",
      "aws_c.three",
      "aws_d.four",
      "aws_e.five",
    ]);
    // aws_d.four names aws_c.three in plain text: the conservative reading leaves it out too.
    expect(plan.targets).toEqual([]);
    expect(plan.excluded.find((e) => e.address === "aws_e.five")).toMatchObject({
      reason: "depends on aws_a.one",
      cause: "aws_c.three",
    });
  });

  it("matches whole types, keeps what does not depend on them, and honours stacks", () => {
    const plan = planTargets(fixture, "s", [{ match: "aws_a", reason }]);
    expect(plan.targets).toEqual(["aws_b.two", "aws_c.three", "aws_d.four"]);
    expect(plan.total).toBe(5);
    const elsewhere = planTargets(fixture, "s", [{ match: "aws_a", stacks: ["other"], reason }]);
    expect(elsewhere.excluded).toEqual([]);
    expect(elsewhere.used).toEqual([]);
  });

  it("rejects entries without a real reason, bad matches and duplicates", () => {
    expect(() => parseExclusions({ exclusions: [{ match: "aws_a", reason: "moto" }] })).toThrow(
      /reason/,
    );
    expect(() => parseExclusions({ exclusions: [{ match: "a b", reason }] })).toThrow(/match/);
    expect(() =>
      parseExclusions({
        exclusions: [
          { match: "aws_a", reason },
          { match: "aws_a", reason },
        ],
      }),
    ).toThrow(/twice/);
    expect(() => parseExclusions({ exclusions: [], extra: 1 })).toThrow();
  });

  it("parses the committed list, every entry with its reason", () => {
    const list = parseExclusions(
      JSON.parse(readFileSync(join(__dirname, "../../scripts/e2e.exclusions.json"), "utf8")),
    );
    expect(list.exclusions.length).toBeGreaterThan(0);
    for (const e of [...list.exclusions, ...list.knownDifferences, ...list.settings]) {
      expect(e.reason.length).toBeGreaterThanOrEqual(30);
    }
  });
});

describe("arguments set differently for the emulator", () => {
  const setting = { match: "aws_a", set: { wait: false }, reason };

  it("set the listed arguments on every resource of the listed type, and nothing else", () => {
    const stack: StackJson = {
      resource: { aws_a: { one: { wait: true, name: "x" }, two: {} }, aws_b: { three: {} } },
    };
    const { content, used } = settingsOverride(stack, [setting]);
    expect(content).toEqual({
      resource: { aws_a: { one: { wait: false }, two: { wait: false } } },
    });
    expect(used).toEqual([setting]);
  });

  it("write no override for a stack without the type", () => {
    expect(settingsOverride({ resource: { aws_b: { three: {} } } }, [setting])).toEqual({
      content: undefined,
      used: [],
    });
  });

  it("must name a resource type and give a reason", () => {
    expect(() =>
      parseExclusions({ exclusions: [], settings: [{ ...setting, match: "aws_a.one" }] }),
    ).toThrow(/resource type/);
    expect(() =>
      parseExclusions({ exclusions: [], settings: [{ ...setting, reason: "moto" }] }),
    ).toThrow(/settings/);
  });
});

describe("known moto differences in a second plan", () => {
  const known: KnownDifference[] = [{ match: "aws_s3_bucket", attributes: ["tags_all"], reason }];
  const update = (address: string, ...paths: string[]): ResourceDifference => ({
    address,
    action: "update",
    attributes: paths.map((path) => ({ path, before: "null", after: '"x"' })),
  });

  it("accepts an update only when every changed attribute is listed", () => {
    const result = classifyChanges(
      [
        update("aws_s3_bucket.logs", "tags_all.Project", "tags_all.Environment"),
        update("aws_s3_bucket.state", "tags_all.Project", "versioning.0.enabled"),
        update("aws_s3_bucket_policy.p", "tags_all.Project"),
      ],
      "staging",
      known,
    );
    expect(result.known.map((k) => k.difference.address)).toEqual(["aws_s3_bucket.logs"]);
    expect(result.unexpected.map((u) => u.address)).toEqual([
      "aws_s3_bucket.state",
      "aws_s3_bucket_policy.p",
    ]);
  });

  it("never accepts a replacement or a path that only starts like the attribute", () => {
    const replace = {
      ...update("aws_s3_bucket.logs", "tags_all.Project"),
      action: "delete+create",
    };
    expect(classifyChanges([replace], "s", known).unexpected).toHaveLength(1);
    expect(classifyChanges([update("aws_s3_bucket.l", "tags_allx")], "s", known).known).toEqual([]);
  });
});

describe("a known replacement and what follows from it", () => {
  const stack: StackJson = {
    resource: {
      aws_acm_certificate: { cert: { key_algorithm: "EC_prime256v1" } },
      aws_lb_listener: { https: { certificate_arn: "${aws_acm_certificate.cert.arn}" } },
      aws_lb: { alb: { name: "alb" } },
    },
  };
  const list: KnownDifference[] = [
    { match: "aws_acm_certificate", attributes: ["key_algorithm"], replaces: true, reason },
  ];
  const replaced: ResourceDifference = {
    address: "aws_acm_certificate.cert",
    action: "create+delete",
    attributes: [
      { path: "arn", before: '"a"', after: "(known after apply)" },
      { path: "certificate_authority_arn", before: '""', after: "null" },
      { path: "key_algorithm", before: '"RSA_2048"', after: '"EC_prime256v1"' },
    ],
  };
  const listener: ResourceDifference = {
    address: "aws_lb_listener.https",
    action: "update",
    attributes: [{ path: "certificate_arn", before: '"a"', after: "(known after apply)" }],
  };

  it("accepts the replacement and the changes that only follow from it", () => {
    const result = classifyChanges([replaced, listener], "s", list, stack);
    expect(result.unexpected).toEqual([]);
    expect(result.known[1]!.reasons).toEqual(["follows from aws_acm_certificate.cert"]);
  });

  it("refuses a replacement whose cause is not listed as one, or that changes more", () => {
    const inPlaceOnly = [{ ...list[0]!, replaces: undefined }];
    expect(classifyChanges([replaced, listener], "s", inPlaceOnly, stack).known).toEqual([]);
    const more = {
      ...replaced,
      attributes: [...replaced.attributes, { path: "domain_name", before: '"a"', after: '"b"' }],
    };
    expect(classifyChanges([more], "s", list, stack).unexpected).toHaveLength(1);
  });

  it("does not excuse a change of a resource that does not refer to the known one", () => {
    const unrelated = { ...listener, address: "aws_lb.alb" };
    expect(classifyChanges([replaced, unrelated], "s", list, stack).unexpected).toEqual([
      unrelated,
    ]);
  });
});

describe("hosted zones a stack writes into", () => {
  it("are the literal zone ids, named after their shortest literal record", () => {
    const stack: StackJson = {
      resource: {
        aws_route53_record: {
          alias: { zone_id: "ZONE1", name: "app.example.com" },
          validation: { zone_id: "ZONE1", name: "${aws_acm_certificate.c.name}" },
          www: { zone_id: "ZONE1", name: "www.app.example.com." },
          managed: { zone_id: "${aws_route53_zone.z.zone_id}", name: "x.example.com" },
        },
      },
    };
    expect(externalHostedZones(stack)).toEqual([{ id: "ZONE1", name: "app.example.com" }]);
  });
});
