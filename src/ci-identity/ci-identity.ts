import { IamOpenidConnectProvider } from "@cdktf/provider-aws/lib/iam-openid-connect-provider";
import { IamPolicy } from "@cdktf/provider-aws/lib/iam-policy";
import { IamRole } from "@cdktf/provider-aws/lib/iam-role";
import { IamRolePolicy } from "@cdktf/provider-aws/lib/iam-role-policy";
import { IamRolePolicyAttachment } from "@cdktf/provider-aws/lib/iam-role-policy-attachment";
import type { AwsProvider } from "@cdktf/provider-aws/lib/provider";
import { Construct } from "constructs";
import {
  arn,
  CI_SESSION_SECONDS,
  GITHUB_OIDC_AUDIENCE,
  GITHUB_OIDC_HOST,
  type ciNames,
} from "../config/names";
import { policyDocument, type PolicyStatement } from "../lib/iam";

/** An environment whose deploy role lives in this account. */
export interface Deployment {
  /** The role is `<project>-github-deploy-<name>`. */
  readonly name: string;
  /** The environment's region: its deploy role acts there alone. */
  readonly region: string;
  /** The GitHub environment whose jobs may assume the role. */
  readonly githubEnvironment: string;
  /** The roles and resources the environment stack creates are named `<namePrefix>-...`. */
  readonly namePrefix: string;
  /** The environment stack's own state role (read, write, lock). */
  readonly stateRoleArn: string;
  /** The Route 53 zone the stack writes its records in, if any. */
  readonly hostedZoneId?: string;
}

export interface CiAccountIdentityProps {
  /** The provider of this account. */
  readonly provider: AwsProvider;
  readonly accountId: string;
  /**
   * The regions the account's stacks act in (its environments', and the project's in the shared
   * account): the boundary denies every regional call elsewhere.
   */
  readonly regions: readonly string[];
  readonly names: ReturnType<typeof ciNames>;
  /** Plan state roles of the stacks planned with this account's credentials. */
  readonly planStateRoleArns: readonly string[];
  /**
   * Plan roles of other accounts this plan role may chain into: the shared stack creates CI
   * identity in every account, so planning it reads all of them.
   */
  readonly chainedPlanRoleArns?: readonly string[];
  /** The plan role of the shared account, when this is another account: it may chain into this one. */
  readonly trustedPlanRole?: IamRole;
  /** The one image repository the publish role may push to; only in the repository's account. */
  readonly publishTo?: { readonly repositoryArn: string };
  /** Environments deployed into this account. */
  readonly deployments: readonly Deployment[];
  /** Roles no deploy role may change, beyond the CI roles: the state roles (`<name>-*`). */
  readonly protectedRoleArnPatterns?: readonly string[];
}

/**
 * GitHub Actions' identity in one AWS account: the OIDC provider and the roles workflows assume
 * with it, each trusting exactly one OIDC subject of one repository (`aud` and `sub` compared with
 * `StringEquals`, never `StringLike`), with one-hour sessions:
 *
 * - `plan` (pull requests): reads the configuration of everything (AWS `ReadOnlyAccess`) but the
 *   data of nothing (explicit denies), and may assume the plan state roles: read state, take the
 *   lock, never write.
 * - `publish` (the release branch; only where the image repository is): pushes to that one
 *   repository.
 * - `deploy-<env>` (the GitHub environment of `<env>`): applies its environment's stack, within
 *   the permissions boundary.
 *
 * The boundary (`<project>-ci-boundary`) is attached to every deploy role and to every role they
 * create (the environment stacks set it on theirs): it denies creating or changing a role without
 * it, removing or editing it, touching the CI roles, the OIDC provider or the state roles, and
 * creating long-lived credentials. So a deploy role cannot raise its own or any other role's
 * privileges. See docs/ci-cd.md for why the deploy roles are as wide as they are.
 *
 * Cost: nothing (IAM is free).
 */
