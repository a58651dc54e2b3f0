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

  it("expires untagged images after a day, keeps the last 10 releases, and never lets them expire prod's images", () => {
    const policy = JSON.parse(onlyResource(json, "aws_ecr_lifecycle_policy").policy as string);
    expect(policy.rules.map((r: Record<string, unknown>) => [r.rulePriority, r.selection])).toEqual(
      [
        [
          1,
          {
            tagStatus: "untagged",
            countType: "sinceImagePushed",
            countUnit: "days",
            countNumber: 1,
          },
        ],
        [
          2,
          {
            tagStatus: "tagged",
            tagPrefixList: ["prod-"],
            countType: "imageCountMoreThan",
            countNumber: 20,
          },
        ],
        [
          3,
          {
            tagStatus: "tagged",
            tagPatternList: ["*"],
            countType: "imageCountMoreThan",
            countNumber: 10,
          },
        ],
      ],
    );
    expect(
      policy.rules.every(
        (r: { action: unknown }) => JSON.stringify(r.action) === '{"type":"expire"}',
      ),
    ).toBe(true);
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
