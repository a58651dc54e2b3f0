/**
 * Process entry point: configuration, wiring, and the signals that start a graceful drain.
 * Everything else lives in modules that tests can build without a process around them.
 */
import { buildApp } from "./app.js";
import { loadConfig, packageVersion } from "./config.js";
import { createPool, migrate, pingDatabase, rotatingPasswordFor } from "./db.js";
import { dynamoDbClient, snsClient } from "./aws.js";
import { createItemActivity } from "./item-activity.js";
import { createItemStore } from "./item-store.js";
import { createLogger } from "./logger.js";
import { exitOnUncaught, readConfigOrExit } from "./process.js";
import { shutdownGracefully } from "./shutdown.js";

async function main(): Promise<void> {
  const config = readConfigOrExit(() => loadConfig(process.env, packageVersion()), "items-service");
  const logger = createLogger({ service: config.serviceName, level: config.logLevel });

  exitOnUncaught(logger);

  const pool = createPool(config.db, logger, rotatingPasswordFor(config.db, logger));
  try {
    await migrate(pool);
  } catch (error) {
    // Exit rather than limp along: ECS replaces the task, and the deployment circuit breaker
    // notices if it keeps happening.
    logger.fatal(
      { error, db_host: config.db.host, db_name: config.db.database },
      "database migration failed",
    );
    process.exit(1);
  }

  const dynamodb = dynamoDbClient(config.aws.region);
  const sns = snsClient(config.aws.region);
  let draining = false;
  const app = buildApp({
    logger,
    version: config.version,
    items: createItemStore(pool),
    activity: createItemActivity({
      dynamodb,
      sns,
      table: config.aws.itemsTable,
      topicArn: config.aws.eventsTopicArn,
    }),
    checkDatabase: () => pingDatabase(pool, config.readinessTimeoutMs),
    isDraining: () => draining,
    keepAliveTimeoutMs: config.keepAliveTimeoutMs,
  });
  await app.listen({ port: config.port, host: config.host });

  const address = app.server.address();
  logger.info(
    {
      port: typeof address === "object" && address ? address.port : config.port,
      version: config.version,
      db_ssl: config.db.sslMode,
      db_credentials_arn: config.db.secretArn ?? null,
      table_items: config.aws.itemsTable,
      topic_events: config.aws.eventsTopicArn,
      aws_region: config.aws.region,
      ...(process.env.AWS_ENDPOINT_URL ? { aws_endpoint_url: process.env.AWS_ENDPOINT_URL } : {}),
      shutdown_timeout_ms: config.shutdownTimeoutMs,
    },
    "service started",
  );

  // Registered once listening: a signal during start-up keeps its default action (exit), which is
  // right while nothing is in flight.
  let shuttingDown = false;
  const onSignal = (signal: NodeJS.Signals) => {
    if (shuttingDown) {
      logger.info({ signal }, "shutdown already in progress");
      return;
    }
    shuttingDown = true;
    shutdownGracefully(
      {
        app,
        logger,
        timeoutMs: config.shutdownTimeoutMs,
        beginDrain: () => {
          draining = true;
        },
        closeResources: async () => {
          dynamodb.destroy();
          sns.destroy();
          await pool.end();
        },
      },
      signal,
    ).then(
      (outcome) => process.exit(outcome === "drained" ? 0 : 1),
      (error: unknown) => {
        logger.fatal({ error }, "shutdown failed");
        process.exit(1);
      },
    );
  };
  process.on("SIGTERM", onSignal);
  process.on("SIGINT", onSignal);
}

await main();
