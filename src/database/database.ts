import { CloudwatchLogGroup } from "@cdktf/provider-aws/lib/cloudwatch-log-group";
import { DbInstance } from "@cdktf/provider-aws/lib/db-instance";
import { DbParameterGroup } from "@cdktf/provider-aws/lib/db-parameter-group";
import { DbSubnetGroup } from "@cdktf/provider-aws/lib/db-subnet-group";
import { IamRole } from "@cdktf/provider-aws/lib/iam-role";
import { IamRolePolicy } from "@cdktf/provider-aws/lib/iam-role-policy";
import type { SecurityGroup } from "@cdktf/provider-aws/lib/security-group";
import { Fn } from "cdktf";
import { Construct } from "constructs";
import { DATABASE_PORT, type DatabaseSettings } from "./settings";

export { DATABASE_PORT };

/** What a service that uses the database may do beyond connecting: re-read its credentials. */
export const DATABASE_CREDENTIALS_ACTIONS: readonly string[] = ["secretsmanager:GetSecretValue"];
/** KMS use through Secrets Manager, which decrypts the secret with the caller's permissions. */
export const DATABASE_CREDENTIALS_KEY_ACTIONS: readonly string[] = ["kms:Decrypt"];
import { keyUseVia, policyDocument, serviceTrustPolicy, type Grantee } from "../lib/iam";
import { securityGroup } from "../network/security-group";

/** Logs PostgreSQL sends to CloudWatch. */
const LOG_EXPORTS = ["postgresql", "upgrade"];

/** The database's settings (`./settings.ts`, units and defaults there) and its wiring. */
export interface DatabaseProps extends DatabaseSettings {
  readonly namePrefix: string;
  readonly region: string;
  readonly accountId: string;
  readonly vpcId: string;
  /** The isolated subnets: no route beyond the VPC. */
  readonly subnetIds: readonly string[];
  /** Encrypts storage, backups, Performance Insights, the master secret and the log groups. */
  readonly kmsKeyArn: string;
  /** Retention of the exported PostgreSQL logs. */
  readonly logRetentionDays: number;
}

/**
 * RDS PostgreSQL in the isolated subnets, reachable only from the security groups the stack
 * connects to it (`TrafficRule`), never from outside the VPC.
 *
 * - Encrypted with the environment's key; TLS forced (`rds.force_ssl`); IAM authentication on.
 * - The master password is generated and rotated by RDS in Secrets Manager (encrypted with the
 *   key): no password exists in the configuration, the plan or the state.
 * - gp3 storage that grows by itself up to `maxAllocatedStorageGiB`.
 * - Automated backups for `backupRetentionDays` (the point-in-time-recovery window), tags copied
 *   to snapshots, and a final snapshot with a fixed name on deletion (`<prefix>-db-final`).
 * - Performance Insights, enhanced monitoring, and its logs in CloudWatch with retention.
 *
 * Cost per month (eu-west-1): db.t4g.micro ~$13, db.t4g.medium ~$53, doubled by Multi-AZ; gp3
 * $0.133 per GB; backups free up to the database's size; Performance Insights free at 7 days.
 */
export class Database extends Construct {
  public readonly securityGroup: SecurityGroup;
  public readonly instance: DbInstance;
  /** The ARN of the Secrets Manager secret RDS keeps the master credentials in. */
  public readonly masterSecretArn: string;
  private monitoringPolicy?: IamRolePolicy;

  constructor(
    scope: Construct,
    id: string,
    private readonly props: DatabaseProps,
  ) {
    super(scope, id);
    const subnetGroup = new DbSubnetGroup(this, "subnets", {
      name: `${props.namePrefix}-db`,
      description: "Isolated subnets: no route beyond the VPC",
      subnetIds: [...props.subnetIds],
    });
    this.securityGroup = securityGroup(this, "sg", {
      name: `${props.namePrefix}-db`,
      description: "Database: PostgreSQL from the service only",
      vpcId: props.vpcId,
    });
    const parameters = this.createParameterGroup();
    const logGroups = LOG_EXPORTS.map(
      (log) =>
        new CloudwatchLogGroup(this, `log-${log}`, {
          name: `/aws/rds/instance/${props.namePrefix}-db/${log}`,
          retentionInDays: props.logRetentionDays,
          kmsKeyId: props.kmsKeyArn,
        }),
    );
    this.instance = new DbInstance(this, "instance", {
      identifier: `${props.namePrefix}-db`,
      engine: "postgres",
      engineVersion: props.engineVersion,
      autoMinorVersionUpgrade: true,
      allowMajorVersionUpgrade: false,
      instanceClass: props.instanceClass,
      dbName: props.databaseName,
      username: props.masterUsername,
      manageMasterUserPassword: true,
      masterUserSecretKmsKeyId: props.kmsKeyArn,
      iamDatabaseAuthenticationEnabled: true,
      port: DATABASE_PORT,
      dbSubnetGroupName: subnetGroup.name,
      vpcSecurityGroupIds: [this.securityGroup.id],
      publiclyAccessible: false,
      multiAz: props.multiAz,
      parameterGroupName: parameters.name,
      caCertIdentifier: "rds-ca-rsa2048-g1",
      storageType: "gp3",
      allocatedStorage: props.allocatedStorageGiB,
      maxAllocatedStorage: props.maxAllocatedStorageGiB,
      storageEncrypted: true,
      kmsKeyId: props.kmsKeyArn,
      backupRetentionPeriod: props.backupRetentionDays,
      backupWindow: props.backupWindow,
      maintenanceWindow: props.maintenanceWindow,
      copyTagsToSnapshot: true,
      deleteAutomatedBackups: false,
      skipFinalSnapshot: false,
      // Unique per instance: the time of its creation, kept (ignore_changes) for its life, so a
      // second replacement or destroy never meets DBSnapshotAlreadyExists. Built-in functions
      // only: no provider to install for a random suffix.
      finalSnapshotIdentifier: `${props.namePrefix}-db-final-${Fn.formatdate("YYYYMMDDhhmmss", Fn.timestamp())}`,
      deletionProtection: props.deletionProtection,
      performanceInsightsEnabled: true,
      performanceInsightsKmsKeyId: props.kmsKeyArn,
      performanceInsightsRetentionPeriod: props.performanceInsightsRetentionDays,
      ...this.monitoring(),
      enabledCloudwatchLogsExports: LOG_EXPORTS,
      applyImmediately: false,
      // The monitoring role must hold its permissions before RDS first publishes with it.
      dependsOn: [...logGroups, ...(this.monitoringPolicy ? [this.monitoringPolicy] : [])],
      lifecycle: {
        preventDestroy: props.deletionProtection,
        ignoreChanges: ["final_snapshot_identifier"],
      },
    });
    this.masterSecretArn = this.instance.masterUserSecret.get(0).secretArn;
  }

