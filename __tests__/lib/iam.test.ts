import { describe, expect, it } from "vitest";
import { keyUseVia, policyDocument, serviceTrustPolicy } from "../../src/lib/iam";

describe("IAM documents", () => {
  it("policyDocument writes the 2012-10-17 version and the statements in order", () => {
    const read = { Effect: "Allow", Action: "s3:GetObject", Resource: "*" } as const;
    const deny = { Effect: "Deny", NotAction: "s3:*", Resource: "*" } as const;
    expect(JSON.parse(policyDocument(read, deny))).toEqual({
      Version: "2012-10-17",
      Statement: [read, deny],
    });
  });

  it("serviceTrustPolicy binds the service to this account, and to a source ARN when given", () => {
    expect(JSON.parse(serviceTrustPolicy("ecs-tasks.amazonaws.com", "111111111111"))).toEqual({
      Version: "2012-10-17",
      Statement: [
        {
          Effect: "Allow",
          Principal: { Service: "ecs-tasks.amazonaws.com" },
          Action: "sts:AssumeRole",
          Condition: { StringEquals: { "aws:SourceAccount": "111111111111" } },
        },
      ],
    });
    const bound = JSON.parse(
      serviceTrustPolicy("vpc-flow-logs.amazonaws.com", "111111111111", "arn:aws:ec2:*"),
    ).Statement[0];
    expect(bound.Condition).toEqual({
      StringEquals: { "aws:SourceAccount": "111111111111" },
      ArnLike: { "aws:SourceArn": "arn:aws:ec2:*" },
    });
  });

  it("keyUseVia allows the actions on the key only through one service in one region", () => {
    expect(keyUseVia("arn:key", "dynamodb", "eu-west-1", ["kms:Decrypt"])).toEqual({
      Sid: "KeyViaDynamodb",
      Effect: "Allow",
      Action: ["kms:Decrypt"],
      Resource: "arn:key",
      Condition: { StringEquals: { "kms:ViaService": "dynamodb.eu-west-1.amazonaws.com" } },
    });
  });
});
