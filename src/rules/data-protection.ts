import { configField } from "./config-fields";
import { block, type Resource, type StackModel } from "./model";
import { fromFindings, notApplicable, type Finding, type Rule } from "./rule";

const preventsDestroy = (r: Resource) =>
  (r.values.lifecycle as { prevent_destroy?: boolean } | undefined)?.prevent_destroy === true;

function versioned(stack: StackModel, bucket: Resource): boolean {
  return stack
    .resources("aws_s3_bucket_versioning")
    .some(
      (v) =>
        stack.refersTo(v.values.bucket, bucket) &&
        block(v.values.versioning_configuration)?.status === "Enabled",
    );
}

/** PLAT-8: in prod (and the state stack) every stateful resource is protected from loss. */
export const dataProtection: Rule = {
  id: "PLAT-8",
  name: "Data protection",
  level: "error",
  message:
    "Stateful resources have deletion protection, backups or versioning, and prevent_destroy.",
  explanation:
    "A renamed construct or a careless destroy plans the deletion of a database, table or bucket; Terraform carries " +
    "it out unless the resource refuses. Lost state or data cannot be recovered without backups.",
  check(stack, context) {
    if (!context.protectData) return notApplicable();
    const findings: Finding[] = [];
    // Names the configuration field where one sets it: `prod.database.deletionProtection: false;
    // allowed: true; fix: ...`, then the Terraform address; else says that code sets it.
    const demand = (
      resource: Resource,
      ok: boolean,
      what: string,
      setting?: { attribute: string; allowed: string },
    ) => {
      if (ok) return;
      const field = setting && configField(stack.name, resource, setting.attribute);
      findings.push({
        paths: [resource.path],
        message: field
          ? `${field}: ${JSON.stringify(resource.values[setting!.attribute] ?? null)}; allowed: ${setting!.allowed} where data is protected (a production tier); fix: set ${field} to ${setting!.allowed} (${resource.address} lacks ${what})`
          : `${resource.address} lacks ${what}; it is set in code, not configuration: restore it in the construct of ${resource.path}`,
      });
    };
    const stateful = [
      ...stack.resources("aws_db_instance"),
      ...stack.resources("aws_dynamodb_table"),
      ...stack.resources("aws_s3_bucket"),
      ...stack.resources("aws_kms_key"),
    ];
    if (stateful.length === 0) return notApplicable();
    for (const db of stack.resources("aws_db_instance")) {
      demand(db, db.values.deletion_protection === true, "deletion_protection = true", {
        attribute: "deletion_protection",
        allowed: "true",
      });
      demand(
        db,
        Number(db.values.backup_retention_period ?? 0) >= 7,
        "backups of at least 7 days (backup_retention_period)",
        { attribute: "backup_retention_period", allowed: "7 or more" },
      );
      demand(
        db,
        db.values.skip_final_snapshot !== true && !!db.values.final_snapshot_identifier,
        "a final snapshot",
      );
    }
    for (const table of stack.resources("aws_dynamodb_table")) {
      demand(
        table,
        table.values.deletion_protection_enabled === true,
        "deletion_protection_enabled = true",
        { attribute: "deletion_protection_enabled", allowed: "true" },
      );
      demand(
        table,
        block(table.values.point_in_time_recovery)?.enabled === true,
        "point-in-time recovery",
      );
    }
    for (const bucket of stack.resources("aws_s3_bucket")) {
      demand(bucket, versioned(stack, bucket), "versioning");
      demand(bucket, bucket.values.force_destroy !== true, "force_destroy = false");
    }
    for (const resource of stateful)
      demand(resource, preventsDestroy(resource), "lifecycle.prevent_destroy");
    return fromFindings(findings);
  },
};