export class CiAccountIdentity extends Construct {
  public readonly oidcProvider: IamOpenidConnectProvider;
  public readonly planRole: IamRole;
  public readonly publishRole?: IamRole;
  public readonly boundary?: IamPolicy;
  public readonly deployRoles: Record<string, IamRole> = {};

  constructor(
    scope: Construct,
    id: string,
    private readonly props: CiAccountIdentityProps,
  ) {
    super(scope, id);
    const { provider, names } = props;
    this.oidcProvider = new IamOpenidConnectProvider(this, "github", {
      provider,
      url: `https://${GITHUB_OIDC_HOST}`,
      clientIdList: [GITHUB_OIDC_AUDIENCE],
    });

    this.planRole = this.githubRole("plan-role", names.planRole, names.subject.pullRequest, {
      description: "Pull requests: terraform plan (read-only; reads state and takes its lock)",
      extraTrust: props.trustedPlanRole && {
        Sid: "SharedStackPlans",
        Effect: "Allow",
        Principal: { AWS: props.trustedPlanRole.arn },
        Action: "sts:AssumeRole",
      },
    });
    new IamRolePolicyAttachment(this, "plan-read-only", {
      provider,
      role: this.planRole.name,
      // Refreshing every resource type of the stacks needs hundreds of Describe/List/Get calls,
      // most without resource-level permissions; AWS maintains this list as services change.
      policyArn: "arn:aws:iam::aws:policy/ReadOnlyAccess",
    });
    new IamRolePolicy(this, "plan-policy", {
      provider,
      role: this.planRole.id,
      name: "plan",
      policy: policyDocument(...this.planStatements()),
    });

    if (props.publishTo) {
      this.publishRole = this.githubRole(
        "publish-role",
        names.publishRole,
        names.subject.releaseBranch,
        { description: "Release branch: push the service image to its one repository" },
      );
      new IamRolePolicy(this, "publish-policy", {
        provider,
        role: this.publishRole.id,
        name: "push-image",
        policy: policyDocument(...publishStatements(props.publishTo.repositoryArn)),
      });
    }

    if (props.deployments.length > 0) {
      const boundaryArn = arn.policy(props.accountId, names.boundaryPolicy);
      this.boundary = new IamPolicy(this, "boundary", {
        provider,
        name: names.boundaryPolicy,
        description:
          "Permissions boundary of the CI deploy roles and of every role they create: no privilege escalation",
        policy: policyDocument(...this.boundaryStatements(boundaryArn)),
      });
      for (const deployment of props.deployments) {
        const role = this.githubRole(
          `deploy-role-${deployment.name}`,
          names.deployRole(deployment.name),
          names.subject.environment(deployment.githubEnvironment),
          {
            description: `GitHub environment ${deployment.githubEnvironment}: apply the ${deployment.name} stack`,
            boundaryArn: this.boundary.arn,
          },
        );
        new IamRolePolicy(this, `deploy-policy-${deployment.name}`, {
          provider,
          role: role.id,
          name: "deploy",
          policy: policyDocument(...this.deployStatements(deployment, boundaryArn)),
        });
        this.deployRoles[deployment.name] = role;
      }
    }
  }

  /** A role that exactly one OIDC subject of the repository may assume, for an hour at most. */
  private githubRole(
    id: string,
    name: string,
    subject: string,
    options: { description: string; boundaryArn?: string; extraTrust?: PolicyStatement },
  ): IamRole {
    return new IamRole(this, id, {
      provider: this.props.provider,
      name,
      description: options.description,
      maxSessionDuration: CI_SESSION_SECONDS,
      permissionsBoundary: options.boundaryArn,
      assumeRolePolicy: policyDocument(
        {
          Sid: "GitHubActions",
          Effect: "Allow",
          Principal: { Federated: this.oidcProvider.arn },
          Action: "sts:AssumeRoleWithWebIdentity",
          Condition: {
            StringEquals: {
              [`${GITHUB_OIDC_HOST}:aud`]: GITHUB_OIDC_AUDIENCE,
              [`${GITHUB_OIDC_HOST}:sub`]: subject,
            },
          },
        },
        ...(options.extraTrust ? [options.extraTrust] : []),
      ),
    });
  }

