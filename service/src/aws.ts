/**
 * AWS SDK clients. Credentials come from the default chain (the task role in ECS). The endpoint
 * is AWS's; tests point every client at an emulator with AWS_ENDPOINT_URL, which the SDK reads
 * itself, so there is no endpoint setting in this code.
 */
import { DynamoDBClient } from "@aws-sdk/client-dynamodb";
import { SNSClient } from "@aws-sdk/client-sns";
import { SQSClient } from "@aws-sdk/client-sqs";

/**
 * For calls made while an HTTP request waits: fail within seconds rather than hold the request
 * (and the drain) for the SDK's defaults. One retry covers a dropped connection.
 */
const requestPath = {
  maxAttempts: 2,
  requestHandler: { connectionTimeout: 1_000, requestTimeout: 3_000 },
} as const;

export function dynamoDbClient(region: string): DynamoDBClient {
  return new DynamoDBClient({ region, ...requestPath });
}

export function snsClient(region: string): SNSClient {
  return new SNSClient({ region, ...requestPath });
}

/** ReceiveMessage long-polls for up to 20 s, so its request timeout must be longer. */
export function sqsClient(region: string): SQSClient {
  return new SQSClient({
    region,
    maxAttempts: 3,
    requestHandler: { connectionTimeout: 2_000, requestTimeout: 30_000 },
  });
}
