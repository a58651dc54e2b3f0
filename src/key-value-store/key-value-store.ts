import { DynamodbTable } from "@cdktf/provider-aws/lib/dynamodb-table";
import { Construct } from "constructs";
import type { KeyValueStoreSettings } from "./settings";

/** The table's settings (`./settings.ts`, defaults there) and its wiring. */
export interface KeyValueStoreProps extends KeyValueStoreSettings {
  readonly tableName: string;
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
