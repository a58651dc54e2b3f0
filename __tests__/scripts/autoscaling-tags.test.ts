import { describe, expect, it } from "vitest";
import { AutoScalingTags } from "../../scripts/terraform/autoscaling-tags";

const ARN = "arn:aws:application-autoscaling:eu-west-1:111111111111:scalable-target/abc";
const target = {
  ServiceNamespace: "ecs",
  ResourceId: "service/orbit-staging/orbit-staging-api",
  ScalableDimension: "ecs:service:DesiredCount",
};
const registeredBy = (gap: AutoScalingTags, tags: Record<string, string>) =>
  gap.observe(
    "RegisterScalableTarget",
    { ...target, Tags: tags },
    {
      status: 200,
      body: { ScalableTargetARN: ARN },
    },
  );

describe("Application Auto Scaling tags answered in front of moto", () => {
  it("keeps the tags a target was registered with, under the ARN moto gave it", () => {
    const gap = new AutoScalingTags();
    registeredBy(gap, { Project: "orbit" });
    expect(gap.answer("ListTagsForResource", { ResourceARN: ARN })).toEqual({
      status: 200,
      body: { Tags: { Project: "orbit" } },
    });
  });

  it("adds and removes tags, and a re-registration does not reset them", () => {
    const gap = new AutoScalingTags();
    registeredBy(gap, { Project: "orbit" });
    gap.answer("TagResource", { ResourceARN: ARN, Tags: { Team: "platform" } });
    gap.answer("UntagResource", { ResourceARN: ARN, TagKeys: ["Project"] });
    registeredBy(gap, { Project: "orbit" });
    expect(gap.answer("ListTagsForResource", { ResourceARN: ARN })?.body).toEqual({
      Tags: { Team: "platform" },
    });
  });

  it("answers an unknown or deregistered target as AWS does: ResourceNotFoundException", () => {
    const gap = new AutoScalingTags();
    registeredBy(gap, {});
    gap.observe("DeregisterScalableTarget", target, { status: 200, body: {} });
    const answer = gap.answer("ListTagsForResource", { ResourceARN: ARN });
    expect(answer?.status).toBe(400);
    expect(answer?.body).toMatchObject({ __type: "ResourceNotFoundException" });
    expect(gap.size).toBe(0);
  });

  it("leaves every other operation to moto", () => {
    expect(new AutoScalingTags().answer("DescribeScalableTargets", target)).toBeUndefined();
    expect(new AutoScalingTags().answer("RegisterScalableTarget", target)).toBeUndefined();
  });
});
