import { TerraformOutput } from "cdktf";
import type { Construct } from "constructs";
import type { BackendConfig } from "../config/backend";
import {
  remoteStateStacks,
  stateBreakGlassRoleArn,
  stateKey,
  stateRoleArn,
  stateRoleName,
  stateRoleTrustedPrincipals,
  type StateAccess,
} from "../config/names";
import type { PlatformConfig } from "../config/schema";
import { StateBackend } from "../state/state-backend";
import { PlatformStack, projectStackProps } from "./platform-stack";

/**
 * The bootstrap stack: creates exactly the bucket and lock table that `backend.tf.json` names,
 * in the bucket's region, and one pair of state roles per remote-state stack: `<name>-<stack>`
 * (read, write, lock: the stack's backend assumes it) and `<name>-<stack>-plan` (read and lock:
 * CI plans assume it). Each role trusts named roles only (`stateRoleTrustedPrincipals`): the CI
 * role of its stack, the administrator role of the stack's account, the break-glass role. The
 * bucket and table deny every other principal.
 *
 * Apply it as the break-glass role (`project.stateBreakGlassRoleArn`, by default the shared
 * account's administrator role): the bucket and table deny everyone else changes to them.
 *
 * Its own state is local (`terraform.state.tfstate` in its directory): apply it once, then keep
 * that file safe or migrate it into the bucket (see docs/state.md).
 */
export class StateStack extends PlatformStack {
  public readonly backend: StateBackend;

  constructor(scope: Construct, id: string, config: PlatformConfig, backend: BackendConfig) {
    const { project } = config;
    super(scope, id, projectStackProps(project, backend.region, { kind: "local" }));
    const accesses: StateAccess[] = ["write", "plan"];
    this.backend = new StateBackend(this, "state", {
      bucketName: backend.bucket,
      accountId: backend.stateRole.accountId,
      breakGlassRoleArn: stateBreakGlassRoleArn(project),
      lockTableName: backend.dynamodbTable,
      useLockfile: backend.useLockfile,
      accessRoles: remoteStateStacks(config).flatMap((stack) =>
        accesses.map((access) => ({
          id: access === "write" ? `role-${stack}` : `plan-role-${stack}`,
          name: stateRoleName(backend, stack, access),
          trustedPrincipalArns: stateRoleTrustedPrincipals(config, stack, access),
          stateKey: stateKey(project.name, stack),
          access,
        })),
      ),
    });
    new TerraformOutput(this, "state_bucket", { value: this.backend.bucket.bucket });
    if (this.backend.lockTable) {
      new TerraformOutput(this, "lock_table", { value: this.backend.lockTable.name });
    }
    new TerraformOutput(this, "state_role_arns", {
      value: Object.fromEntries(
        remoteStateStacks(config).map((stack) => [stack, stateRoleArn(backend, stack, "write")]),
      ),
      description: "The role each stack's backend assumes",
    });
  }
}
