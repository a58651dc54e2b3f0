import { DynamodbResourcePolicy } from "@cdktf/provider-aws/lib/dynamodb-resource-policy";
import { DynamodbTable } from "@cdktf/provider-aws/lib/dynamodb-table";
import { IamRole } from "@cdktf/provider-aws/lib/iam-role";
import { IamRolePolicy } from "@cdktf/provider-aws/lib/iam-role-policy";
import { S3Bucket } from "@cdktf/provider-aws/lib/s3-bucket";
import { S3BucketLifecycleConfiguration } from "@cdktf/provider-aws/lib/s3-bucket-lifecycle-configuration";
import { S3BucketOwnershipControls } from "@cdktf/provider-aws/lib/s3-bucket-ownership-controls";
import { S3BucketPolicy } from "@cdktf/provider-aws/lib/s3-bucket-policy";
import { S3BucketPublicAccessBlock } from "@cdktf/provider-aws/lib/s3-bucket-public-access-block";
import { S3BucketServerSideEncryptionConfigurationA as S3BucketServerSideEncryptionConfiguration } from "@cdktf/provider-aws/lib/s3-bucket-server-side-encryption-configuration";
import { S3BucketVersioningA as S3BucketVersioning } from "@cdktf/provider-aws/lib/s3-bucket-versioning";
import { Construct } from "constructs";
import { policyDocument, type PolicyStatement } from "../lib/iam";

export interface StateAccessRole {
  /** Construct id, unique within the backend; the Terraform address follows from it. */
  readonly id: string;
  readonly name: string;
  /**
   * The roles that may assume it, by ARN (compared with `aws:PrincipalArn`): e.g. the CI deploy
   * role of its stack, an administrator role and the break-glass role. No other principal of their
   * accounts, whatever its own policies say.
   */
  readonly trustedPrincipalArns: readonly string[];
  /** The one state object it gives access to, e.g. `orbit/staging.tfstate`. */
  readonly stateKey: string;
  /**
   * `write`: read and write the state and take its lock (applies). `plan`: read the state and
   * take its lock, never write it (plans).
   */
  readonly access: "write" | "plan";
}

export interface StateBackendProps {
  /** The bucket named in `backend.tf.json`. */
  readonly bucketName: string;
  /** The account the bucket, the table and the state roles are in. */
  readonly accountId: string;
  /**
   * The one role besides the state roles that the bucket and table admit: it may read and write
   * every state object and lock item (restore a version, clear a stuck lock), and it alone may
   * change or delete the bucket's and table's configuration and policies, so the `state` stack is
   * applied as this role.
   */
  readonly breakGlassRoleArn: string;
  /**
   * The lock table named in `backend.tf.json`.
   * @default - no table (state is locked with S3 lock files, `use_lockfile`)
   */
  readonly lockTableName?: string;
  /**
   * Days a superseded state version is kept before it expires: the window in which a bad apply
   * can be undone by restoring an older version.
   * @default 90
   */
  readonly noncurrentVersionRetentionDays?: number;
  /** The backends lock with S3 lock files (`use_lockfile`), beside or instead of the table. */
  readonly useLockfile?: boolean;
  /**
   * Roles that each give access to one stack's state: every stack's backend assumes its own, so
   * stacks whose provider runs in another account (prod) reach this bucket and table, and no
   * stack's credentials can touch another stack's state.
   * @default - none: callers need direct access to the bucket and table
   */
  readonly accessRoles?: readonly StateAccessRole[];
}

/**
 * The S3 bucket and DynamoDB table that hold every other stack's Terraform state.
 *
 * Only the state roles and the break-glass role get in: the bucket's and the table's own policies
 * deny every other principal of any account the objects, the listing and the lock items, whatever
 * that principal's IAM policies allow (an `s3:*` on `*` somewhere cannot reach another stack's
 * state), and deny everyone but the break-glass role changes to their configuration.
 *
 * Losing them loses track of every resource, so both refuse `terraform destroy`
 * (`prevent_destroy`), the table has deletion protection, and the bucket keeps every version of
 * every state file for `noncurrentVersionRetentionDays`. Reads and writes need TLS 1.2+, nothing
 * is public, and both are encrypted at rest with AWS-managed KMS keys.
 *
 * Cost per month: cents. S3 storage of a few MB of state and versions, and on-demand DynamoDB
 * requests (one lock and unlock per plan or apply).
 */
export class StateBackend extends Construct {
  public readonly bucket: S3Bucket;
  public readonly lockTable?: DynamodbTable;
  public readonly accessRoles: IamRole[];

  constructor(scope: Construct, id: string, props: StateBackendProps) {
    super(scope, id);
    this.bucket = this.createBucket(props);
    if (props.lockTableName) this.lockTable = this.createLockTable(props.lockTableName, props);
    this.accessRoles = (props.accessRoles ?? []).map((role) => this.createAccessRole(role, props));
  }

