import { DbInstance } from "@cdktf/provider-aws/lib/db-instance";
import { DbSubnetGroup } from "@cdktf/provider-aws/lib/db-subnet-group";
import { IamRole } from "@cdktf/provider-aws/lib/iam-role";
import { Testing } from "cdktf";
import { describe, expect, it } from "vitest";
import { Database, type DatabaseProps } from "../../src/database/database";
import { DatabaseSchema } from "../../src/database/settings";
import {
  bareStack,
  grantedPolicies,
  policyGrantee,
  resolved,
  resourcesOf,
  synth,
} from "../helpers";

const KEY = "arn:aws:kms:eu-west-1:111111111111:key/test";

/** GIVEN a bare stack WHEN a database is built from default settings and minimal wiring. */
function database(settings: Record<string, unknown> = {}, props: Partial<DatabaseProps> = {}) {
  const stack = bareStack();
  const construct = new Database(stack, "database", {
    ...DatabaseSchema.parse(settings),
    namePrefix: "orbit-test",
    region: "eu-west-1",
    accountId: "111111111111",
    vpcId: "vpc-1",
    subnetIds: ["subnet-a", "subnet-b"],
    kmsKeyArn: KEY,
    logRetentionDays: 30,
    ...props,
  });
  return { stack, database: construct, text: Testing.synth(stack), json: synth(stack) };
}

describe("Database, built alone", () => {
  describe("GIVEN the default settings", () => {
    const built = database();

    it("THEN one private PostgreSQL instance in the given subnets, encrypted with the given key, its password managed by RDS", () => {
      expect(built.text).toHaveResourceWithProperties(DbSubnetGroup, {
        name: "orbit-test-db",
        subnet_ids: ["subnet-a", "subnet-b"],
      });
      expect(built.text).toHaveResourceWithProperties(DbInstance, {
        identifier: "orbit-test-db",
        engine: "postgres",
        instance_class: "db.t4g.micro",
        publicly_accessible: false,
        storage_encrypted: true,
        kms_key_id: KEY,
        manage_master_user_password: true,
        master_user_secret_kms_key_id: KEY,
        allocated_storage: 20,
        max_allocated_storage: 100,
        multi_az: false,
        skip_final_snapshot: false,
      });
    });

    it("THEN deletion protection and prevent_destroy, the default", () => {
      expect(built.text).toHaveResourceWithProperties(DbInstance, {
        deletion_protection: true,
        lifecycle: { prevent_destroy: true, ignore_changes: ["final_snapshot_identifier"] },
      });
    });

    it("THEN enhanced monitoring every 60 s through a role of its own", () => {
      expect(built.text).toHaveResourceWithProperties(DbInstance, { monitoring_interval: 60 });
      expect(built.text).toHaveResourceWithProperties(IamRole, {
        name: "orbit-test-rds-monitoring",
      });
    });

    it("THEN it exposes a security group (no rule: the stack adds who may connect) and the connection a service gets", () => {
      expect(resourcesOf(built.json, "aws_security_group_rule")).toEqual({});
      expect(resourcesOf(built.json, "aws_vpc_security_group_ingress_rule")).toEqual({});
      expect(resolved(built.stack, built.database.securityGroup.id)).toBe(
        "${aws_security_group.database_sg.id}",
      );
      const connection = built.database.connection();
      expect(Object.keys(connection.environment).sort()).toEqual([
        "DB_CREDENTIALS_ARN",
        "DB_HOST",
        "DB_NAME",
        "DB_PORT",
        "DB_SSL",
      ]);
      expect(connection.environment).toMatchObject({ DB_PORT: "5432", DB_SSL: "verify-full" });
      expect(Object.keys(connection.secrets).sort()).toEqual(["DB_PASSWORD", "DB_USERNAME"]);
    });
  });

  it("GIVEN monitoringIntervalSeconds 0 THEN no enhanced monitoring and no role", () => {
    const { text } = database({ monitoringIntervalSeconds: 0 });
    expect(text).toHaveResourceWithProperties(DbInstance, { monitoring_interval: 0 });
    expect(text).not.toHaveResource(IamRole);
  });

  it("GIVEN deletionProtection false THEN the instance may be destroyed", () => {
    const { text } = database({ deletionProtection: false });
    expect(text).toHaveResourceWithProperties(DbInstance, {
      deletion_protection: false,
      lifecycle: { prevent_destroy: false, ignore_changes: ["final_snapshot_identifier"] },
    });
  });

  it("WHEN a grantee is granted connect THEN it may read the master secret, and decrypt it only through Secrets Manager", () => {
    const stack = bareStack();
    const built = new Database(stack, "database", {
      ...DatabaseSchema.parse({}),
      namePrefix: "orbit-test",
      region: "eu-west-1",
      accountId: "111111111111",
      vpcId: "vpc-1",
      subnetIds: ["subnet-a", "subnet-b"],
      kmsKeyArn: KEY,
      logRetentionDays: 30,
    });
    built.grantConnect(policyGrantee(stack));
    const [secret, key] = grantedPolicies(synth(stack))["database-credentials"]!;
    expect(secret).toMatchObject({ Sid: "DatabaseCredentials", Effect: "Allow" });
    expect(key).toMatchObject({
      Resource: KEY,
      Condition: { StringEquals: { "kms:ViaService": "secretsmanager.eu-west-1.amazonaws.com" } },
    });
  });
});
