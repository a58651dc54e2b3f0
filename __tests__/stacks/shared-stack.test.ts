/**
 * The shared stack's image repository as the committed configuration builds it (name, lifecycle,
 * pulls from the environments' accounts). The ImageRepository construct's own contract is in
 * __tests__/image-repository/image-repository.test.ts; the CI identity the shared stack holds is in
 * stacks/ci-identity.test.ts.
 */
import { Testing } from "cdktf";
import { describe, expect, it } from "vitest";
import { parseConfig } from "../../src/config/load";
import { SharedStack } from "../../src/stacks/shared-stack";
import { committedBackend, onlyResource, synth } from "../helpers";
import { imageLifecyclePolicy } from "../../src/image-repository/image-repository";
import { lifecyclePolicyProblems } from "../../src/image-repository/lifecycle-evaluator";

const json = synth(new SharedStack(Testing.app(), "shared", parseConfig(), committedBackend));

describe("image repository", () => {
  it("scans on push, has immutable tags and KMS encryption, and is never force-deleted", () => {
    expect(onlyResource(json, "aws_ecr_repository")).toMatchObject({
      name: "orbit/app",
      image_tag_mutability: "IMMUTABLE",
      image_scanning_configuration: { scan_on_push: true },
      encryption_configuration: [{ encryption_type: "KMS" }],
      force_delete: false,
    });
  });

  it("has the lifecycle policy of the production stacks: prod's images are all kept", () => {
    const policy = JSON.parse(onlyResource(json, "aws_ecr_lifecycle_policy").policy as string);
    expect(policy).toEqual(imageLifecyclePolicy({ productionStacks: ["prod"] }));
    expect(lifecyclePolicyProblems(policy)).toEqual([]);
  });

  it("lets the prod account pull, since prod runs in another account than the repository", () => {
    const policy = JSON.parse(onlyResource(json, "aws_ecr_repository_policy").policy as string);
    expect(policy.Statement).toEqual([
      expect.objectContaining({
        Effect: "Allow",
        Principal: { AWS: ["arn:aws:iam::222222222222:root"] },
        Action: [
          "ecr:BatchCheckLayerAvailability",
          "ecr:BatchGetImage",
          "ecr:GetDownloadUrlForLayer",
        ],
      }),
    ]);
  });

  it("publishes its URL for the environment stacks", () => {
    expect(json.output?.repository_url?.value).toBe(
      "${aws_ecr_repository.images_repository.repository_url}",
    );
  });
});