  /**
   * One stack's state role. Terraform's S3 backend lists the bucket (to find workspaces), reads
   * and writes the state object, and with DynamoDB locking puts and deletes the lock item
   * `<bucket>/<key>` and reads and writes the digest item `<bucket>/<key>-md5`; with S3 native
   * locking it puts and deletes `<key>.tflock`. `dynamodb:LeadingKeys` confines the role to its
   * own items of the shared lock table.
   */
  private createAccessRole(access: StateAccessRole, props: StateBackendProps): IamRole {
    const write = access.access === "write";
    const role = new IamRole(this, access.id, {
      name: access.name,
      description: write
        ? `Reads, writes and locks the Terraform state ${access.stateKey}`
        : `Reads and locks (never writes) the Terraform state ${access.stateKey}`,
      maxSessionDuration: 3600,
      assumeRolePolicy: policyDocument(namedPrincipalsTrust(access.trustedPrincipalArns)),
    });
    const object = `${this.bucket.arn}/${access.stateKey}`;
    const lockFile = `${object}.tflock`;
    const lockItem = `${props.bucketName}/${access.stateKey}`;
    const digestItem = `${lockItem}-md5`;
    const statements: PolicyStatement[] = [
      {
        Sid: "FindState",
        Effect: "Allow",
        Action: "s3:ListBucket",
        Resource: this.bucket.arn,
        // The key itself, and the workspace prefix the backend lists at init.
        Condition: { StringLike: { "s3:prefix": [access.stateKey, "env:/*"] } },
      },
      {
        Sid: write ? "ReadWriteState" : "ReadState",
        Effect: "Allow",
        Action: write ? ["s3:GetObject", "s3:PutObject"] : "s3:GetObject",
        Resource: object,
      },
    ];
    if (props.useLockfile) {
      statements.push({
        Sid: "TakeLockFile",
        Effect: "Allow",
        Action: ["s3:GetObject", "s3:PutObject", "s3:DeleteObject"],
        Resource: lockFile,
      });
    }
    if (this.lockTable) {
      statements.push(
        {
          Sid: "FindLockTable",
          Effect: "Allow",
          Action: "dynamodb:DescribeTable",
          Resource: this.lockTable.arn,
        },
        {
          Sid: "TakeLock",
          Effect: "Allow",
          Action: ["dynamodb:GetItem", "dynamodb:PutItem", "dynamodb:DeleteItem"],
          Resource: this.lockTable.arn,
          Condition: { "ForAllValues:StringEquals": { "dynamodb:LeadingKeys": [lockItem] } },
        },
        {
          Sid: write ? "ReadWriteDigest" : "ReadDigest",
          Effect: "Allow",
          Action: write
            ? ["dynamodb:GetItem", "dynamodb:PutItem", "dynamodb:DeleteItem"]
            : "dynamodb:GetItem",
          Resource: this.lockTable.arn,
          Condition: { "ForAllValues:StringEquals": { "dynamodb:LeadingKeys": [digestItem] } },
        },
      );
    }
    new IamRolePolicy(this, `${access.id}-policy`, {
      role: role.id,
      name: "terraform-state",
      policy: policyDocument(...statements),
    });
    return role;
  }

  private createBucket(props: StateBackendProps): S3Bucket {
    const bucket = new S3Bucket(this, "bucket", {
      bucket: props.bucketName,
      forceDestroy: false,
      lifecycle: { preventDestroy: true },
    });
    new S3BucketVersioning(this, "versioning", {
      bucket: bucket.id,
      versioningConfiguration: { status: "Enabled" },
    });
    new S3BucketServerSideEncryptionConfiguration(this, "encryption", {
      bucket: bucket.id,
      rule: [
        {
          applyServerSideEncryptionByDefault: { sseAlgorithm: "aws:kms" },
          bucketKeyEnabled: true,
        },
      ],
    });
    new S3BucketPublicAccessBlock(this, "public-access-block", {
      bucket: bucket.id,
      blockPublicAcls: true,
      blockPublicPolicy: true,
      ignorePublicAcls: true,
      restrictPublicBuckets: true,
    });
    new S3BucketOwnershipControls(this, "ownership", {
      bucket: bucket.id,
      rule: { objectOwnership: "BucketOwnerEnforced" },
    });
    new S3BucketPolicy(this, "policy", {
      bucket: bucket.id,
      policy: policyDocument(
        {
          Sid: "DenyInsecureTransport",
          Effect: "Deny",
          Principal: { AWS: "*" },
          Action: "s3:*",
          Resource: [bucket.arn, `${bucket.arn}/*`],
          Condition: { Bool: { "aws:SecureTransport": "false" } },
        },
        {
          Sid: "DenyOutdatedTls",
          Effect: "Deny",
          Principal: { AWS: "*" },
          Action: "s3:*",
          Resource: [bucket.arn, `${bucket.arn}/*`],
          Condition: { NumericLessThan: { "s3:TlsVersion": "1.2" } },
        },
        {
          // Every object action (state, lock files, versions) and every listing.
          Sid: "OnlyStateRolesReachState",
          Effect: "Deny",
          Principal: { AWS: "*" },
          Action: ["s3:*Object*", "s3:ListBucket*", "s3:*MultipartUpload*"],
          Resource: [bucket.arn, `${bucket.arn}/*`],
          Condition: { ArnNotEquals: { "aws:PrincipalArn": admitted(props) } },
        },
        {
          // Bucket-level writes: its policy, versioning, lifecycle, encryption, public access
          // block, ownership, the bucket itself. Reads of the configuration stay with IAM (plans).
          Sid: "OnlyBreakGlassChangesTheBucket",
          Effect: "Deny",
          Principal: { AWS: "*" },
          Action: ["s3:Put*", "s3:Delete*"],
          Resource: bucket.arn,
          Condition: { ArnNotEquals: { "aws:PrincipalArn": props.breakGlassRoleArn } },
        },
      ),
    });
    new S3BucketLifecycleConfiguration(this, "lifecycle", {
      bucket: bucket.id,
      rule: [
        {
          id: "expire-old-state-versions",
          status: "Enabled",
          filter: [{}],
          noncurrentVersionExpiration: [
            { noncurrentDays: props.noncurrentVersionRetentionDays ?? 90 },
          ],
          abortIncompleteMultipartUpload: [{ daysAfterInitiation: 7 }],
        },
      ],
    });
    return bucket;
  }

