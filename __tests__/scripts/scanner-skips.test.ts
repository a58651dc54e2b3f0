import { mkdtempSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { loadSkips, skipFor, unusedSkipLines } from "../../scripts/scanner-skips";

const file = (skips: unknown[]) => {
  const path = join(mkdtempSync(join(tmpdir(), "skips-")), "skips.json");
  writeFileSync(path, JSON.stringify({ skips }));
  return path;
};
const REASON = "a reason long enough to be one";

describe("a scanner's accepted findings", () => {
  it("are read with their reasons, and refused without one or with another scanner's check id", () => {
    expect(loadSkips(file([{ check: "AWS-0104", reason: REASON }]), /^AWS-\d{4}$/)).toHaveLength(1);
    expect(() =>
      loadSkips(file([{ check: "AWS-0104", reason: "short" }]), /^AWS-\d{4}$/),
    ).toThrow();
    expect(() =>
      loadSkips(file([{ check: "CKV_AWS_1", reason: REASON }]), /^AWS-\d{4}$/),
    ).toThrow();
  });

  it("accept a finding by check, stack and resource, a resource named in either form", () => {
    const skips = [
      { check: "CKV_AWS_21", reason: REASON, stacks: ["prod"], resources: ["aws_s3_bucket.logs"] },
    ];
    expect(skipFor(skips, "prod", "CKV_AWS_21", "resource.logs")).toBe(skips[0]);
    expect(skipFor(skips, "prod", "CKV_AWS_21", "aws_s3_bucket.logs")).toBe(skips[0]);
    expect(skipFor(skips, "staging", "CKV_AWS_21", "aws_s3_bucket.logs")).toBeUndefined();
    expect(skipFor(skips, "prod", "CKV_AWS_22", "aws_s3_bucket.logs")).toBeUndefined();
    expect(skipFor(skips, "prod", "CKV_AWS_21", "aws_s3_bucket.state")).toBeUndefined();
  });

  it("report the skips nothing used, so they are removed", () => {
    const skips = [
      { check: "AWS-0001", reason: REASON },
      { check: "AWS-0002", reason: REASON, resources: ["aws_lb.alb"] },
    ];
    expect(unusedSkipLines(skips, new Set([skips[0]!]))).toEqual([
      "  unused skip AWS-0002 (aws_lb.alb): remove it if it no longer applies",
    ]);
  });
});
