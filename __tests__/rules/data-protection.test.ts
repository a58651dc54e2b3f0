import { describe, expect, it } from "vitest";
import { dataProtection } from "../../src/rules/data-protection";
import { context, model } from "./fixtures";

const database = (values: Record<string, unknown>) => ({
  resource: {
    aws_db_instance: {
      db: {
        deletion_protection: true,
        backup_retention_period: 30,
        skip_final_snapshot: false,
        final_snapshot_identifier: "app-final",
        lifecycle: { prevent_destroy: true },
        ...values,
      },
    },
  },
});

describe("PLAT-8 data protection", () => {
  it("passes a protected database", () => {
    expect(dataProtection.check(model(database({})), context).verdict).toBe("compliant");
  });

  it("catches a prod database without deletion protection, prevent_destroy or final snapshot", () => {
    const result = dataProtection.check(
      model(
        database({ deletion_protection: false, skip_final_snapshot: true, lifecycle: undefined }),
      ),
      context,
    );
    expect(result.findings.map((f) => f.message)).toEqual([
      "aws_db_instance.db lacks deletion_protection = true",
      "aws_db_instance.db lacks a final snapshot",
      "aws_db_instance.db lacks lifecycle.prevent_destroy",
    ]);
  });

  it("catches an unversioned bucket", () => {
    const json = {
      resource: { aws_s3_bucket: { state: { lifecycle: { prevent_destroy: true } } } },
    };
    expect(dataProtection.check(model(json), context).findings.map((f) => f.message)).toEqual([
      "aws_s3_bucket.state lacks versioning",
    ]);
  });

  it("does not apply outside prod and the state stack", () => {
    expect(
      dataProtection.check(model(database({ deletion_protection: false })), {
        ...context,
        protectData: false,
      }).verdict,
    ).toBe("not-applicable");
  });
});
