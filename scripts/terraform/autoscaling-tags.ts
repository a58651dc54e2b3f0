// Tags of Application Auto Scaling targets, answered in front of moto (emulator-front.ts).
//
// moto 5.2.5 implements Application Auto Scaling's targets, policies and scheduled actions but
// not its tagging API (moto/applicationautoscaling/responses.py has no list_tags_for_resource,
// tag_resource or untag_resource, and RegisterScalableTarget drops its Tags): the provider reads
// a target's tags after creating it (every stack has default tags), gets a 500 with an HTML body,
// and the apply fails. This gap keeps the tags RegisterScalableTarget, TagResource and
// UntagResource send, by the ARN moto gives the target, and answers ListTagsForResource from
// them. Everything else about a target (dimension, capacities, policies) is moto's.
import type { Answer, Gap, JsonBody } from "./emulator-front";

type Tags = Record<string, string>;

const notFound = (arn: unknown): Answer => ({
  status: 400,
  body: {
    __type: "ResourceNotFoundException",
    message: `No scalable target found for ${typeof arn === "string" ? arn : "(no ResourceARN)"}`,
  },
});

/** A target's identity in the API: namespace, resource id and dimension. */
const targetKey = (r: JsonBody) =>
  `${String(r.ServiceNamespace)}|${String(r.ResourceId)}|${String(r.ScalableDimension)}`;

export class AutoScalingTags implements Gap {
  readonly targetPrefix = "AnyScaleFrontendService.";
  private readonly byArn = new Map<string, Tags>();
  private readonly arnByTarget = new Map<string, string>();

  answer(operation: string, request: JsonBody): Answer | undefined {
    if (!["ListTagsForResource", "TagResource", "UntagResource"].includes(operation))
      return undefined;
    const tags =
      typeof request.ResourceARN === "string" ? this.byArn.get(request.ResourceARN) : undefined;
    if (!tags) return notFound(request.ResourceARN);
    if (operation === "ListTagsForResource") return { status: 200, body: { Tags: tags } };
    if (operation === "TagResource") Object.assign(tags, request.Tags as Tags);
    else for (const key of (request.TagKeys as string[] | undefined) ?? []) delete tags[key];
    return { status: 200, body: {} };
  }

  observe(operation: string, request: JsonBody, response: Answer): void {
    if (
      operation === "RegisterScalableTarget" &&
      typeof response.body.ScalableTargetARN === "string"
    ) {
      const arn = response.body.ScalableTargetARN;
      // A registration of an existing target updates it; its tags change only by TagResource.
      if (!this.byArn.has(arn))
        this.byArn.set(arn, { ...((request.Tags as Tags | undefined) ?? {}) });
      this.arnByTarget.set(targetKey(request), arn);
    }
    if (operation === "DeregisterScalableTarget") {
      const arn = this.arnByTarget.get(targetKey(request));
      if (arn) this.byArn.delete(arn);
      this.arnByTarget.delete(targetKey(request));
    }
  }

  /** targets whose tags are kept */
  get size(): number {
    return this.byArn.size;
  }
}
