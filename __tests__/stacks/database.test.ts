/**
 * The environments' databases as the environment stack builds and wires them, read from the
 * synthesized committed environments. The Database construct's own contract is in
 * __tests__/database/database.test.ts.
 */
import { describe, expect, it } from "vitest";
import { onlyResource, resourcesOf, type StackJson, environmentJson } from "../helpers";

type Resource = Record<string, unknown>;
const db = (json: StackJson) => onlyResource(json, "aws_db_instance");

describe("database", () => {
  const prod = environmentJson("prod");
  const staging = environmentJson("staging");

  it("lives in the isolated subnets, is not publicly accessible, and is encrypted with the environment's key", () => {
    expect(onlyResource(prod, "aws_db_subnet_group").subnet_ids).toEqual(
      ["a", "b", "c"].map((z) => `\${aws_subnet.network_isolated_${z}.id}`),
    );
    expect(db(prod)).toMatchObject({
      engine: "postgres",
      engine_version: "16",
      db_subnet_group_name: "${aws_db_subnet_group.database_subnets.name}",
      publicly_accessible: false,
      storage_encrypted: true,
      kms_key_id: "${aws_kms_key.data_key_key.arn}",
      storage_type: "gp3",
      allocated_storage: 50,
      max_allocated_storage: 500,
      iam_database_authentication_enabled: true,
      auto_minor_version_upgrade: true,
      performance_insights_enabled: true,
      performance_insights_kms_key_id: "${aws_kms_key.data_key_key.arn}",
      monitoring_interval: 60,
      monitoring_role_arn: "${aws_iam_role.database_monitoring_role.arn}",
      enabled_cloudwatch_logs_exports: ["postgresql", "upgrade"],
    });
  });

  it("admits only the security group of the service that uses it (the API, not the worker) on 5432, which has the matching egress", () => {
    const dbSg = "${aws_security_group.database_sg.id}";
    const serviceSg = "${aws_security_group.service_api_sg.id}";
    const ingress = Object.values(resourcesOf(prod, "aws_vpc_security_group_ingress_rule")).filter(
      (r) => r.security_group_id === dbSg,
    );
    expect(ingress).toEqual([
      expect.objectContaining({
        referenced_security_group_id: serviceSg,
        from_port: 5432,
        to_port: 5432,
        ip_protocol: "tcp",
      }),
    ]);
    const egress = Object.values(resourcesOf(prod, "aws_vpc_security_group_egress_rule")).filter(
      (r) => r.security_group_id === serviceSg && r.referenced_security_group_id === dbSg,
    );
    expect(egress).toEqual([
      expect.objectContaining({ from_port: 5432, to_port: 5432, ip_protocol: "tcp" }),
    ]);
    expect(db(prod).vpc_security_group_ids).toEqual([dbSg]);
    expect(
      Object.values(resourcesOf(prod, "aws_vpc_security_group_egress_rule")).filter(
        (r) => r.referenced_security_group_id === dbSg,
      ),
    ).toHaveLength(1);
  });

  it("forces TLS and logs slow queries, connections and lock waits", () => {
    const parameters = Object.fromEntries(
      (onlyResource(prod, "aws_db_parameter_group").parameter as Resource[]).map((p) => [
        p.name,
        p.value,
      ]),
    );
    expect(parameters).toMatchObject({
      "rds.force_ssl": "1",
      log_min_duration_statement: "1000",
      log_connections: "1",
      log_disconnections: "1",
      log_lock_waits: "1",
    });
    expect(onlyResource(prod, "aws_db_parameter_group").family).toBe("postgres16");
  });

  it("keeps the master password in a Secrets Manager secret RDS manages, encrypted with the key", () => {
    expect(db(prod)).toMatchObject({
      manage_master_user_password: true,
      master_user_secret_kms_key_id: "${aws_kms_key.data_key_key.arn}",
      username: "app_admin",
    });
    expect(db(prod)).not.toHaveProperty("password");
    expect(db(prod)).not.toHaveProperty("password_wo");
  });

  it("in prod: deletion protection, prevent_destroy, a named final snapshot, Multi-AZ and 30 days of backups", () => {
    expect(db(prod)).toMatchObject({
      deletion_protection: true,
      lifecycle: { prevent_destroy: true },
      skip_final_snapshot: false,
      final_snapshot_identifier: 'orbit-prod-db-final-${formatdate("YYYYMMDDhhmmss", timestamp())}',
      multi_az: true,
      backup_retention_period: 30,
      backup_window: "02:00-03:00",
      maintenance_window: "sun:03:30-sun:04:30",
      copy_tags_to_snapshot: true,
      delete_automated_backups: false,
    });
  });

  it("in staging: single-AZ with a week of backups, and still a final snapshot on deletion", () => {
    expect(db(staging)).toMatchObject({
      multi_az: false,
      backup_retention_period: 7,
      deletion_protection: false,
      skip_final_snapshot: false,
      final_snapshot_identifier:
        'orbit-staging-db-final-${formatdate("YYYYMMDDhhmmss", timestamp())}',
    });
  });

  it("exports its logs to log groups it creates with retention and encryption", () => {
    expect(resourcesOf(prod, "aws_cloudwatch_log_group").database_log_postgresql).toMatchObject({
      name: "/aws/rds/instance/orbit-prod-db/postgresql",
      retention_in_days: 365,
      kms_key_id: "${aws_kms_key.data_key_key.arn}",
    });
  });
});

describe("the database connection of the service that uses it", () => {
  const prod = environmentJson("prod");
  const container = JSON.parse(
    resourcesOf(prod, "aws_ecs_task_definition").service_api_task!.container_definitions as string,
  )[0];
  const secret = "${aws_db_instance.database_instance.master_user_secret[0].secret_arn}";

  it("takes username and password from the managed secret by JSON key", () => {
    expect(container.secrets).toEqual([
      { name: "DB_PASSWORD", valueFrom: `${secret}:password::` },
      { name: "DB_USERNAME", valueFrom: `${secret}:username::` },
    ]);
  });

  it("gets host, port, database name, TLS mode and the secret's ARN as plain variables", () => {
    const env = Object.fromEntries(container.environment.map((e: Resource) => [e.name, e.value]));
    expect(env).toMatchObject({
      DB_HOST: "${aws_db_instance.database_instance.address}",
      DB_PORT: "5432",
      DB_NAME: "app",
      DB_SSL: "verify-full",
      DB_CREDENTIALS_ARN: secret,
    });
  });

  it("goes to no service that does not declare it", () => {
    const worker = resourcesOf(prod, "aws_ecs_task_definition").service_worker_task!
      .container_definitions as string;
    expect(worker).not.toMatch(/DB_|database/);
  });
});

describe("an environment without a database", () => {
  it("has no database, no database rules in its network ACLs, and no key use through RDS", () => {
    const json = environmentJson("staging", {
      database: undefined,
      services: { api: { uses: { database: false } } },
    });
    expect(resourcesOf(json, "aws_db_instance")).toEqual({});
    expect(JSON.stringify(resourcesOf(json, "aws_network_acl"))).not.toContain("5432");
    expect(onlyResource(json, "aws_kms_key").policy as string).not.toContain("rds.");
  });
});
