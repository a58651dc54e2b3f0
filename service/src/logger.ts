import { pino, stdSerializers, type DestinationStream, type Logger } from "pino";
import type { LogLevel } from "./config.js";

export type { Logger };

export interface LoggerOptions {
  service: string;
  level: LogLevel;
}

/**
 * One JSON object per line, in the platform's log schema:
 * {"timestamp":"…","level":"INFO","service":"…","correlation_id":"…","message":"…", …}
 * so CloudWatch Logs Insights queries work the same for every service.
 */
export function createLogger(options: LoggerOptions, destination?: DestinationStream): Logger {
  return pino(
    {
      level: options.level,
      messageKey: "message",
      // Errors go under "error" whichever key the caller used (Fastify itself uses "err").
      errorKey: "error",
      serializers: { error: stdSerializers.err, err: stdSerializers.err },
      base: { service: options.service },
      timestamp: () => `,"timestamp":"${new Date().toISOString()}"`,
      formatters: {
        level: (label) => ({ level: label.toUpperCase() }),
      },
      // Belt and braces: nothing should log credentials, but if an object carrying one is logged
      // by mistake (a config, a pg client), the secret is masked rather than shipped to CloudWatch.
      redact: {
        paths: [
          "password",
          "*.password",
          "*.*.password",
          "DB_PASSWORD",
          "*.DB_PASSWORD",
          "headers.authorization",
          "headers.cookie",
        ],
        censor: "[REDACTED]",
      },
    },
    destination,
  );
}
