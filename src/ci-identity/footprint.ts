import { IamRole } from "@cdktf/provider-aws/lib/iam-role";
import { TerraformResource, Token } from "cdktf";
import type { IConstruct } from "constructs";

/**
 * What a stack holds, as far as the CI role that applies it is concerned: the deploy role's
 * services, statements and boundary are derived from it (`CiAccountIdentity`, through
 * `src/lib/aws-services.ts`).
 */
export interface StackFootprint {
  /** The Terraform resource types the stack creates, sorted. */
  readonly resourceTypes: readonly string[];
  /**
   * The AWS services its IAM roles trust (`Principal.Service` of their trust policies), sorted:
   * a deploy passes each role to its service (`iam:PassedToService`).
   */
  readonly passedToServices: readonly string[];
}

export const EMPTY_FOOTPRINT: StackFootprint = { resourceTypes: [], passedToServices: [] };

/** The footprint of every resource under `scope` (a stack), read from the construct tree. */
export function footprintOf(scope: IConstruct): StackFootprint {
  const types = new Set<string>();
  const services = new Set<string>();
  for (const construct of scope.node.findAll()) {
    if (!TerraformResource.isTerraformResource(construct)) continue;
    types.add(construct.terraformResourceType);
    if (construct instanceof IamRole) {
      for (const service of trustedServices(construct)) services.add(service);
    }
  }
  return { resourceTypes: [...types].sort(), passedToServices: [...services].sort() };
}

/** The union of footprints (the stacks deployed into one account). */
export function mergeFootprints(footprints: Iterable<StackFootprint>): StackFootprint {
  const types = new Set<string>();
  const services = new Set<string>();
  for (const f of footprints) {
    for (const t of f.resourceTypes) types.add(t);
    for (const s of f.passedToServices) services.add(s);
  }
  return { resourceTypes: [...types].sort(), passedToServices: [...services].sort() };
}

/**
 * The services a role's trust policy admits. The policy must be a literal JSON document (as
 * `policyDocument` writes it; references inside its strings are fine): a policy computed at apply
 * time cannot be read here, and guessing would grant too much or too little.
 */
function trustedServices(role: IamRole): string[] {
  const document = role.assumeRolePolicyInput;
  const fail = (why: string) =>
    new Error(
      `${role.node.path}: ${why}; the CI deploy role's iam:PassedToService is read from each role's trust policy (src/ci-identity/footprint.ts)`,
    );
  let parsed: { Statement?: unknown };
  try {
    // A policy computed by Terraform (a token) is not JSON.
    parsed = JSON.parse(document ?? "") as { Statement?: unknown };
  } catch {
    throw fail("its assume_role_policy is not a literal JSON document");
  }
  const statements = [parsed.Statement ?? []].flat() as {
    Effect?: string;
    Principal?: { Service?: unknown };
  }[];
  return statements
    .filter((s) => s.Effect === "Allow")
    .flatMap((s) => [s.Principal?.Service ?? []].flat())
    .map((service) => {
      if (typeof service !== "string" || Token.isUnresolved(service)) {
        throw fail("a Principal.Service of its trust policy is not a literal service name");
      }
      return service;
    });
}
