// The RedriveAllowPolicy attribute of SQS queues, answered in front of moto (emulator-front.ts).
//
// moto 5.2.5 does not keep RedriveAllowPolicy (moto/sqs/models.py: it is not among the queue's
// BASE_ATTRIBUTES, so SetQueueAttributes drops it and GetQueueAttributes never returns it); the
// provider waits for the attribute to appear until its timeout. This gap keeps the value set on
// each queue (by queue URL) and returns it as SQS does: asked by name, or among "All". Every
// other attribute, and the queue itself, is moto's.
import type { Answer, Gap, JsonBody } from "./emulator-front";

const NAME = "RedriveAllowPolicy";

export class RedriveAllowPolicies implements Gap {
  readonly targetPrefix = "AmazonSQS.";
  private readonly byQueue = new Map<string, string>();

  answer(operation: string, request: JsonBody): Answer | undefined {
    const queue = String(request.QueueUrl);
    const attributes = (request.Attributes ?? {}) as Record<string, string>;
    if (operation === "SetQueueAttributes" && NAME in attributes) {
      // "" removes it, as in SQS.
      if (attributes[NAME] === "") this.byQueue.delete(queue);
      else this.byQueue.set(queue, attributes[NAME]!);
      // Alone, it is answered here; with other attributes, moto sets those (and drops this one).
      if (Object.keys(attributes).length === 1) return { status: 200, body: {} };
      return undefined;
    }
    const names = (request.AttributeNames as string[] | undefined) ?? [];
    if (operation === "GetQueueAttributes" && names.length === 1 && names[0] === NAME) {
      const value = this.byQueue.get(queue);
      return { status: 200, body: { Attributes: value === undefined ? {} : { [NAME]: value } } };
    }
    return undefined;
  }

  observe(operation: string, request: JsonBody, response: Answer): JsonBody | void {
    // A queue moto deleted takes its policy along.
    if (operation === "DeleteQueue") this.byQueue.delete(String(request.QueueUrl));
    const names = (request.AttributeNames as string[] | undefined) ?? [];
    const value = this.byQueue.get(String(request.QueueUrl));
    if (operation !== "GetQueueAttributes" || value === undefined) return;
    if (!names.includes("All") && !names.includes(NAME)) return;
    const attributes = (response.body.Attributes ?? {}) as Record<string, string>;
    return { ...response.body, Attributes: { ...attributes, [NAME]: value } };
  }
}
