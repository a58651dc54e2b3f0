import { describe, expect, it } from "vitest";
import { environmentJson, onlyResource, resourcesOf } from "../helpers";

/**
 * A non-production environment without protected data can be torn down with `terraform destroy`
 * as docs/data.md says; a production one refuses. And every destroy or replacement of the
 * database leaves a final snapshot of its own (issue 15, item 4).
 */
describe("tearing an environment down", () => {
  const preventsDestroy = (values: Record<string, unknown>) =>
    (values.lifecycle as { prevent_destroy?: boolean } | undefined)?.prevent_destroy === true;

  it("staging (nothing protected): no resource refuses terraform destroy, the data key included", () => {
    const json = environmentJson("staging");
    const refusing = Object.entries(json.resource).flatMap(([type, byName]) =>
      Object.entries(byName)
        .filter(([, values]) => preventsDestroy(values))
        .map(([name]) => `${type}.${name}`),
    );
    expect(refusing).toEqual([]);
  });

  it("a non-production environment with a protected table keeps its key: the table is unreadable without it", () => {
    const json = environmentJson("staging", { tables: { items: { deletionProtection: true } } });
    expect(preventsDestroy(onlyResource(json, "aws_kms_key"))).toBe(true);
  });

  it("prod: the database, its table and the key that encrypts them refuse terraform destroy", () => {
    const json = environmentJson("prod");
    expect(preventsDestroy(onlyResource(json, "aws_kms_key"))).toBe(true);
    expect(preventsDestroy(onlyResource(json, "aws_db_instance"))).toBe(true);
    for (const table of Object.values(resourcesOf(json, "aws_dynamodb_table")))
      expect(preventsDestroy(table)).toBe(true);
  });

  it("the final snapshot's name is the instance's creation time, kept for its life: a second destroy never meets DBSnapshotAlreadyExists", () => {
    const db = onlyResource(environmentJson("staging"), "aws_db_instance");
    expect(db.skip_final_snapshot).toBe(false);
    expect(db.final_snapshot_identifier).toBe(
      'orbit-staging-db-final-${formatdate("YYYYMMDDhhmmss", timestamp())}',
    );
    expect(db.lifecycle).toMatchObject({ ignore_changes: ["final_snapshot_identifier"] });
  });
});
