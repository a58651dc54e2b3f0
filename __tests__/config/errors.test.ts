import { z } from "zod";
import { describe, expect, it } from "vitest";
import { ConfigError, explainBuiltinIssue, formatIssues } from "../../src/config/errors";

const schema = z.strictObject({
  network: z.strictObject({ azCount: z.number(), name: z.string().optional() }),
  tags: z.record(z.string().regex(/^[a-z]+$/, "is not a tag key"), z.string()).optional(),
});

const problems = (input: unknown) => {
  const result = schema.safeParse(input, { error: explainBuiltinIssue });
  return result.success ? [] : formatIssues("prod", input, result.error.issues);
};

describe("configuration errors", () => {
  it("name the field path, the value as written and zod's check in the project's shape", () => {
    expect(problems({ network: { azCount: "2" } })).toEqual([
      'prod.network.azCount: "2" has the wrong type; allowed: a number; fix: write it as a number',
    ]);
    expect(problems({ network: {} })).toEqual([
      "prod.network.azCount: (not set) is missing; allowed: a number; fix: add the field",
    ]);
  });

  it("name a misspelt field and where the valid ones are documented", () => {
    expect(problems({ network: { azCount: 2, nmae: "x" } })).toEqual([
      'prod.network.nmae: "x" is not a known field; allowed: the fields documented in src/config/schema.ts; fix: remove it or correct its spelling',
    ]);
  });

  it("show a bad record key itself", () => {
    expect(problems({ network: { azCount: 2 }, tags: { Owner: "me" } })).toEqual([
      'prod.tags.Owner: "Owner" is not a tag key',
    ]);
  });

  it("ConfigError lists every problem, one per line, and keeps them", () => {
    const error = new ConfigError(["a: 1 is bad", "b: 2 is bad"]);
    expect(error.message).toBe(
      "Invalid configuration (2 problems):\n  - a: 1 is bad\n  - b: 2 is bad",
    );
    expect(error.problems).toEqual(["a: 1 is bad", "b: 2 is bad"]);
    expect(new ConfigError(["x"]).message).toMatch(/^Invalid configuration \(1 problem\):/);
  });
});
