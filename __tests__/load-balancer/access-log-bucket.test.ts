import { DataAwsElbServiceAccount } from "@cdktf/provider-aws/lib/data-aws-elb-service-account";
import { S3Bucket } from "@cdktf/provider-aws/lib/s3-bucket";
import { S3BucketLifecycleConfiguration } from "@cdktf/provider-aws/lib/s3-bucket-lifecycle-configuration";
import { S3BucketPublicAccessBlock } from "@cdktf/provider-aws/lib/s3-bucket-public-access-block";
import { S3BucketServerSideEncryptionConfigurationA } from "@cdktf/provider-aws/lib/s3-bucket-server-side-encryption-configuration";
import { Testing } from "cdktf";
import { describe, expect, it } from "vitest";
import {
  AccessLogBucket,
  ELB_ACCOUNT_REGIONS,
  type AccessLogBucketProps,
} from "../../src/load-balancer/access-log-bucket";
import { bareStack, onlyResource, synth } from "../helpers";

/** GIVEN a bare stack WHEN an access log bucket is built with `props` (minimal ones by default). */
function accessLogBucket(props: Partial<AccessLogBucketProps> = {}) {
  const stack = bareStack();
  const construct = new AccessLogBucket(stack, "logs", {
    namePrefix: "orbit-test",
    region: "eu-west-1",
    accountId: "111111111111",
    logPrefix: "alb",
    ...props,
  });
  const json = synth(stack);
  const policy = JSON.parse(onlyResource(json, "aws_s3_bucket_policy").policy as string) as {
    Statement: Record<string, unknown>[];
  };
  const bySid = Object.fromEntries(policy.Statement.map((s) => [s.Sid, s]));
  return { stack, construct, json, text: Testing.synth(stack), bySid };
}

describe("AccessLogBucket, built alone", () => {
  const { text, bySid, json } = accessLogBucket();

  it("THEN its name ends with the account id (bucket names are global), and it resists a forced destroy", () => {
    expect(text).toHaveResourceWithProperties(S3Bucket, {
      bucket: "orbit-test-alb-logs-111111111111",
      force_destroy: false,
    });
  });

  it("THEN it is SSE-S3 encrypted (all ALB log delivery supports) and blocks every public access", () => {
    expect(text).toHaveResourceWithProperties(S3BucketServerSideEncryptionConfigurationA, {
      rule: [{ apply_server_side_encryption_by_default: { sse_algorithm: "AES256" } }],
    });
    expect(text).toHaveResourceWithProperties(S3BucketPublicAccessBlock, {
      block_public_acls: true,
      block_public_policy: true,
      ignore_public_acls: true,
      restrict_public_buckets: true,
    });
  });

  it("THEN logs expire after 90 days by default", () => {
    expect(text).toHaveResourceWithProperties(S3BucketLifecycleConfiguration, {
      rule: [expect.objectContaining({ expiration: [{ days: 90 }] })],
    });
  });

  it("THEN only the region's ELB account may write, under the prefix and this account; nothing over plain HTTP", () => {
    expect(bySid.LoadBalancerLogDelivery).toEqual({
      Sid: "LoadBalancerLogDelivery",
      Effect: "Allow",
      Principal: { AWS: "${data.aws_elb_service_account.logs_elb_account.arn}" },
      Action: "s3:PutObject",
      Resource: "${aws_s3_bucket.logs_bucket.arn}/alb/AWSLogs/111111111111/*",
    });
    expect(bySid.DenyInsecureTransport).toMatchObject({
      Effect: "Deny",
      Condition: { Bool: { "aws:SecureTransport": "false" } },
    });
    expect(Object.keys(json.data?.aws_elb_service_account ?? {})).toHaveLength(1);
  });

  it("GIVEN retentionDays THEN logs expire after that many days", () => {
    expect(accessLogBucket({ retentionDays: 30 }).text).toHaveResourceWithProperties(
      S3BucketLifecycleConfiguration,
      { rule: [expect.objectContaining({ expiration: [{ days: 30 }] })] },
    );
  });

  it("GIVEN a region opened after 2021 THEN the log delivery service principal writes, and no ELB account is read", () => {
    const region = "ap-southeast-3";
    expect(ELB_ACCOUNT_REGIONS.has(region)).toBe(false);
    const { bySid, text } = accessLogBucket({ region });
    expect(bySid.LoadBalancerLogDelivery!.Principal).toEqual({
      Service: "logdelivery.elasticloadbalancing.amazonaws.com",
    });
    expect(text).not.toHaveDataSource(DataAwsElbServiceAccount);
  });
});
