import type { Construct } from "constructs";
import type { BackendConfig } from "../config/backend";
import { IDENTITY_STACK_PREFIX } from "../config/names";
import type { PlatformConfig } from "../config/schema";
import type { CiAccountIdentity } from "../ci-identity/ci-identity";
import { PlatformStack } from "./platform-stack";
import {
  accountIdentity,
  ciRoleOutput,
  environmentFootprints,
  type EnvironmentFootprints,
} from "./shared-stack";

/**
 * `identity-<account>`: GitHub Actions' identity in one account other than the shared one (the
 * OIDC provider, the plan role, the deploy roles of the environments there, the permissions
 * boundary), acting in that account alone.
 *
 * Applied once, then after every change to CI's permissions, by that account's administrator with
 * that account's own credentials: no role of another account is assumed (no
 * `OrganizationAccountAccessRole`, which trusts only the management account). CI plans it with the
 * account's plan role and never applies it: no CI role may change CI's own identity. Its state is
 * in the shared bucket, reached through its own state role, which trusts the account's
 * administrator role (`project.administratorRoleName`).
 */
export class IdentityStack extends PlatformStack {
  public readonly account: string;
  public readonly ci: Record<string, CiAccountIdentity> = {};

  /**
   * @param footprints what each environment stack holds, by environment name (see `SharedStack`).
   */
  constructor(
    scope: Construct,
    account: string,
    config: PlatformConfig,
    backend: BackendConfig,
    footprints: EnvironmentFootprints = environmentFootprints(config, backend),
  ) {
    const { project } = config;
    const id = `${IDENTITY_STACK_PREFIX}${account}`;
    super(scope, id, {
      project: project.name,
      region: project.region,
      allowedAccountIds: [account],
      tags: { ...project.tags, Project: project.name, Environment: "shared", ManagedBy: "cdktf" },
      backend: { kind: "s3", config: backend, stack: id },
    });
    this.account = account;
    this.ci[account] = accountIdentity(this, config, backend, footprints, account);
    ciRoleOutput(this, this.ci);
  }
}
