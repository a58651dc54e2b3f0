import { describe, expect, it } from "vitest";
import { requiredEndpoints, splitEndpoints } from "../../src/network/vpc-endpoints";

describe("requiredEndpoints", () => {
  const none = { database: false, tables: false, queues: false, topics: false };

  it("gives every Fargate task ECR, its S3 layers and logs, and no STS: task credentials come from the ECS agent", () => {
    expect(requiredEndpoints(none)).toEqual(["ecr.api", "ecr.dkr", "logs", "s3"]);
  });

  it.each([
    ["database", "secretsmanager"],
    ["tables", "dynamodb"],
    ["queues", "sqs"],
    ["topics", "sns"],
  ] as const)("adds the endpoint a use of %s calls: %s", (use, endpoint) => {
    expect(requiredEndpoints({ ...none, [use]: true })).toEqual([
      "ecr.api",
      "ecr.dkr",
      "logs",
      "s3",
      endpoint,
    ]);
  });

  it("splits gateway services (S3, DynamoDB) from interface services", () => {
    expect(
      splitEndpoints(
        requiredEndpoints({ database: true, tables: true, queues: true, topics: true }),
      ),
    ).toEqual({
      interfaceServices: ["ecr.api", "ecr.dkr", "logs", "secretsmanager", "sqs", "sns"],
      gatewayServices: ["s3", "dynamodb"],
    });
  });
});