  private createParameterGroup(): DbParameterGroup {
    const parameter = (name: string, value: string, applyMethod = "immediate") => ({
      name,
      value,
      applyMethod,
    });
    return new DbParameterGroup(this, "parameters", {
      // A prefix, not a name: a replacement (a new family, a new description) is created before
      // the old group is destroyed, and Terraform makes the two names unique.
      namePrefix: `${this.props.namePrefix}-postgres${this.props.engineVersion}-`,
      family: `postgres${this.props.engineVersion}`,
      description: "TLS only; slow queries, connections and lock waits logged",
      parameter: [
        parameter("rds.force_ssl", "1"),
        parameter("log_min_duration_statement", "1000"),
        parameter("log_connections", "1"),
        parameter("log_disconnections", "1"),
        parameter("log_lock_waits", "1"),
        parameter("log_temp_files", "0"),
        parameter("log_autovacuum_min_duration", "10000"),
        parameter("idle_in_transaction_session_timeout", "300000"),
      ],
      lifecycle: { createBeforeDestroy: true },
    });
  }

  /** Enhanced monitoring and the role RDS uses to publish it, limited to the RDSOSMetrics log group. */
  private monitoring(): { monitoringInterval: number; monitoringRoleArn?: string } {
    const { props } = this;
    if (props.monitoringIntervalSeconds === 0) return { monitoringInterval: 0 };
    const role = new IamRole(this, "monitoring-role", {
      name: `${props.namePrefix}-rds-monitoring`,
      assumeRolePolicy: serviceTrustPolicy("monitoring.rds.amazonaws.com", props.accountId),
    });
    const logGroup = `arn:aws:logs:${props.region}:${props.accountId}:log-group:RDSOSMetrics`;
    const policy = new IamRolePolicy(this, "monitoring-policy", {
      role: role.id,
      name: "publish-enhanced-monitoring",
      policy: policyDocument(
        {
          Sid: "EnhancedMonitoringLogGroup",
          Effect: "Allow",
          Action: ["logs:CreateLogGroup", "logs:PutRetentionPolicy"],
          Resource: logGroup,
        },
        {
          Sid: "EnhancedMonitoringStreams",
          Effect: "Allow",
          Action: [
            "logs:CreateLogStream",
            "logs:PutLogEvents",
            "logs:DescribeLogStreams",
            "logs:GetLogEvents",
          ],
          Resource: `${logGroup}:log-stream:*`,
        },
      ),
    });
    this.monitoringPolicy = policy;
    return { monitoringInterval: props.monitoringIntervalSeconds, monitoringRoleArn: role.arn };
  }

  /**
   * What a service that uses the database finds in its environment, and the credentials ECS
   * reads from the managed secret into it (never in plain text). `DB_CREDENTIALS_ARN` lets the
   * service re-read the secret after RDS rotates it.
   */
  public connection(): {
    environment: Record<string, string>;
    secrets: Record<string, string>;
  } {
    return {
      environment: {
        DB_HOST: this.instance.address,
        DB_PORT: String(DATABASE_PORT),
        DB_NAME: this.props.databaseName,
        DB_SSL: "verify-full",
        DB_CREDENTIALS_ARN: this.masterSecretArn,
      },
      secrets: {
        DB_USERNAME: `${this.masterSecretArn}:username::`,
        DB_PASSWORD: `${this.masterSecretArn}:password::`,
      },
    };
  }

  /**
   * Re-reading the master secret after a rotation, and the key behind it: Secrets Manager
   * decrypts it with the caller's permissions. (The network path is the stack's `TrafficRule`.)
   */
  public grantConnect(grantee: Grantee): void {
    grantee.grant(
      "database-credentials",
      {
        Sid: "DatabaseCredentials",
        Effect: "Allow",
        Action: [...DATABASE_CREDENTIALS_ACTIONS],
        Resource: this.masterSecretArn,
      },
      keyUseVia(
        this.props.kmsKeyArn,
        "secretsmanager",
        this.props.region,
        DATABASE_CREDENTIALS_KEY_ACTIONS,
      ),
    );
  }
}
