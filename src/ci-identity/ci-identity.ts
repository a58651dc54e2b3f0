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
  DEPLOY_SESSION_SECONDS,
  GITHUB_OIDC_AUDIENCE,
  GITHUB_OIDC_HOST,
  type ciNames,
} from "../config/names";
import {
  AWS_SERVICES,
  AWS_SERVICES_FILE,
  AWS_RESOURCE_TYPES,
  serviceLinkedRolesFor,
  servicesFor,
} from "../lib/aws-services";
import { policyDocument, type PolicyStatement } from "../lib/iam";
import { mergeFootprints, type StackFootprint } from "./footprint";

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
  /**
   * What the environment stack holds: its deploy role's services and statements, and the
   * account's boundary, follow from it.
   */
  readonly footprint: StackFootprint;
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
 * `StringEquals`, never `StringLike`; the publish and deploy roles also the release branch's
 * `ref` and the `job_workflow_ref` of their one workflow), with one-hour sessions (deploys: two):
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
 * create (the environment stacks set it on theirs): it allows data services only on resources
 * named after the account's environments and STS only on their state roles, and denies creating
 * or changing a role without it, removing or editing it, touching the CI roles, the OIDC provider
 * or the state roles, and creating long-lived credentials. So a deploy role cannot raise its own
 * or any other role's privileges, nor reach another stack's state through a role it creates. See docs/ci-cd.md for why the deploy roles are as wide as they are.
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
        {
          description: "Release branch: push the service image to its one repository",
          claims: names.claims.publish,
        },
      );
      new IamRolePolicy(this, "publish-policy", {
        provider,
        role: this.publishRole.id,
        name: "push-image",
        policy: policyDocument(...publishStatements(props.publishTo.repositoryArn)),
      });
    }

    if (props.deployments.length > 0) {
      // Each environment's needs first, so an error names the environment.
      for (const deployment of props.deployments) grantsFor(deployment.name, deployment.footprint);
      const boundaryArn = arn.policy(props.accountId, names.boundaryPolicy);
      this.boundary = new IamPolicy(this, "boundary", {
        provider,
        name: names.boundaryPolicy,
        description:
          "Permissions boundary of the CI deploy roles and of every role they create: no privilege escalation",
        policy: policyDocument(...this.boundaryStatements(boundaryArn)),
        // Every role of the account names the boundary by its ARN, so it cannot take a name
        // prefix; its description forces a replacement AWS refuses while roles carry it
        // (DeleteConflict): it keeps its first description (PLAT-11).
        lifecycle: { ignoreChanges: ["description"] },
      });
      for (const deployment of props.deployments) {
        const role = this.githubRole(
          `deploy-role-${deployment.name}`,
          names.deployRole(deployment.name),
          names.subject.environment(deployment.githubEnvironment),
          {
            description: `GitHub environment ${deployment.githubEnvironment}: apply the ${deployment.name} stack`,
            boundaryArn: this.boundary.arn,
            claims: names.claims.deploy,
            sessionSeconds: DEPLOY_SESSION_SECONDS,
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

  /**
   * A role that exactly one OIDC subject of the repository may assume, for an hour (a deploy role:
   * two) at most, and
   * only when the token's other `claims` (e.g. `ref`, `job_workflow_ref`) are exactly these.
   */
  private githubRole(
    id: string,
    name: string,
    subject: string,
    options: {
      description: string;
      boundaryArn?: string;
      claims?: Readonly<Record<string, string>>;
      /** @default CI_SESSION_SECONDS */
      sessionSeconds?: number;
    },
  ): IamRole {
    return new IamRole(this, id, {
      provider: this.props.provider,
      name,
      description: options.description,
      maxSessionDuration: options.sessionSeconds ?? CI_SESSION_SECONDS,
      permissionsBoundary: options.boundaryArn,
      assumeRolePolicy: policyDocument({
        Sid: "GitHubActions",
        Effect: "Allow",
        Principal: { Federated: this.oidcProvider.arn },
        Action: "sts:AssumeRoleWithWebIdentity",
        Condition: {
          StringEquals: {
            [`${GITHUB_OIDC_HOST}:aud`]: GITHUB_OIDC_AUDIENCE,
            [`${GITHUB_OIDC_HOST}:sub`]: subject,
            ...Object.fromEntries(
              Object.entries(options.claims ?? {}).map(([claim, value]) => [
                `${GITHUB_OIDC_HOST}:${claim}`,
                value,
              ]),
            ),
          },
        },
      }),
    });
  }

  private planStatements(): PolicyStatement[] {
    const { planStateRoleArns } = this.props;
    return [
      {
        Sid: "ReadAndLockState",
        Effect: "Allow",
        Action: "sts:AssumeRole",
        Resource: [...planStateRoleArns],
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
   * The deploy role applies one environment stack, and may do what that stack's resource types
   * need (its footprint, through `src/lib/aws-services.ts`): the services that name resources by
   * generated ids, in its region; the S3, DynamoDB, SQS and SNS resources, RDS's managed secret
   * and IAM roles named after the environment, the records of its zone; its own state. Nothing
   * else: no image pushes, no other stack's state, no IAM role it could not also create under the
   * boundary. A statement is present only when a type of the stack needs it.
   */
  private deployStatements(deployment: Deployment, boundaryArn: string): PolicyStatement[] {
    const { accountId } = this.props;
    const { region, footprint } = deployment;
    const prefix = deployment.namePrefix;
    const ownRoles = `arn:aws:iam::${accountId}:role/${prefix}-*`;
    const needs = grantsFor(deployment.name, footprint);
    const byName = new Set(needs.byName);
    const owned = ownedResources(accountId, deployment);
    const queuesAndTopics = (["sqs", "sns"] as const)
      .filter((service) => byName.has(service))
      .map((service) => [service, owned[service]![0]!] as const);
    const when = <T>(present: boolean, ...statements: T[]): T[] => (present ? statements : []);
    if (byName.has("route53") && !deployment.hostedZoneId) {
      throw new Error(
        `${deployment.name}: the stack writes Route 53 records, but its configuration names no hosted zone for the deploy role to write them in`,
      );
    }
    return [
      {
        Sid: "OwnState",
        Effect: "Allow",
        Action: "sts:AssumeRole",
        Resource: deployment.stateRoleArn,
      },
      // These services name what Terraform creates by ids generated at creation (vpc-0abc...,
      // key ids, listener ARNs), and many of their Describe/List/Create calls have no
      // resource-level permissions, so they are granted in the region. Limits: the region, the
      // account (prod alone in its own), the boundary, and the statements below for everything
      // that holds data or identity.
      ...when<PolicyStatement>(needs.inRegion.length > 0, {
        Sid: "PlatformServicesInRegion",
        Effect: "Allow",
        Action: needs.inRegion.map((service) => `${service}:*`),
        Resource: "*",
        Condition: { StringEquals: { "aws:RequestedRegion": region } },
      }),
      ...when<PolicyStatement>(byName.has("s3"), {
        Sid: "EnvironmentBuckets",
        Effect: "Allow",
        Action: "s3:*",
        Resource: owned.s3,
      }),
      ...when<PolicyStatement>(byName.has("dynamodb"), {
        Sid: "EnvironmentTables",
        Effect: "Allow",
        Action: "dynamodb:*",
        Resource: owned.dynamodb,
      }),
      ...when<PolicyStatement>(queuesAndTopics.length > 0, {
        Sid: "EnvironmentQueuesAndTopics",
        Effect: "Allow",
        Action: queuesAndTopics.map(([service]) => `${service}:*`),
        Resource: queuesAndTopics.map(([, arn]) => arn),
      }),
      // RDS creates and rotates the master user's secret with the caller's permissions. Never
      // GetSecretValue: the deploy role has no business reading the password.
      ...when<PolicyStatement>(byName.has("secretsmanager"), {
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
        Resource: owned.secretsmanager,
      }),
      // The environment's budget and its notifications (ModifyBudget covers create, update and
      // delete of both); budgets are global, so the ARN has no region.
      ...when<PolicyStatement>(byName.has("budgets"), {
        Sid: "EnvironmentBudget",
        Effect: "Allow",
        Action: [
          "budgets:ViewBudget",
          "budgets:ModifyBudget",
          "budgets:ListTagsForResource",
          "budgets:TagResource",
          "budgets:UntagResource",
        ],
        Resource: owned.budgets,
      }),
      ...when<PolicyStatement>(
        byName.has("route53"),
        {
          Sid: "EnvironmentRecords",
          Effect: "Allow",
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
          Effect: "Allow",
          Action: "route53:GetChange",
          Resource: "arn:aws:route53:::change/*",
        },
      ),
      // Roles of the environment (task, execution, flow logs, RDS monitoring), only with the
      // boundary: the condition compares the boundary of the role being created or changed.
      ...when<PolicyStatement>(
        byName.has("iam"),
        {
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
      ),
      // Each role to the service its trust policy names, and to no other.
      ...when<PolicyStatement>(byName.has("iam") && footprint.passedToServices.length > 0, {
        Sid: "PassEnvironmentRoles",
        Effect: "Allow",
        Action: "iam:PassRole",
        Resource: ownRoles,
        Condition: { StringEquals: { "iam:PassedToService": [...footprint.passedToServices] } },
      }),
      ...when<PolicyStatement>(needs.serviceLinkedRoles.length > 0, {
        Sid: "ServiceLinkedRoles",
        Effect: "Allow",
        Action: "iam:CreateServiceLinkedRole",
        Resource: `arn:aws:iam::${accountId}:role/aws-service-role/*`,
        Condition: { StringEquals: { "iam:AWSServiceName": needs.serviceLinkedRoles } },
      }),
    ];
  }

  /**
   * The ceiling of the deploy roles and of every role they create. It grants nothing by itself
   * (a boundary only limits). Services that name resources by generated ids: allowed on every
   * resource (in the account's regions). Services that hold data (S3, DynamoDB, SQS, SNS, Secrets
   * Manager, ...): only on the resources named after the account's environments, so no role under
   * it reaches the state bucket, the lock table or anyone else's data. STS: only the deploy roles'
   * own state roles. Which services, from the account's environment stacks (their footprints).
   * Its denies hold whatever the stacks hold.
   */
  private boundaryStatements(boundaryArn: string): PolicyStatement[] {
    const { accountId, regions, names, protectedRoleArnPatterns = [], deployments } = this.props;
    const footprint = mergeFootprints(deployments.map((d) => d.footprint));
    const needs = grantsFor(`account ${accountId}`, footprint);
    const iam = needs.byName.includes("iam");
    return [
      {
        Sid: "PlatformServices",
        Effect: "Allow",
        Action: [
          ...needs.inRegion.map((service) => `${service}:*`),
          // IAM: what the deploy roles do to their environment's roles, nothing else.
          ...(iam ? ENVIRONMENT_ROLE_ACTIONS : []),
          ...(needs.serviceLinkedRoles.length > 0 ? ["iam:CreateServiceLinkedRole"] : []),
          // The task execution roles' image pulls (GetAuthorizationToken has no resource-level
          // permissions; the repository's policy decides which accounts may pull).
          "ecr:GetAuthorizationToken",
          "ecr:BatchCheckLayerAvailability",
          "ecr:GetDownloadUrlForLayer",
          "ecr:BatchGetImage",
        ],
        Resource: "*",
      },
      // Services that hold data: only what the account's environments own, by name, so no role
      // under this boundary reaches the state bucket, the lock table, another environment's or
      // another project's data, whatever its identity policy says.
      ...needs.byName
        .filter((service) => service !== "iam")
        .map((service): PolicyStatement => ({
          Sid: `Own${service.charAt(0).toUpperCase()}${service.slice(1)}`,
          Effect: "Allow",
          Action: `${service}:*`,
          Resource: [
            ...new Set(deployments.flatMap((d) => ownedResources(accountId, d)[service] ?? [])),
          ],
        })),
      // Passing a role: only the environments' own roles (the deploy role's policy narrows it
      // further to the services their trust policies name).
      ...(iam && footprint.passedToServices.length > 0
        ? [
            {
              Sid: "PassOwnRoles",
              Effect: "Allow",
              Action: "iam:PassRole",
              Resource: [
                ...new Set(
                  deployments.map((d) => `arn:aws:iam::${accountId}:role/${d.namePrefix}-*`),
                ),
              ],
            } satisfies PolicyStatement,
          ]
        : []),
      {
        // The deploy roles' own state roles, and no other role: a role under this boundary can
        // never assume another stack's state role, nor any role its policy names.
        Sid: "OwnState",
        Effect: "Allow",
        Action: "sts:AssumeRole",
        Resource: deployments.map((d) => d.stateRoleArn),
      },
      {
        Sid: "OnlyTheseRegions",
        Effect: "Deny",
        // Global services (IAM, Route 53, STS): their calls name us-east-1 whatever the region.
        NotAction: needs.global.map((service) => `${service}:*`),
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
 * The resources of each service granted by name that an environment owns, as ARN patterns. RDS
 * names the master user's secret `rds!db-<uuid>`, without the environment: the environment's own
 * data key encrypts it, and that key's policy keeps every other environment's roles out.
 */
function ownedResources(accountId: string, deployment: Deployment): Record<string, string[]> {
  const { region, namePrefix: prefix, hostedZoneId } = deployment;
  return {
    s3: [`arn:aws:s3:::${prefix}-*`],
    dynamodb: [`arn:aws:dynamodb:${region}:${accountId}:table/${prefix}-*`],
    sqs: [`arn:aws:sqs:${region}:${accountId}:${prefix}-*`],
    sns: [`arn:aws:sns:${region}:${accountId}:${prefix}-*`],
    secretsmanager: [`arn:aws:secretsmanager:${region}:${accountId}:secret:rds!*`],
    budgets: [`arn:aws:budgets::${accountId}:budget/${prefix}-*`],
    route53: hostedZoneId
      ? [`arn:aws:route53:::hostedzone/${hostedZoneId}`, "arn:aws:route53:::change/*"]
      : [],
  };
}

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
        // Re-runs skip tags that exist (tags are immutable), and marking an image deployed
        // (`deployed.<stack>.<sha>`, release.yml's mark job) adds a tag to its manifest.
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

/**
 * For each service a deploy role gets only on resources named after its environment, the resource
 * types the statements of `deployStatements` cover (`"all"`: every type of the service acts on
 * resources so named). A type of such a service that is not covered is refused: the deploy would
 * fail halfway, or need a grant nobody reviewed.
 */
const BY_NAME_COVERAGE: Readonly<Record<string, readonly string[] | "all">> = {
  s3: "all",
  dynamodb: "all",
  sqs: "all",
  sns: "all",
  // Only the master user's secret that RDS manages (`rds!*`), never a secret of the stack's own.
  secretsmanager: ["aws_db_instance"],
  route53: ["aws_route53_record"],
  budgets: ["aws_budgets_budget"],
  iam: ["aws_iam_role", "aws_iam_role_policy", "aws_iam_role_policy_attachment"],
};

/** What a footprint needs granted, each list in the order of `AWS_SERVICES`. */
interface Grants {
  /** Services granted as `<service>:*` in the region. */
  readonly inRegion: readonly string[];
  /** Services granted only on resources named after the environment. */
  readonly byName: readonly string[];
  /** Global services, excepted from the boundary's region deny: those used, and always STS. */
  readonly global: readonly string[];
  /** Service-linked roles a deploy may create, by service name. */
  readonly serviceLinkedRoles: readonly string[];
}

/** The grants of a footprint; throws for a type whose needs no statement here can meet. */
function grantsFor(what: string, footprint: StackFootprint): Grants {
  const types = footprint.resourceTypes;
  for (const type of types) {
    // A type the map does not list adds nothing: PLAT-9 fails the synth on it.
    const needs = Object.hasOwn(AWS_RESOURCE_TYPES, type) ? AWS_RESOURCE_TYPES[type] : undefined;
    for (const service of needs ? [needs, ...(needs.alsoCalls ?? [])] : []) {
      if (service.grant === "in-region" && !service.regional) {
        throw new Error(
          `${what}: ${type} needs ${service.service}, a global service, which a grant bound to the region cannot allow: fix its entry in ${AWS_SERVICES_FILE}`,
        );
      }
      const covered = service.grant === "by-name" ? BY_NAME_COVERAGE[service.service] : "all";
      if (covered !== "all" && !covered?.includes(type)) {
        throw new Error(
          `${what}: ${type} needs ${service.service}, which a deploy role gets only on resources named after its environment, and no statement of the deploy role covers ${type}: add one (deployStatements and BY_NAME_COVERAGE in src/ci-identity/ci-identity.ts)`,
        );
      }
    }
  }
  const services = servicesFor(types);
  const of = (keep: (s: (typeof services)[number]) => boolean) =>
    services.filter(keep).map((s) => s.service);
  return {
    inRegion: of((s) => s.grant === "in-region"),
    byName: of((s) => s.grant === "by-name"),
    global: Object.values(AWS_SERVICES)
      .filter((s) => !s.regional && (s === AWS_SERVICES.sts || services.includes(s)))
      .map((s) => s.service),
    serviceLinkedRoles: serviceLinkedRolesFor(types),
  };
}
