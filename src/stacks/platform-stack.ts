import { AwsProvider } from "@cdktf/provider-aws/lib/provider";
import {
  LocalBackend,
  S3Backend,
  TerraformDataSource,
  TerraformElement,
  TerraformResource,
  TerraformStack,
} from "cdktf";
import type { Construct, Node } from "constructs";
import type { BackendConfig } from "../config/backend";
import { stateKey, stateRoleArn, type RemoteStateStack } from "../config/names";
import type { ProjectConfig } from "../config/schema";
import "../lib/cdktf-compat";

export interface PlatformStackProps {
  readonly project: string;
  readonly region: string;
  /** The provider refuses to act in any other account. */
  readonly allowedAccountIds: readonly string[];
  /** Applied to every resource through the provider's `default_tags`. */
  readonly tags: Readonly<Record<string, string>>;
  /**
   * Where the stack's state lives: `local` only for the `state` stack, which creates the bucket
   * every other stack's state goes to.
   */
  readonly backend:
    | { readonly kind: "local" }
    | { readonly kind: "s3"; readonly config: BackendConfig; readonly stack: RemoteStateStack };
}

/**
 * A Terraform stack with the AWS provider pinned to one region and account list, default tags,
 * its backend, and readable resource addresses.
 *
 * Addresses are the construct path below the stack in snake case (`aws_subnet.network_private_a`), not
 * cdktf's default path plus hash, so plans are readable and the address of a stateful resource
 * is visibly part of the code's contract: renaming a construct id changes it, and the address
 * tests catch that before Terraform would plan a destroy.
 */
export class PlatformStack extends TerraformStack {
  public readonly provider: AwsProvider;
  /** The region every resource of the stack is in. */
  public readonly region: string;
  private readonly allocatedIds = new Map<string, string>();

  constructor(scope: Construct, id: string, props: PlatformStackProps) {
    super(scope, id);
    this.region = props.region;
    // The S3 backend's nested assume_role block needs Terraform 1.6.
    this.addOverride("terraform.required_version", ">= 1.6.0");
    this.provider = new AwsProvider(this, "aws", {
      region: props.region,
      allowedAccountIds: [...props.allowedAccountIds],
      defaultTags: [{ tags: { ...props.tags } }],
    });
    if (props.backend.kind === "s3") {
      const { config, stack } = props.backend;
      const backend = new S3Backend(this, {
        bucket: config.bucket,
        key: stateKey(props.project, stack),
        region: config.region,
        encrypt: true,
        ...(config.dynamodbTable ? { dynamodbTable: config.dynamodbTable } : {}),
        // The stack's own state role: it may touch this state object and its lock, nothing else.
        assumeRole: { roleArn: stateRoleArn(config, stack, "write") },
      });
      // cdktf 0.21's S3Backend predates S3 native locking (Terraform >= 1.10).
      if (config.useLockfile) backend.addOverride("use_lockfile", true);
    } else {
      new LocalBackend(this, { path: `terraform.${id}.tfstate` });
    }
  }

  protected override allocateLogicalId(element: TerraformElement | Node): string {
    const node = TerraformElement.isTerraformElement(element) ? element.node : element;
    const stackIndex = node.scopes.indexOf(this);
    const path = node.scopes.slice(stackIndex + 1).map((scope) => scope.node.id);
    if (path.length === 0) return "";
    const id = path
      .join("_")
      .replace(/[^A-Za-z0-9_]/g, "_")
      .replace(/^(?=[0-9])/, "_");
    // Names must be unique per block type (aws_vpc.x, data.aws_region.x, output.x), and joining
    // path segments with `_` could map two paths to one name: refuse that rather than merge them.
    const address = `${blockType(element)}.${id}`;
    const owner = this.allocatedIds.get(address);
    if (owner !== undefined && owner !== node.path) {
      throw new Error(
        `Two constructs map to the Terraform address ${address}: ${owner} and ${node.path}. Rename one construct id.`,
      );
    }
    this.allocatedIds.set(address, node.path);
    return id;
  }
}

function blockType(element: TerraformElement | Node): string {
  if (element instanceof TerraformDataSource) return `data.${element.terraformResourceType}`;
  if (element instanceof TerraformResource) return element.terraformResourceType;
  return element.constructor.name;
}

/** Props of a project-level stack (`state`, `shared`): the shared account(s), tagged `shared`. */
export function projectStackProps(
  project: ProjectConfig,
  region: string,
  backend: PlatformStackProps["backend"],
): PlatformStackProps {
  return {
    project: project.name,
    region,
    allowedAccountIds: project.sharedAccountIds,
    tags: { ...project.tags, Project: project.name, Environment: "shared", ManagedBy: "cdktf" },
    backend,
  };
}
