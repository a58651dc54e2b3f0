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
  /** The account whose principals may assume it (their own IAM policies decide which ones). */
  readonly trustedAccountId: string;
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
    if (props.lockTableName) this.lockTable = this.createLockTable(props.lockTableName);
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
      assumeRolePolicy: policyDocument({
        Effect: "Allow",
        Principal: { AWS: `arn:aws:iam::${access.trustedAccountId}:root` },
        Action: "sts:AssumeRole",
      }),
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

  private createLockTable(name: string): DynamodbTable {
    return new DynamodbTable(this, "lock-table", {
      name,
      billingMode: "PAY_PER_REQUEST",
      hashKey: "LockID",
      attribute: [{ name: "LockID", type: "S" }],
      pointInTimeRecovery: { enabled: true },
      serverSideEncryption: { enabled: true },
      deletionProtectionEnabled: true,
      lifecycle: { preventDestroy: true },
    });
  }
}
