/**
 * The queue loop (granted: ReceiveMessage, DeleteMessage, ChangeMessageVisibility,
 * GetQueueAttributes on the events queue).
 *
 * Long-polls up to 10 messages, handles them concurrently, deletes each one whose effect was
 * applied, and hands each failed one back to the queue after a short, growing delay
 * (ChangeMessageVisibility): a failed message is never deleted. After the queue's
 * maxReceiveCount receives, SQS's redrive policy moves it to the dead-letter queue.
 *
 * stop() aborts the long poll in flight, lets the messages in hand finish (their effects and
 * their DeleteMessage) and then resolves run(). A message whose receive was aborted is not lost:
 * it becomes visible again after the queue's visibility timeout.
 */
import {
  ChangeMessageVisibilityCommand,
  DeleteMessageCommand,
  GetQueueAttributesCommand,
  ReceiveMessageCommand,
  type Message,
  type SQSClient,
} from "@aws-sdk/client-sqs";
import type { EventHandler } from "./event-handler.js";
import { MalformedEventError, parseEvent } from "./events.js";
import type { Logger } from "./logger.js";

export interface QueueWorkerOptions {
  sqs: SQSClient;
  queueUrl: string;
  handle: EventHandler;
  logger: Logger;
  /** Long-poll wait (SQS's maximum, 20 s, by default). */
  waitTimeSeconds?: number;
}

/** Visibility delay before the nth retry: 1, 2, 4, … s, at most 5 minutes. */
export function retryDelaySeconds(receiveCount: number): number {
  return Math.min(2 ** Math.max(0, receiveCount - 1), 300);
}

export class QueueWorker {
  readonly #o: QueueWorkerOptions;
  readonly #polling = new AbortController();
  #running: Promise<void> | undefined;

  constructor(options: QueueWorkerOptions) {
    this.#o = options;
  }

  /** GetQueueAttributes: proves the queue exists and is reachable, and logs how it is set up. */
  async checkQueue(): Promise<Record<string, string>> {
    const { Attributes = {} } = await this.#o.sqs.send(
      new GetQueueAttributesCommand({
        QueueUrl: this.#o.queueUrl,
        AttributeNames: [
          "QueueArn",
          "VisibilityTimeout",
          "RedrivePolicy",
          "ApproximateNumberOfMessages",
          "ApproximateNumberOfMessagesNotVisible",
        ],
      }),
    );
    const fields = {
      queue_arn: Attributes.QueueArn,
      visibility_timeout_s: Number(Attributes.VisibilityTimeout),
      redrive_policy: Attributes.RedrivePolicy ? JSON.parse(Attributes.RedrivePolicy) : null,
      approximate_messages: Number(Attributes.ApproximateNumberOfMessages),
      approximate_messages_in_flight: Number(Attributes.ApproximateNumberOfMessagesNotVisible),
    };
    if (!Attributes.RedrivePolicy) {
      this.#o.logger.warn(
        fields,
        "the queue has no redrive policy: a poison message is retried forever",
      );
    } else {
      this.#o.logger.info(fields, "queue checked");
    }
    return Attributes;
  }

  /** Polls until stop(); resolves once the messages in hand are finished. */
  run(): Promise<void> {
    this.#running ??= this.#loop();
    return this.#running;
  }

  /** Stops polling (aborting the long poll in flight); resolves when run() does. */
  stop(): Promise<void> {
    this.#polling.abort();
    return this.#running ?? Promise.resolve();
  }

  get stopping(): boolean {
    return this.#polling.signal.aborted;
  }

  async #loop(): Promise<void> {
    const { sqs, queueUrl, logger } = this.#o;
    const signal = this.#polling.signal;
    while (!signal.aborted) {
      let messages: Message[];
      try {
        const result = await sqs.send(
          new ReceiveMessageCommand({
            QueueUrl: queueUrl,
            MaxNumberOfMessages: 10,
            WaitTimeSeconds: this.#o.waitTimeSeconds ?? 20,
            MessageSystemAttributeNames: ["ApproximateReceiveCount"],
          }),
          { abortSignal: signal },
        );
        messages = result.Messages ?? [];
        if (messages.length) logger.debug({ count: messages.length }, "messages received");
      } catch (error) {
        if (signal.aborted) break;
        logger.error({ error }, "receiving messages failed; retrying in 1 s");
        await sleep(1_000, signal);
        continue;
      }
      // Not abortable: once received, a message is finished (applied and deleted, or handed back).
      await Promise.all(messages.map((message) => this.#process(message)));
    }
  }

  async #process(message: Message): Promise<void> {
    const { sqs, queueUrl, logger, handle } = this.#o;
    const started = performance.now();
    const messageId = message.MessageId ?? "";
    const receiveCount = Number(message.Attributes?.ApproximateReceiveCount ?? 1);
    const fields = { message_id: messageId, receive_count: receiveCount };
    let eventFields: Record<string, string> = {};
    try {
      const event = parseEvent(message.Body);
      eventFields = { event_id: event.id, event_type: event.type, item_id: event.itemId };
      const outcome = await handle(event, messageId);
      await sqs.send(
        new DeleteMessageCommand({ QueueUrl: queueUrl, ReceiptHandle: message.ReceiptHandle }),
      );
      logger.info(
        { ...fields, ...eventFields, outcome, duration_ms: elapsed(started) },
        "message processed",
      );
    } catch (error) {
      const delay = retryDelaySeconds(receiveCount);
      try {
        await sqs.send(
          new ChangeMessageVisibilityCommand({
            QueueUrl: queueUrl,
            ReceiptHandle: message.ReceiptHandle,
            VisibilityTimeout: delay,
          }),
        );
      } catch (visibilityError) {
        logger.warn(
          { ...fields, error: visibilityError },
          "could not shorten the failed message's visibility; it is retried after the queue's visibility timeout",
        );
      }
      logger.error(
        {
          ...fields,
          ...eventFields,
          outcome: "failed",
          poison: error instanceof MalformedEventError,
          retry_in_s: delay,
          duration_ms: elapsed(started),
          error,
        },
        "message failed; it will be retried, then dead-lettered after the queue's maxReceiveCount",
      );
    }
  }
}

const elapsed = (started: number) => Math.round(performance.now() - started);

function sleep(ms: number, signal: AbortSignal): Promise<void> {
  return new Promise((resolve) => {
    const timer = setTimeout(done, ms);
    signal.addEventListener("abort", done, { once: true });
    function done() {
      clearTimeout(timer);
      signal.removeEventListener("abort", done);
      resolve();
    }
  });
}