  private planStatements(): PolicyStatement[] {
    const { planStateRoleArns, chainedPlanRoleArns = [] } = this.props;
    return [
      {
        Sid: "ReadAndLockState",
        Effect: "Allow",
        Action: "sts:AssumeRole",
        Resource: [...planStateRoleArns, ...chainedPlanRoleArns],
      },
      {
        // ReadOnlyAccess reads data too. A plan needs the configuration of resources, never their
        // contents: no objects, items, secrets, messages, parameters, log events or image layers.
        // Deny statements may name every resource: they only take away.
        Sid: "NoDataReads",
        Effect: "Deny",
        Action: [
          "s3:GetObject",
          "s3:GetObjectVersion",
          "dynamodb:GetItem",
          "dynamodb:BatchGetItem",
          "dynamodb:Query",
          "dynamodb:Scan",
          "dynamodb:GetRecords",
          "secretsmanager:GetSecretValue",
          "sqs:ReceiveMessage",
          "kms:Decrypt",
          "ssm:GetParameter",
          "ssm:GetParameters",
          "ssm:GetParametersByPath",
          "logs:GetLogEvents",
          "logs:FilterLogEvents",
          "logs:StartQuery",
          "logs:GetQueryResults",
          "ecr:GetDownloadUrlForLayer",
          "rds:DownloadDBLogFilePortion",
        ],
        Resource: "*",
      },
    ];
  }

  /**
   * The deploy role applies one environment stack: the services of the platform in its region,
   * the S3, DynamoDB, SQS and SNS resources and IAM roles named after the environment, the records
   * of its zone, and its own state. Nothing else: no image pushes, no other stack's state, no
   * IAM role it could not also create under the boundary.
   */
  private deployStatements(deployment: Deployment, boundaryArn: string): PolicyStatement[] {
    const { accountId } = this.props;
    const { region } = deployment;
    const prefix = deployment.namePrefix;
    const ownRoles = `arn:aws:iam::${accountId}:role/${prefix}-*`;
    return [
      {
        Sid: "OwnState",
        Effect: "Allow",
        Action: "sts:AssumeRole",
        Resource: deployment.stateRoleArn,
      },
      {
        // These services name what Terraform creates by ids generated at creation (vpc-0abc...,
        // key ids, listener ARNs), and many of their Describe/List/Create calls have no
        // resource-level permissions, so they are granted in the region. Limits: the region, the
        // account (prod alone in its own), the boundary, and the statements below for everything
        // that holds data or identity.
        Sid: "PlatformServicesInRegion",
        Effect: "Allow",
        Action: [...REGIONAL_SERVICES],
        Resource: "*",
        Condition: { StringEquals: { "aws:RequestedRegion": region } },
      },
      {
        Sid: "EnvironmentBuckets",
        Effect: "Allow",
        Action: "s3:*",
        Resource: `arn:aws:s3:::${prefix}-*`,
      },
      {
        Sid: "EnvironmentTables",
        Effect: "Allow",
        Action: "dynamodb:*",
        Resource: `arn:aws:dynamodb:${region}:${accountId}:table/${prefix}-*`,
      },
      {
        Sid: "EnvironmentQueuesAndTopics",
        Effect: "Allow",
        Action: ["sqs:*", "sns:*"],
        Resource: [
          `arn:aws:sqs:${region}:${accountId}:${prefix}-*`,
          `arn:aws:sns:${region}:${accountId}:${prefix}-*`,
        ],
      },
      {
        // RDS creates and rotates the master user's secret with the caller's permissions. Never
        // GetSecretValue: the deploy role has no business reading the password.
        Sid: "DatabaseManagedSecret",
        Effect: "Allow",
        Action: [
          "secretsmanager:CreateSecret",
          "secretsmanager:DescribeSecret",
          "secretsmanager:UpdateSecret",
          "secretsmanager:RotateSecret",
          "secretsmanager:DeleteSecret",
          "secretsmanager:TagResource",
          "secretsmanager:UntagResource",
        ],
        Resource: `arn:aws:secretsmanager:${region}:${accountId}:secret:rds!*`,
      },
      ...(deployment.hostedZoneId
        ? [
            {
              Sid: "EnvironmentRecords",
              Effect: "Allow" as const,
              Action: [
                "route53:GetHostedZone",
                "route53:ListResourceRecordSets",
                "route53:ChangeResourceRecordSets",
                "route53:ListTagsForResource",
              ],
              Resource: `arn:aws:route53:::hostedzone/${deployment.hostedZoneId}`,
            },
            {
              Sid: "RecordChanges",
              Effect: "Allow" as const,
              Action: "route53:GetChange",
              Resource: "arn:aws:route53:::change/*",
            },
          ]
        : []),
      {
        // Roles of the environment (task, execution, flow logs, RDS monitoring), only with the
        // boundary: the condition compares the boundary of the role being created or changed.
        Sid: "EnvironmentRolesWithBoundary",
        Effect: "Allow",
        Action: [...ROLE_POLICY_ACTIONS],
        Resource: ownRoles,
        Condition: { StringEquals: { "iam:PermissionsBoundary": boundaryArn } },
      },
      {
        Sid: "EnvironmentRoles",
        Effect: "Allow",
        Action: [...ROLE_UPKEEP_ACTIONS],
        Resource: ownRoles,
      },
      {
        Sid: "PassEnvironmentRoles",
        Effect: "Allow",
        Action: "iam:PassRole",
        Resource: ownRoles,
        Condition: {
          StringEquals: {
            "iam:PassedToService": [
              "ecs-tasks.amazonaws.com",
              "vpc-flow-logs.amazonaws.com",
              "monitoring.rds.amazonaws.com",
            ],
          },
        },
      },
      {
        Sid: "ServiceLinkedRoles",
        Effect: "Allow",
        Action: "iam:CreateServiceLinkedRole",
        Resource: `arn:aws:iam::${accountId}:role/aws-service-role/*`,
        Condition: {
          StringEquals: {
            "iam:AWSServiceName": [
              "ecs.amazonaws.com",
              "elasticloadbalancing.amazonaws.com",
              "rds.amazonaws.com",
              "ecs.application-autoscaling.amazonaws.com",
            ],
          },
        },
      },
    ];
  }

