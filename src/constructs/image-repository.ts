import { EcrLifecyclePolicy } from "@cdktf/provider-aws/lib/ecr-lifecycle-policy";
import { EcrRepository } from "@cdktf/provider-aws/lib/ecr-repository";
import { EcrRepositoryPolicy } from "@cdktf/provider-aws/lib/ecr-repository-policy";
import { Construct } from "constructs";
import { policyDocument } from "../lib/iam";

/** The extra tag an image gets when it is promoted to prod; it protects the image from expiry. */
export const PROMOTED_TAG_PREFIX = "prod-";

export interface ImageRepositoryProps {
  /** The repository name, e.g. `orbit/app`. */
  readonly name: string;
  /**
   * Tagged images kept; older ones expire, unless promoted to prod.
   * @default 10
   */
  readonly keepReleaseImages?: number;
  /**
   * Images promoted to prod (an extra `prod-<sha>` tag) kept, whatever else is pushed: what prod
   * runs, and what it can roll back to.
   * @default 20
   */
  readonly keepPromotedImages?: number;
  /**
   * Accounts (other than the repository's own) whose roles may pull: the environments' accounts.
   * Their own IAM policies still decide which role may.
   * @default - none
   */
  readonly pullAccountIds?: readonly string[];
}

/**
 * The ECR repository of the service image, built once and promoted from staging to prod.
 *
 * Tags are immutable (a SHA always means the same image), every push is scanned, images are
 * encrypted with KMS (the AWS-managed key, which cross-account pulls can use), untagged images
 * expire after a day, and only the last `keepReleaseImages` tagged ones are kept, except the last
 * `keepPromotedImages` promoted to prod (tagged `prod-<sha>` when promoted), which the count of
 * staging pushes never expires.
 *
 * Cost per month: $0.10 per GB stored (ten 150 MB images ~$0.15); basic scanning is free.
 */
export class ImageRepository extends Construct {
  public readonly repository: EcrRepository;

  constructor(scope: Construct, id: string, props: ImageRepositoryProps) {
    super(scope, id);
    this.repository = new EcrRepository(this, "repository", {
      name: props.name,
      imageTagMutability: "IMMUTABLE",
      imageScanningConfiguration: { scanOnPush: true },
      encryptionConfiguration: [{ encryptionType: "KMS" }],
      forceDelete: false,
    });

    const keep = props.keepReleaseImages ?? 10;
    const keepPromoted = props.keepPromotedImages ?? 20;
    new EcrLifecyclePolicy(this, "lifecycle", {
      repository: this.repository.name,
      // A rule never expires an image that a rule of higher priority matched, so images promoted
      // to prod (tagged prod-<sha>) are safe from the count of every other push.
      policy: JSON.stringify({
        rules: [
          {
            rulePriority: 1,
            description: "Expire untagged images (failed or superseded pushes) after a day",
            selection: {
              tagStatus: "untagged",
              countType: "sinceImagePushed",
              countUnit: "days",
              countNumber: 1,
            },
            action: { type: "expire" },
          },
          {
            rulePriority: 2,
            description: `Keep the last ${keepPromoted} images promoted to prod`,
            selection: {
              tagStatus: "tagged",
              tagPrefixList: [PROMOTED_TAG_PREFIX],
              countType: "imageCountMoreThan",
              countNumber: keepPromoted,
            },
            action: { type: "expire" },
          },
          {
            rulePriority: 3,
            description: `Keep the last ${keep} release images`,
            selection: {
              tagStatus: "tagged",
              tagPatternList: ["*"],
              countType: "imageCountMoreThan",
              countNumber: keep,
            },
            action: { type: "expire" },
          },
        ],
      }),
    });

    const pullers = props.pullAccountIds ?? [];
    if (pullers.length > 0) {
      new EcrRepositoryPolicy(this, "cross-account-pull", {
        repository: this.repository.name,
        policy: policyDocument({
          Sid: "EnvironmentAccountsPull",
          Effect: "Allow",
          Principal: { AWS: pullers.map((account) => `arn:aws:iam::${account}:root`) },
          Action: [
            "ecr:BatchCheckLayerAvailability",
            "ecr:BatchGetImage",
            "ecr:GetDownloadUrlForLayer",
          ],
        }),
      });
    }
  }
}
