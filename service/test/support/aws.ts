import { DynamoDBClient } from "@aws-sdk/client-dynamodb";
import { SNSClient } from "@aws-sdk/client-sns";
import { SQSClient } from "@aws-sdk/client-sqs";
import { dynamoDbClient, snsClient, sqsClient } from "../../src/aws.js";
import { CREDENTIALS, REGION } from "./moto.js";

/**
 * Records the API actions a client sends ("dynamodb:PutItem", …), in order, so tests can check
 * that a code path calls exactly what it must.
 */
export function recordActions<C extends DynamoDBClient | SNSClient | SQSClient>(
  client: C,
  service: string,
  actions: string[],
): C {
  (client.middlewareStack as DynamoDBClient["middlewareStack"]).add(
    (next, context) => async (args) => {
      actions.push(`${service}:${String(context.commandName).replace(/Command$/, "")}`);
      return next(args);
    },
    { step: "initialize", name: `record-${service}-actions` },
  );
  return client;
}

/** The service's own clients (src/aws.ts), pointed at moto by AWS_ENDPOINT_URL (useEmulator). */
export function serviceClients(actions: string[]) {
  return {
    dynamodb: recordActions(dynamoDbClient(REGION), "dynamodb", actions),
    sns: recordActions(snsClient(REGION), "sns", actions),
    sqs: recordActions(sqsClient(REGION), "sqs", actions),
  };
}

/** Clients for the tests' own checks (they may read what the services may not). */
export function testClients(endpoint: string) {
  const config = { endpoint, region: REGION, credentials: CREDENTIALS };
  return {
    dynamodb: new DynamoDBClient(config),
    sns: new SNSClient(config),
    sqs: new SQSClient(config),
  };
}
