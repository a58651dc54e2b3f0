import { EcrLifecyclePolicy } from "@cdktf/provider-aws/lib/ecr-lifecycle-policy";
import { EcrReplicationConfiguration } from "@cdktf/provider-aws/lib/ecr-replication-configuration";
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
   * The region of the repository, when it is not the provider's: a replica that ECR replication
   * fills from the repository in the provider's region.
   * @default - the provider's region
   */
  readonly region?: string;
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
 * Replicates every push to the repositories named `repositoryName` (a prefix match) into the same
 * account's repositories of `regions`, which must exist first: ECR would otherwise create them
 * itself, mutable, unscanned and without lifecycle or pull policy. One per registry and region
 * (ECR keeps one replication configuration per registry).
 *
 * Cost: the transfer between regions once per push (~$0.02/GB) and $0.10 per GB-month stored per
 * replica; pulls within a region are free, cross-account included.
 */
export function replicateImages(
  scope: Construct,
  id: string,
  props: {
    readonly registryId: string;
    readonly repositoryName: string;
    readonly replicas: readonly ImageRepository[];
  },
): EcrReplicationConfiguration {
  return new EcrReplicationConfiguration(scope, id, {
    replicationConfiguration: {
      // One rule with every destination: ECR applies the rules' destinations alike.
      rule: [
        {
          destination: props.replicas.map((replica) => ({
            region: replica.region!,
            registryId: props.registryId,
          })),
          repositoryFilter: [{ filter: props.repositoryName, filterType: "PREFIX_MATCH" }],
        },
      ],
    },
    dependsOn: props.replicas.map((replica) => replica.repository),
  });
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
  /** The region given in the props, if any. */
  public readonly region?: string;

  constructor(scope: Construct, id: string, props: ImageRepositoryProps) {
    super(scope, id);
    const { region } = props;
    this.region = region;
    this.repository = new EcrRepository(this, "repository", {
      region,
      name: props.name,
      imageTagMutability: "IMMUTABLE",
      imageScanningConfiguration: { scanOnPush: true },
      encryptionConfiguration: [{ encryptionType: "KMS" }],
      forceDelete: false,
    });

    const keep = props.keepReleaseImages ?? 10;
    const keepPromoted = props.keepPromotedImages ?? 20;
    new EcrLifecyclePolicy(this, "lifecycle", {
      region,
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
        region,
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
