import { TerraformOutput } from "cdktf";
import type { Construct } from "constructs";
import type { BackendConfig } from "../config/backend";
import { environmentAccounts, type PlatformConfig } from "../config/schema";
import { StateBackend } from "../constructs/state-backend";
import { PlatformStack, projectStackProps } from "./platform-stack";

/**
 * The bootstrap stack: creates exactly the bucket and lock table that `backend.tf.json` names,
 * in the bucket's region. Its own state is local (`terraform.state.tfstate` in its directory):
 * apply it once, then keep that file safe or migrate it into the bucket (see docs/state.md).
 */
export class StateStack extends PlatformStack {
  public readonly backend: StateBackend;

  constructor(scope: Construct, id: string, config: PlatformConfig, backend: BackendConfig) {
    const { project } = config;
    super(scope, id, projectStackProps(project, backend.region, { kind: "local" }));
    this.backend = new StateBackend(this, "state", {
      bucketName: backend.bucket,
      lockTableName: backend.dynamodbTable,
      accessRole: backend.stateRole && {
        name: backend.stateRole.name,
        trustedAccountIds: [
          ...new Set([...project.sharedAccountIds, ...environmentAccounts(config)]),
        ],
        keyPrefix: project.name,
      },
    });
    new TerraformOutput(this, "state_bucket", { value: this.backend.bucket.bucket });
    if (this.backend.lockTable) {
      new TerraformOutput(this, "lock_table", { value: this.backend.lockTable.name });
    }
    if (this.backend.accessRole) {
      new TerraformOutput(this, "state_role_arn", { value: this.backend.accessRole.arn });
    }
  }
}
