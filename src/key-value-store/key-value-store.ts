import { DynamodbTable } from "@cdktf/provider-aws/lib/dynamodb-table";
import { Construct } from "constructs";
import { keyUseVia, type Grantee } from "../lib/iam";
import { variableName } from "../lib/variables";
import type { TableAccess, TableSettings } from "./settings";

/**
 * The DynamoDB actions of each access a service may declare, and nothing more: the workload calls
 * each of them (service/README.md), so a missing one shows up in its tests.
 */
export const TABLE_ACTIONS: Readonly<Record<TableAccess, readonly string[]>> = {
  read: ["dynamodb:GetItem", "dynamodb:Query"],
  write: ["dynamodb:PutItem", "dynamodb:UpdateItem", "dynamodb:DeleteItem"],
  readWrite: [
    "dynamodb:GetItem",
    "dynamodb:Query",
    "dynamodb:PutItem",
    "dynamodb:UpdateItem",
    "dynamodb:DeleteItem",
  ],
};

/** KMS use through DynamoDB: it decrypts the table key with the caller's permissions. */
export const TABLE_KEY_ACTIONS: readonly string[] = ["kms:Decrypt"];

/** The table's settings (`./settings.ts`, defaults there) and its wiring. */
export interface KeyValueStoreProps extends TableSettings {
  /** The declared name (`tables.<name>`): the environment variable `TABLE_<NAME>_NAME`. */
  readonly name: string;
  /** The AWS name, `<project>-<environment>-<name>`. */
  readonly tableName: string;
  readonly region: string;
  readonly kmsKeyArn: string;
}

/**
 * A DynamoDB table on demand, encrypted with the environment's key, with point-in-time recovery
 * (any second of the last 35 days) and TTL expiry.
 *
 * Cost per month: $1.25 per million writes and $0.25 per million reads on demand, $0.25 per GB
 * stored, and $0.20 per GB for point-in-time recovery.
 */
export class KeyValueStore extends Construct {
  public readonly table: DynamodbTable;

  constructor(
    scope: Construct,
    id: string,
    private readonly props: KeyValueStoreProps,
  ) {
    super(scope, id);
    const attributes = [props.partitionKey, props.sortKey];
    this.table = new DynamodbTable(this, "table", {
      name: props.tableName,
      billingMode: "PAY_PER_REQUEST",
      hashKey: props.partitionKey.name,
      rangeKey: props.sortKey.name,
      attribute: attributes.map(({ name, type }) => ({ name, type })),
      ttl: { enabled: true, attributeName: props.ttlAttribute },
      pointInTimeRecovery: { enabled: true },
      serverSideEncryption: { enabled: true, kmsKeyArn: props.kmsKeyArn },
      deletionProtectionEnabled: props.deletionProtection,
      lifecycle: { preventDestroy: props.deletionProtection },
    });
  }

  /** What a service that uses the table finds in its environment. */
  public environment(): Record<string, string> {
    return { [variableName("TABLE", this.props.name, "NAME")]: this.table.name };
  }

  /**
   * `access` to this table, and the key behind it: DynamoDB decrypts the table key with the
   * caller's permissions, so a reader or writer needs `kms:Decrypt` through DynamoDB.
   */
  public grant(grantee: Grantee, access: TableAccess): void {
    grantee.grant(
      `table-${this.props.name}`,
      {
        Sid: "Table",
        Effect: "Allow",
        Action: [...TABLE_ACTIONS[access]],
        Resource: this.table.arn,
      },
      keyUseVia(this.props.kmsKeyArn, "dynamodb", this.props.region, TABLE_KEY_ACTIONS),
    );
  }
}
