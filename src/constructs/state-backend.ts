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
import { policyDocument } from "../lib/iam";

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
  /**
   * A role every stack's backend assumes for its state, so that stacks whose provider runs in
   * another account (prod) reach this bucket and table with one set of credentials.
   * @default - no role: callers need direct access to the bucket and table
   */
  readonly accessRole?: {
    readonly name: string;
    /** Accounts whose principals may assume it (their own IAM policies decide which ones). */
    readonly trustedAccountIds: readonly string[];
    /** State objects live under `<keyPrefix>/`; the role may touch nothing else. */
    readonly keyPrefix: string;
  };
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
  public readonly accessRole?: IamRole;

  constructor(scope: Construct, id: string, props: StateBackendProps) {
    super(scope, id);
    this.bucket = this.createBucket(props);
    if (props.lockTableName) this.lockTable = this.createLockTable(props.lockTableName);
    if (props.accessRole) this.accessRole = this.createAccessRole(props.accessRole);
  }

  private createAccessRole(access: NonNullable<StateBackendProps["accessRole"]>): IamRole {
    const role = new IamRole(this, "access-role", {
      name: access.name,
      description: "Terraform backends assume it to read, write and lock state",
      maxSessionDuration: 3600,
      assumeRolePolicy: policyDocument({
        Effect: "Allow",
        Principal: {
          AWS: access.trustedAccountIds.map((account) => `arn:aws:iam::${account}:root`),
        },
        Action: "sts:AssumeRole",
      }),
    });
    const statements = [
      {
        Sid: "ListStateBucket",
        Effect: "Allow" as const,
        Action: "s3:ListBucket",
        Resource: this.bucket.arn,
        Condition: { StringLike: { "s3:prefix": [`${access.keyPrefix}/*`] } },
      },
      {
        Sid: "ReadWriteStateObjects",
        Effect: "Allow" as const,
        // State files and the .tflock objects of S3 native locking, under the project's prefix.
        Action: ["s3:GetObject", "s3:PutObject", "s3:DeleteObject"],
        Resource: `${this.bucket.arn}/${access.keyPrefix}/*`,
      },
      ...(this.lockTable
        ? [
            {
              Sid: "TakeStateLocks",
              Effect: "Allow" as const,
              Action: [
                "dynamodb:DescribeTable",
                "dynamodb:GetItem",
                "dynamodb:PutItem",
                "dynamodb:DeleteItem",
              ],
              Resource: this.lockTable.arn,
            },
          ]
        : []),
    ];
    new IamRolePolicy(this, "access-policy", {
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
