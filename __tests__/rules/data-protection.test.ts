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
      expect.stringMatching(
        /^aws_db_instance\.db lacks deletion_protection = true; it is set in code/,
      ),
      expect.stringMatching(/^aws_db_instance\.db lacks a final snapshot; it is set in code/),
      expect.stringMatching(
        /^aws_db_instance\.db lacks lifecycle\.prevent_destroy; it is set in code/,
      ),
    ]);
  });

  it("names the configuration field where one sets the attribute: the field, the value, what is allowed, the fix", () => {
    const json = database({ deletion_protection: false, backup_retention_period: 3 });
    const db = json.resource.aws_db_instance.db as Record<string, unknown>;
    db["//"] = { metadata: { path: "prod/database/instance" } };
    const table = {
      "//": { metadata: { path: "prod/table-items/table" } },
      deletion_protection_enabled: false,
      point_in_time_recovery: { enabled: true },
      lifecycle: { prevent_destroy: true },
    };
    const result = dataProtection.check(
      model({ resource: { ...json.resource, aws_dynamodb_table: { items: table } } }, "prod"),
      context,
    );
    expect(result.findings.map((f) => f.message)).toEqual([
      "prod.database.deletionProtection: false; allowed: true where data is protected (a production tier); fix: set prod.database.deletionProtection to true (aws_db_instance.db lacks deletion_protection = true)",
      "prod.database.backupRetentionDays: 3; allowed: 7 or more where data is protected (a production tier); fix: set prod.database.backupRetentionDays to 7 or more (aws_db_instance.db lacks backups of at least 7 days (backup_retention_period))",
      "prod.tables.items.deletionProtection: false; allowed: true where data is protected (a production tier); fix: set prod.tables.items.deletionProtection to true (aws_dynamodb_table.items lacks deletion_protection_enabled = true)",
    ]);
  });

  it("catches an unversioned bucket", () => {
    const json = {
      resource: { aws_s3_bucket: { state: { lifecycle: { prevent_destroy: true } } } },
    };
    expect(dataProtection.check(model(json), context).findings.map((f) => f.message)).toEqual([
      expect.stringMatching(/^aws_s3_bucket\.state lacks versioning; it is set in code/),
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
