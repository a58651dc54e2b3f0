import { EcrReplicationConfiguration } from "@cdktf/provider-aws/lib/ecr-replication-configuration";
import { EcrRepository } from "@cdktf/provider-aws/lib/ecr-repository";
import { EcrRepositoryPolicy } from "@cdktf/provider-aws/lib/ecr-repository-policy";
import { Testing } from "cdktf";
import { describe, expect, it } from "vitest";
import {
  imageLifecyclePolicy,
  ImageRepository,
  replicateImages,
  type ImageRepositoryProps,
} from "../../src/image-repository/image-repository";
import { lifecyclePolicyProblems } from "../../src/image-repository/lifecycle-evaluator";
import { bareStack, onlyResource, resolved, synth } from "../helpers";

/** GIVEN a bare stack WHEN an image repository is built with a name and `props`. */
function imageRepository(props: Partial<ImageRepositoryProps> = {}) {
  const stack = bareStack();
  const repository = new ImageRepository(stack, "image", {
    name: "orbit/app",
    lifecycle: { productionStacks: ["prod"] },
    ...props,
  });
  return { stack, repository, text: Testing.synth(stack), json: synth(stack) };
}

const lifecyclePolicy = (json: ReturnType<typeof synth>) =>
  JSON.parse(onlyResource(json, "aws_ecr_lifecycle_policy").policy as string) as unknown;

describe("ImageRepository, built alone", () => {
  describe("GIVEN only a name", () => {
    const { text, json, stack, repository } = imageRepository();

    it("THEN an immutable, scanned, KMS-encrypted repository of that name, in the provider's region", () => {
      expect(text).toHaveResourceWithProperties(EcrRepository, {
        name: "orbit/app",
        image_tag_mutability: "IMMUTABLE",
        image_scanning_configuration: { scan_on_push: true },
        force_delete: false,
      });
      expect(onlyResource(json, "aws_ecr_repository")).not.toHaveProperty("region");
      expect(repository.region).toBeUndefined();
    });

    it("THEN its lifecycle is the policy of its settings, one ECR accepts", () => {
      const policy = lifecyclePolicy(json);
      expect(policy).toEqual(imageLifecyclePolicy({ productionStacks: ["prod"] }));
      expect(lifecyclePolicyProblems(policy as never)).toEqual([]);
    });

    it("THEN no other account may pull", () => {
      expect(text).not.toHaveResource(EcrRepositoryPolicy);
    });

    it("THEN it exposes the repository", () => {
      expect(resolved(stack, repository.repository.arn)).toBe(
        "${aws_ecr_repository.image_repository.arn}",
      );
    });
  });

  it("GIVEN lifecycle settings THEN the lifecycle follows them", () => {
    const settings = {
      productionStacks: ["prod", "prod-us"],
      nonProductionImagesKept: 30,
      unmarkedImageExpiryDays: 60,
    };
    const { json } = imageRepository({ lifecycle: settings });
    expect(lifecyclePolicy(json)).toEqual(imageLifecyclePolicy(settings));
  });

  it("GIVEN pulling accounts THEN each account's root may pull, and only pull", () => {
    const { json } = imageRepository({ pullAccountIds: ["222222222222"] });
    const statement = JSON.parse(onlyResource(json, "aws_ecr_repository_policy").policy as string)
      .Statement[0];
    expect(statement).toMatchObject({
      Sid: "EnvironmentAccountsPull",
      Principal: { AWS: ["arn:aws:iam::222222222222:root"] },
    });
    expect(JSON.stringify(statement.Action)).not.toMatch(/Put|Delete|Upload/);
  });

  it("GIVEN a region THEN a replica there, which replication fills from the provider's region", () => {
    const stack = bareStack();
    const replica = new ImageRepository(stack, "replica", {
      name: "orbit/app",
      region: "us-east-1",
      lifecycle: { productionStacks: ["prod"] },
    });
    replicateImages(stack, "replication", {
      registryId: "111111111111",
      repositoryName: "orbit/app",
      replicas: [replica],
    });
    const text = Testing.synth(stack);
    expect(text).toHaveResourceWithProperties(EcrRepository, { region: "us-east-1" });
    expect(text).toHaveResourceWithProperties(EcrReplicationConfiguration, {
      replication_configuration: {
        rule: [
          {
            destination: [{ region: "us-east-1", registry_id: "111111111111" }],
            repository_filter: [{ filter: "orbit/app", filter_type: "PREFIX_MATCH" }],
          },
        ],
      },
      depends_on: ["aws_ecr_repository.replica_repository"],
    });
  });
});
