/**
 * The environment variable through which a service finds a resource it uses:
 * `TABLE_ITEMS_NAME` for a table `items`, `QUEUE_EVENTS_URL`, `TOPIC_EVENTS_ARN`. The workload
 * reads exactly these names (service/README.md).
 */
export function variableName(kind: "TABLE" | "QUEUE" | "TOPIC", name: string, attribute: string) {
  return `${kind}_${name.toUpperCase().replace(/-/g, "_")}_${attribute}`;
}