  private createLockTable(name: string, props: StateBackendProps): DynamodbTable {
    const table = new DynamodbTable(this, "lock-table", {
      name,
      billingMode: "PAY_PER_REQUEST",
      hashKey: "LockID",
      attribute: [{ name: "LockID", type: "S" }],
      pointInTimeRecovery: { enabled: true },
      serverSideEncryption: { enabled: true },
      deletionProtectionEnabled: true,
      lifecycle: { preventDestroy: true },
    });
    new DynamodbResourcePolicy(this, "lock-table-policy", {
      resourceArn: table.arn,
      policy: policyDocument(
        {
          Sid: "OnlyStateRolesReachLocks",
          Effect: "Deny",
          Principal: { AWS: "*" },
          Action: [...LOCK_ITEM_ACTIONS],
          Resource: table.arn,
          Condition: { ArnNotEquals: { "aws:PrincipalArn": admitted(props) } },
        },
        {
          Sid: "OnlyBreakGlassChangesTheTable",
          Effect: "Deny",
          Principal: { AWS: "*" },
          Action: [...TABLE_CHANGE_ACTIONS],
          Resource: table.arn,
          Condition: { ArnNotEquals: { "aws:PrincipalArn": props.breakGlassRoleArn } },
        },
      ),
    });
    return table;
  }
}

/** Every DynamoDB action that reads or writes items, or copies them out of the table. */
export const LOCK_ITEM_ACTIONS = [
  "dynamodb:GetItem",
  "dynamodb:BatchGetItem",
  "dynamodb:Query",
  "dynamodb:Scan",
  "dynamodb:PutItem",
  "dynamodb:UpdateItem",
  "dynamodb:DeleteItem",
  "dynamodb:BatchWriteItem",
  "dynamodb:ConditionCheckItem",
  "dynamodb:PartiQLSelect",
  "dynamodb:PartiQLInsert",
  "dynamodb:PartiQLUpdate",
  "dynamodb:PartiQLDelete",
  "dynamodb:ExportTableToPointInTime",
  "dynamodb:RestoreTableToPointInTime",
] as const;

/** Changing or deleting the lock table, its backups or its policy. */
export const TABLE_CHANGE_ACTIONS = [
  "dynamodb:DeleteTable",
  "dynamodb:UpdateTable",
  "dynamodb:UpdateContinuousBackups",
  "dynamodb:PutResourcePolicy",
  "dynamodb:DeleteResourcePolicy",
] as const;

/** The state roles' ARNs and the break-glass role's: the principals the bucket and table admit. */
function admitted(props: StateBackendProps): string[] {
  return [
    ...(props.accessRoles ?? []).map((role) => `arn:aws:iam::${props.accountId}:role/${role.name}`),
    props.breakGlassRoleArn,
  ];
}

/**
 * Trust of exactly the roles `arns` names. Their accounts are the principal (IAM refuses a role
 * ARN as principal until the role exists, and the state stack is applied before the CI roles it
 * trusts; a principal role recreated later would also silently drop out of the trust), and
 * `aws:PrincipalArn` admits those roles alone, as a principal element naming them would.
 */
export function namedPrincipalsTrust(arns: readonly string[]): PolicyStatement {
  const accounts = [...new Set(arns.map((arn) => arn.split(":")[4]!))];
  return {
    Sid: "NamedRolesOnly",
    Effect: "Allow",
    Principal: {
      AWS:
        accounts.length === 1
          ? `arn:aws:iam::${accounts[0]}:root`
          : accounts.map((a) => `arn:aws:iam::${a}:root`),
    },
    Action: "sts:AssumeRole",
    Condition: { ArnEquals: { "aws:PrincipalArn": [...arns] } },
  };
}
