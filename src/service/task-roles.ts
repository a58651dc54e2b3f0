import { IamRole } from "@cdktf/provider-aws/lib/iam-role";
import { IamRolePolicy } from "@cdktf/provider-aws/lib/iam-role-policy";
import { Construct } from "constructs";
import { policyDocument, serviceTrustPolicy, type PolicyStatement } from "../lib/iam";

export interface TaskRolesProps {
  readonly namePrefix: string;
  readonly region: string;
  readonly accountId: string;
  /** The one repository the image comes from. */
  readonly repositoryArn: string;
  /** The one log group the awslogs driver writes to. */
  readonly logGroupArn: string;
  /**
   * Secrets Manager secrets the task definition's `secrets` name.
   * @default - none
   */
  readonly secretArns?: readonly string[];
  /**
   * The KMS key those secrets are encrypted with.
   * @default - the secrets use the AWS-managed key
   */
  readonly secretsKmsKeyArn?: string;
}

/**
 * The two roles of a task, kept apart:
 * - the execution role is used by ECS itself to start the task: pull the image from this one
 *   repository, write to this one log group, read the secrets the task definition names;
 * - the task role is what the application's AWS SDK gets. It starts with no permissions; each
 *   capability adds exactly what the service uses (`grant`).
 * Both can be assumed only by ECS tasks of this account and region.
 */
export class TaskRoles extends Construct {
  public readonly executionRole: IamRole;
  public readonly taskRole: IamRole;

  constructor(scope: Construct, id: string, props: TaskRolesProps) {
    super(scope, id);
    const trust = serviceTrustPolicy(
      "ecs-tasks.amazonaws.com",
      props.accountId,
      `arn:aws:ecs:${props.region}:${props.accountId}:*`,
    );
    this.executionRole = new IamRole(this, "execution", {
      name: `${props.namePrefix}-task-execution`,
      description: "ECS starts the service's tasks with it: image pull, logs, secrets",
      assumeRolePolicy: trust,
      maxSessionDuration: 3600,
    });
    this.taskRole = new IamRole(this, "task", {
      name: `${props.namePrefix}-task`,
      description: "The service's own AWS permissions: exactly what it uses",
      assumeRolePolicy: trust,
      maxSessionDuration: 3600,
    });

    const statements: PolicyStatement[] = [
      {
        Sid: "EcrAuthorizationToken",
        Effect: "Allow",
        Action: "ecr:GetAuthorizationToken",
        // GetAuthorizationToken has no resource-level permissions: IAM accepts only "*" for it.
        // The token alone grants nothing; the statement below limits pulls to one repository.
        Resource: "*",
      },
      {
        Sid: "PullServiceImage",
        Effect: "Allow",
        Action: [
          "ecr:BatchCheckLayerAvailability",
          "ecr:GetDownloadUrlForLayer",
          "ecr:BatchGetImage",
        ],
        Resource: props.repositoryArn,
      },
      {
        Sid: "WriteServiceLogs",
        Effect: "Allow",
        Action: ["logs:CreateLogStream", "logs:PutLogEvents"],
        Resource: [props.logGroupArn, `${props.logGroupArn}:log-stream:*`],
      },
    ];
    if (props.secretArns && props.secretArns.length > 0) {
      statements.push({
        Sid: "ReadTaskSecrets",
        Effect: "Allow",
        Action: "secretsmanager:GetSecretValue",
        Resource: [...props.secretArns],
      });
      if (props.secretsKmsKeyArn) {
        statements.push({
          Sid: "DecryptTaskSecrets",
          Effect: "Allow",
          Action: "kms:Decrypt",
          Resource: props.secretsKmsKeyArn,
          Condition: {
            StringEquals: { "kms:ViaService": `secretsmanager.${props.region}.amazonaws.com` },
          },
        });
      }
    }
    new IamRolePolicy(this, "execution-policy", {
      role: this.executionRole.id,
      name: "start-tasks",
      policy: policyDocument(...statements),
    });
  }

  /** Adds one named inline policy to the task role. */
  public grant(id: string, ...statements: PolicyStatement[]): IamRolePolicy {
    return new IamRolePolicy(this, id, {
      role: this.taskRole.id,
      name: id,
      policy: policyDocument(...statements),
    });
  }
}
