/**
 * Queue worker entry point (`node dist/worker.js`): consumes the events queue and applies each
 * event to the items table. No HTTP server, no database.
 *
 * SIGTERM/SIGINT: stop polling (the long poll in flight is aborted), finish the messages in
 * hand, exit 0. Still busy after SHUTDOWN_TIMEOUT_MS, or a second signal: exit 1 at once; the
 * unfinished messages are not lost, SQS delivers them again after their visibility timeout.
 */
import { dynamoDbClient, sqsClient } from "./aws.js";
import { loadWorkerConfig, packageVersion } from "./config.js";
import { createEventHandler } from "./event-handler.js";
import { createLogger } from "./logger.js";
import { exitOnUncaught, readConfigOrExit } from "./process.js";
import { QueueWorker } from "./queue-worker.js";

async function main(): Promise<void> {
  const config = readConfigOrExit(
    () => loadWorkerConfig(process.env, packageVersion()),
    "items-worker",
  );
  const logger = createLogger({ service: config.serviceName, level: config.logLevel });
  exitOnUncaught(logger);

  const sqs = sqsClient(config.aws.region);
  const dynamodb = dynamoDbClient(config.aws.region);
  const worker = new QueueWorker({
    sqs,
    queueUrl: config.aws.eventsQueueUrl,
    handle: createEventHandler({ dynamodb, table: config.aws.itemsTable }),
    logger,
  });

  try {
    await worker.checkQueue();
  } catch (error) {
    logger.fatal({ error, queue_url: config.aws.eventsQueueUrl }, "the events queue is not usable");
    process.exit(1);
  }

  const onSignal = (signal: NodeJS.Signals) => {
    if (worker.stopping) {
      logger.error({ signal }, "second signal during shutdown: exiting now");
      process.exit(1);
    }
    const started = performance.now();
    logger.info(
      { reason: signal, timeout_ms: config.shutdownTimeoutMs },
      "shutdown started: finishing the messages in flight",
    );
    const timer = setTimeout(() => {
      logger.error(
        { outcome: "timed_out", duration_ms: Math.round(performance.now() - started) },
        "shutdown timed out with messages still in flight; they will be delivered again",
      );
      process.exit(1);
    }, config.shutdownTimeoutMs);
    void worker.stop().then(() => {
      clearTimeout(timer);
      sqs.destroy();
      dynamodb.destroy();
      logger.info(
        { outcome: "drained", duration_ms: Math.round(performance.now() - started) },
        "shutdown complete",
      );
      process.exit(0);
    });
  };
  process.on("SIGTERM", onSignal);
  process.on("SIGINT", onSignal);

  logger.info(
    {
      version: config.version,
      queue_url: config.aws.eventsQueueUrl,
      table_items: config.aws.itemsTable,
      aws_region: config.aws.region,
      shutdown_timeout_ms: config.shutdownTimeoutMs,
      ...(process.env.AWS_ENDPOINT_URL ? { aws_endpoint_url: process.env.AWS_ENDPOINT_URL } : {}),
    },
    "worker started",
  );
  await worker.run();
}

await main();
