/**
 * IAM policy documents as typed data, rendered with JSON.stringify. Tokens (resource ARNs) stay
 * Terraform interpolations inside the JSON string, so every statement names the exact resource
 * it grants on, and the tests can read the documents back from the synthesized JSON.
 */

interface StatementBase {
  readonly Sid?: string;
  readonly Effect: "Allow" | "Deny";
  readonly Resource?: string | readonly string[];
  readonly Principal?: Record<string, string | readonly string[]>;
  readonly Condition?: Record<string, Record<string, string | readonly string[] | boolean>>;
}

/** A statement names its actions (`Action`) or every action but some (`NotAction`). */
export type PolicyStatement =
  | (StatementBase & { readonly Action: string | readonly string[]; readonly NotAction?: never })
  | (StatementBase & { readonly NotAction: string | readonly string[]; readonly Action?: never });

export function policyDocument(...statements: PolicyStatement[]): string {
  return JSON.stringify({ Version: "2012-10-17", Statement: statements });
}

/**
 * A trust policy for an AWS service principal, bound to this account (and, where given, to the
 * source ARN pattern), so the service cannot be used as a confused deputy by another account.
 */
export function serviceTrustPolicy(
  service: string,
  accountId: string,
  sourceArnLike?: string,
): string {
  return policyDocument({
    Effect: "Allow",
    Principal: { Service: service },
    Action: "sts:AssumeRole",
    Condition: {
      StringEquals: { "aws:SourceAccount": accountId },
      ...(sourceArnLike ? { ArnLike: { "aws:SourceArn": sourceArnLike } } : {}),
    },
  });
}

/**
 * A role that resources grant access to (`table.grant(roles, "read")`): each grant adds one named
 * inline policy with exactly what that access needs.
 */
export interface Grantee {
  grant(id: string, ...statements: PolicyStatement[]): void;
}

/**
 * Use of a customer-managed KMS key only through one AWS service in one region: the service calls
 * KMS with the caller's permissions (DynamoDB decrypts the table key, SQS and SNS generate and
 * decrypt data keys, Secrets Manager decrypts the secret), never the caller directly.
 */
export function keyUseVia(
  keyArn: string,
  service: string,
  region: string,
  actions: readonly string[],
): PolicyStatement {
  return {
    Sid: `KeyVia${service.charAt(0).toUpperCase()}${service.slice(1)}`,
    Effect: "Allow",
    Action: [...actions],
    Resource: keyArn,
    Condition: { StringEquals: { "kms:ViaService": `${service}.${region}.amazonaws.com` } },
  };
}
