import { DataAwsElbServiceAccount } from "@cdktf/provider-aws/lib/data-aws-elb-service-account";
import { S3Bucket } from "@cdktf/provider-aws/lib/s3-bucket";
import { S3BucketLifecycleConfiguration } from "@cdktf/provider-aws/lib/s3-bucket-lifecycle-configuration";
import { S3BucketOwnershipControls } from "@cdktf/provider-aws/lib/s3-bucket-ownership-controls";
import { S3BucketPolicy } from "@cdktf/provider-aws/lib/s3-bucket-policy";
import { S3BucketPublicAccessBlock } from "@cdktf/provider-aws/lib/s3-bucket-public-access-block";
import { S3BucketServerSideEncryptionConfigurationA as S3BucketEncryption } from "@cdktf/provider-aws/lib/s3-bucket-server-side-encryption-configuration";
import { Construct } from "constructs";
import { policyDocument, type PolicyStatement } from "../lib/iam";

/**
 * Regions where load balancers deliver logs as a regional ELB account (the provider's
 * `aws_elb_service_account` knows each one). Regions opened since ap-southeast-3 (December 2021)
 * deliver as the `logdelivery.elasticloadbalancing.amazonaws.com` service principal instead.
 */
export const ELB_ACCOUNT_REGIONS: ReadonlySet<string> = new Set([
  "us-east-1",
  "us-east-2",
  "us-west-1",
  "us-west-2",
  "af-south-1",
  "ap-east-1",
  "ap-south-1",
  "ap-northeast-1",
  "ap-northeast-2",
  "ap-northeast-3",
  "ap-southeast-1",
  "ap-southeast-2",
  "ca-central-1",
  "eu-central-1",
  "eu-west-1",
  "eu-west-2",
  "eu-west-3",
  "eu-south-1",
  "eu-north-1",
  "me-south-1",
  "sa-east-1",
]);

export interface AccessLogBucketProps {
  /** Bucket names are global: the account id is appended. */
  readonly namePrefix: string;
  readonly region: string;
  readonly accountId: string;
  /** The key prefix the load balancer writes under. */
  readonly logPrefix: string;
  /** @default 90 */
  readonly retentionDays?: number;
}

/**
 * The bucket a load balancer writes its access logs to: SSE-S3 (the only encryption ALB log
 * delivery supports), public access blocked, ACLs disabled, TLS-only, and a policy that lets the
 * region's log delivery write under `logPrefix` for this account only. Logs expire after
 * `retentionDays`.
 *
 * Cost per month: $0.023 per GB stored; a busy ALB writes a few GB a month.
 */
export class AccessLogBucket extends Construct {
  public readonly bucket: S3Bucket;
  /** Load balancers must wait for it: ALB checks write access when logging is enabled. */
  public readonly policy: S3BucketPolicy;

  constructor(scope: Construct, id: string, props: AccessLogBucketProps) {
    super(scope, id);
    this.bucket = new S3Bucket(this, "bucket", {
      bucket: `${props.namePrefix}-alb-logs-${props.accountId}`,
      forceDestroy: false,
    });
    new S3BucketEncryption(this, "encryption", {
      bucket: this.bucket.id,
      rule: [{ applyServerSideEncryptionByDefault: { sseAlgorithm: "AES256" } }],
    });
    new S3BucketPublicAccessBlock(this, "public-access-block", {
      bucket: this.bucket.id,
      blockPublicAcls: true,
      blockPublicPolicy: true,
      ignorePublicAcls: true,
      restrictPublicBuckets: true,
    });
    new S3BucketOwnershipControls(this, "ownership", {
      bucket: this.bucket.id,
      rule: { objectOwnership: "BucketOwnerEnforced" },
    });
    new S3BucketLifecycleConfiguration(this, "lifecycle", {
      bucket: this.bucket.id,
      rule: [
        {
          id: "expire-access-logs",
          status: "Enabled",
          filter: [{}],
          expiration: [{ days: props.retentionDays ?? 90 }],
          abortIncompleteMultipartUpload: [{ daysAfterInitiation: 7 }],
        },
      ],
    });

    const writer: PolicyStatement["Principal"] = ELB_ACCOUNT_REGIONS.has(props.region)
      ? { AWS: new DataAwsElbServiceAccount(this, "elb-account").arn }
      : { Service: "logdelivery.elasticloadbalancing.amazonaws.com" };
    this.policy = new S3BucketPolicy(this, "policy", {
      bucket: this.bucket.id,
      policy: policyDocument(
        {
          Sid: "LoadBalancerLogDelivery",
          Effect: "Allow",
          Principal: writer,
          Action: "s3:PutObject",
          Resource: `${this.bucket.arn}/${props.logPrefix}/AWSLogs/${props.accountId}/*`,
        },
        {
          Sid: "DenyInsecureTransport",
          Effect: "Deny",
          Principal: { AWS: "*" },
          Action: "s3:*",
          Resource: [this.bucket.arn, `${this.bucket.arn}/*`],
          Condition: { Bool: { "aws:SecureTransport": "false" } },
        },
      ),
    });
  }
}