  /**
   * The ceiling of the deploy roles and of every role they create. It grants nothing by itself
   * (a boundary only limits), so its Allow names services, not resources.
   */
  private boundaryStatements(boundaryArn: string): PolicyStatement[] {
    const { accountId, regions, names, protectedRoleArnPatterns = [] } = this.props;
    return [
      {
        Sid: "PlatformServices",
        Effect: "Allow",
        Action: [
          ...REGIONAL_SERVICES,
          "s3:*",
          "dynamodb:*",
          "sqs:*",
          "sns:*",
          "secretsmanager:*",
          "route53:*",
          // IAM: what the deploy roles do to their environment's roles, nothing else.
          ...ENVIRONMENT_ROLE_ACTIONS,
          "iam:PassRole",
          "iam:CreateServiceLinkedRole",
          "sts:AssumeRole",
          "ecr:GetAuthorizationToken",
          "ecr:BatchCheckLayerAvailability",
          "ecr:GetDownloadUrlForLayer",
          "ecr:BatchGetImage",
        ],
        Resource: "*",
      },
      {
        Sid: "OnlyTheseRegions",
        Effect: "Deny",
        // IAM, Route 53 and STS are global: their calls name us-east-1 whatever the region.
        NotAction: ["iam:*", "route53:*", "sts:*"],
        Resource: "*",
        Condition: { StringNotEquals: { "aws:RequestedRegion": [...regions] } },
      },
      {
        Sid: "NoRoleWithoutThisBoundary",
        Effect: "Deny",
        Action: [...ROLE_POLICY_ACTIONS],
        Resource: "*",
        Condition: { StringNotEquals: { "iam:PermissionsBoundary": boundaryArn } },
      },
      {
        Sid: "NoBoundaryRemoval",
        Effect: "Deny",
        Action: "iam:DeleteRolePermissionsBoundary",
        Resource: "*",
      },
      {
        Sid: "NoBoundaryChanges",
        Effect: "Deny",
        Action: [
          "iam:CreatePolicyVersion",
          "iam:DeletePolicy",
          "iam:DeletePolicyVersion",
          "iam:SetDefaultPolicyVersion",
        ],
        Resource: boundaryArn,
      },
      {
        // The CI roles, their OIDC provider and the state roles: readable and (the state roles)
        // assumable, never changed.
        Sid: "NoChangesToCiIdentity",
        Effect: "Deny",
        NotAction: ["iam:Get*", "iam:List*", "sts:AssumeRole"],
        Resource: [
          `arn:aws:iam::${accountId}:role/${names.rolePattern}`,
          arn.oidcProvider(accountId),
          ...protectedRoleArnPatterns,
        ],
      },
      {
        Sid: "NoLongLivedCredentials",
        Effect: "Deny",
        Action: [
          "iam:CreateUser",
          "iam:CreateAccessKey",
          "iam:CreateLoginProfile",
          "iam:UpdateLoginProfile",
          "iam:CreateServiceSpecificCredential",
          "iam:UploadSSHPublicKey",
          "iam:CreateOpenIDConnectProvider",
          "iam:CreateSAMLProvider",
        ],
        Resource: "*",
      },
    ];
  }
}

