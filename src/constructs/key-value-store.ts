import { DynamodbTable } from "@cdktf/provider-aws/lib/dynamodb-table";
import { Construct } from "constructs";

export interface KeyAttribute {
  readonly name: string;
  readonly type: "S" | "N" | "B";
}

export interface KeyValueStoreProps {
  readonly tableName: string;
  readonly partitionKey: KeyAttribute;
  readonly sortKey: KeyAttribute;
  /** The attribute holding an item's expiry time in epoch seconds. */
  readonly ttlAttribute: string;
  readonly kmsKeyArn: string;
  /** Deletion protection on the table and `prevent_destroy` in Terraform. */
  readonly deletionProtection: boolean;
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

  constructor(scope: Construct, id: string, props: KeyValueStoreProps) {
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
}
