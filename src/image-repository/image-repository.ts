import { EcrLifecyclePolicy } from "@cdktf/provider-aws/lib/ecr-lifecycle-policy";
import { EcrReplicationConfiguration } from "@cdktf/provider-aws/lib/ecr-replication-configuration";
import { EcrRepository } from "@cdktf/provider-aws/lib/ecr-repository";
import { EcrRepositoryPolicy } from "@cdktf/provider-aws/lib/ecr-repository-policy";
import { Construct } from "constructs";
import { policyDocument } from "../lib/iam";
import type { LifecyclePolicy, LifecycleRule } from "./lifecycle-evaluator";

/**
 * The prefix of the tag the release gives an image for each environment whose deploy ran with it:
 * `deployed.<stack>.<image tag>` (release.yml, job `mark`). `.` cannot occur in a stack name, so
 * no stack's tags begin with another's prefix.
 */
export const DEPLOYED_TAG_PREFIX = "deployed.";

/** The tag that marks `imageTag` as deployed to `stack`. */
export const deployedTag = (stack: string, imageTag: string): string =>
  `${DEPLOYED_TAG_PREFIX}${stack}.${imageTag}`;

/**
 * Days within which the release may still deploy an image it built, or has not yet marked it: a
 * GitHub Actions run lasts at most 35 days, waiting for approval included (a job waiting for its
 * environment's reviewers fails after 30), and a deploy needs the run's cdktf-out, kept 30 days
 * (re-running a deploy job, the documented rollback, included).
 */
export const RELEASE_WINDOW_DAYS = 35;

/** The lifecycle of an image repository; see {@link imageLifecyclePolicy}. */
export interface ImageLifecycleSettings {
  /**
   * The stacks of production-tier environments: every image one of them was deployed with is
   * kept (up to `productionImagesKept`), so a production environment can always restart and roll
   * back to anything it ran.
   */
  readonly productionStacks: readonly string[];
  /**
   * Images marked deployed to non-production environments only, kept newest first by push: what
   * staging runs and can roll back to. Older ones expire whatever their age.
   * @default 100
   */
  readonly nonProductionImagesKept?: number;
  /**
   * Days after which an image not (yet) marked deployed expires: a build whose run was cancelled
   * before its deploys. Above RELEASE_WINDOW_DAYS plus the day ECR may take to act, so an image
   * awaiting approval, or deployed and not yet marked, is never expired.
   * @default 45
   */
  readonly unmarkedImageExpiryDays?: number;
  /**
   * A bound on the images kept per production environment, far above any real history (5 years
   * of 10 production deploys a working day is 12,500; ECR's default quota is 100,000 images per
   * repository), so that nothing a production environment ran ever reaches it.
   * @default 25000
   */
  readonly productionImagesKept?: number;
}

/**
 * The lifecycle policy of the service image's repository. ECR applies the rules in order, and an
 * image that a rule's selection matches is never expired by a later one:
 *
 * 1. untagged images (a failed push) expire a day after their push;
 * 2. one rule per production environment keeps every image tagged `deployed.<stack>.*`;
 * 3. images marked deployed to non-production environments only: the newest
 *    `nonProductionImagesKept` are kept, older ones expire;
 * 4. images not marked (the release marks an image once both of its waves ended, so this is
 *    every image whose run may still deploy it) expire `unmarkedImageExpiryDays` after their push.
 *
 * Why marks and not counts: ECR counts by push time, but what an environment runs is not the
 * newest push (a rollback runs an old image; prod may wait for approval across any number of
 * merges), and a count over every push expires the image prod is about to get.
 */
export function imageLifecyclePolicy(settings: ImageLifecycleSettings): LifecyclePolicy {
  const nonProductionKept = settings.nonProductionImagesKept ?? 100;
  const unmarkedDays = settings.unmarkedImageExpiryDays ?? 45;
  const productionKept = settings.productionImagesKept ?? 25_000;
  const fail = (field: string, value: number, allowed: string, fix: string) => {
    throw new Error(`${field}: ${value} is not allowed; ${allowed}; fix: ${fix}`);
  };
  if (!Number.isInteger(unmarkedDays) || unmarkedDays <= RELEASE_WINDOW_DAYS + 1) {
    fail(
      "unmarkedImageExpiryDays",
      unmarkedDays,
      `an integer above ${RELEASE_WINDOW_DAYS + 1} (the ${RELEASE_WINDOW_DAYS} days a release run can still deploy an image, plus the day ECR may take to act)`,
      "use 45",
    );
  }
  if (!Number.isInteger(nonProductionKept) || nonProductionKept < 10) {
    fail("nonProductionImagesKept", nonProductionKept, "an integer of at least 10", "use 100");
  }
  if (!Number.isInteger(productionKept) || productionKept < 1000) {
    fail("productionImagesKept", productionKept, "an integer of at least 1000", "use 25000");
  }
  const untagged: LifecycleRule = {
    rulePriority: 1,
    description: "Expire untagged images (failed pushes) a day after their push",
    selection: {
      tagStatus: "untagged",
      countType: "sinceImagePushed",
      countUnit: "days",
      countNumber: 1,
    },
    action: { type: "expire" },
  };
  const production = [...settings.productionStacks].sort().map((stack, i): LifecycleRule => ({
    rulePriority: 2 + i,
    description: `Keep every image ${stack} (production) was deployed with`,
    selection: {
      tagStatus: "tagged",
      tagPatternList: [`${deployedTag(stack, "*")}`],
      countType: "imageCountMoreThan",
      countNumber: productionKept,
    },
    action: { type: "expire" },
  }));
  const next = 2 + production.length;
  return {
    rules: [
      untagged,
      ...production,
      {
        rulePriority: next,
        description: `Keep the newest ${nonProductionKept} images deployed to non-production environments only`,
        selection: {
          tagStatus: "tagged",
          tagPrefixList: [DEPLOYED_TAG_PREFIX],
          countType: "imageCountMoreThan",
          countNumber: nonProductionKept,
        },
        action: { type: "expire" },
      },
      {
        rulePriority: next + 1,
        description: `Expire images not marked deployed ${unmarkedDays} days after their push (a release run deploys and marks within ${RELEASE_WINDOW_DAYS})`,
        selection: {
          tagStatus: "tagged",
          tagPatternList: ["*"],
          countType: "sinceImagePushed",
          countUnit: "days",
          countNumber: unmarkedDays,
        },
        action: { type: "expire" },
      },
    ],
  };
}

export interface ImageRepositoryProps {
  /** The repository name, e.g. `orbit/app`. */
  readonly name: string;
  /**
   * The region of the repository, when it is not the provider's: a replica that ECR replication
   * fills from the repository in the provider's region.
   * @default - the provider's region
   */
  readonly region?: string;
  /** Which images are kept, and how long the others live; see {@link imageLifecyclePolicy}. */
  readonly lifecycle: ImageLifecycleSettings;
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
 * encrypted with KMS (the AWS-managed key, which cross-account pulls can use). Its lifecycle
 * ({@link imageLifecyclePolicy}) never expires an image a production environment ran, the newest
 * 100 that non-production environments ran, nor one the release may still deploy.
 *
 * Cost per month: $0.10 per GB stored. Images share their base layers, which ECR stores once;
 * each kept image adds its own (a few MB for a code change, ~150 MB at worst): 100 staging images
 * plus a year of 5 production deploys a week (~260) is $0.4 to $5 a month. Basic scanning is free.
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

    new EcrLifecyclePolicy(this, "lifecycle", {
      region,
      repository: this.repository.name,
      policy: JSON.stringify(imageLifecyclePolicy(props.lifecycle)),
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