/**
 * The services whose resources an environment stack creates under generated ids, granted to the
 * deploy roles in their region and allowed by the boundary.
 */
const REGIONAL_SERVICES = [
  "ec2:*",
  "elasticloadbalancing:*",
  "ecs:*",
  "application-autoscaling:*",
  "rds:*",
  "kms:*",
  "wafv2:*",
  "acm:*",
  "cloudwatch:*",
  "logs:*",
] as const;

/** Creating a role or changing what it may do: allowed only with the boundary on the role. */
const ROLE_POLICY_ACTIONS = [
  "iam:CreateRole",
  "iam:PutRolePermissionsBoundary",
  "iam:PutRolePolicy",
  "iam:DeleteRolePolicy",
  "iam:AttachRolePolicy",
  "iam:DetachRolePolicy",
] as const;

/** Reading, tagging, describing, re-trusting and deleting a role. */
const ROLE_UPKEEP_ACTIONS = [
  "iam:GetRole",
  "iam:GetRolePolicy",
  "iam:ListRolePolicies",
  "iam:ListAttachedRolePolicies",
  "iam:ListInstanceProfilesForRole",
  "iam:ListRoleTags",
  "iam:TagRole",
  "iam:UntagRole",
  "iam:UpdateRole",
  "iam:UpdateRoleDescription",
  "iam:UpdateAssumeRolePolicy",
  "iam:DeleteRole",
] as const;

const ENVIRONMENT_ROLE_ACTIONS = [...ROLE_POLICY_ACTIONS, ...ROLE_UPKEEP_ACTIONS];

/** Pushing one image (layers, then the manifest) to one repository, and reading its tags. */
function publishStatements(repositoryArn: string): PolicyStatement[] {
  return [
    {
      Sid: "PushToTheRepository",
      Effect: "Allow",
      Action: [
        "ecr:BatchCheckLayerAvailability",
        "ecr:InitiateLayerUpload",
        "ecr:UploadLayerPart",
        "ecr:CompleteLayerUpload",
        "ecr:PutImage",
        // Re-runs skip tags that exist (tags are immutable), and promotion re-tags a manifest.
        "ecr:DescribeImages",
        "ecr:BatchGetImage",
        // The release waits until the image is in every replica region.
        "ecr:DescribeImageReplicationStatus",
      ],
      Resource: repositoryArn,
    },
    {
      // GetAuthorizationToken has no resource-level permissions: the token is per registry.
      Sid: "LogInToTheRegistry",
      Effect: "Allow",
      Action: "ecr:GetAuthorizationToken",
      Resource: "*",
    },
  ];
}
