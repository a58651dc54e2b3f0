/**
 * What both entry points (the API, `server.ts`, and the worker, `worker.ts`) do before their own
 * work: read the configuration or exit 1 with one JSON line naming every problem, and turn an
 * uncaught error into a logged exit instead of a half-alive process.
 */
import { pino, type Logger } from "pino";
import { ConfigError } from "./config.js";
import { createLogger } from "./logger.js";

/** `load()`, or exit 1 with its problems, logged as `fallbackService` (the name is config too). */
export function readConfigOrExit<T>(load: () => T, fallbackService: string): T {
  try {
    return load();
  } catch (error) {
    if (error instanceof ConfigError) {
      // Still one JSON line, so the reason shows up in CloudWatch next to the task's other logs.
      const logger = createLogger(
        { service: process.env.SERVICE_NAME || fallbackService, level: "info" },
        pino.destination({ fd: 2, sync: true }),
      );
      logger.fatal({ problems: error.problems }, error.message);
      process.exit(1);
    }
    throw error;
  }
}

/** An uncaught exception or unhandled rejection is logged, and the process exits 1. */
export function exitOnUncaught(logger: Logger): void {
  process.on("uncaughtException", (error) => {
    logger.fatal({ error }, "uncaught exception");
    process.exit(1);
  });
  process.on("unhandledRejection", (error) => {
    logger.fatal({ error }, "unhandled promise rejection");
    process.exit(1);
  });
}
