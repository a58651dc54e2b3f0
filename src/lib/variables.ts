/**
 * The environment variable through which a service finds a resource it uses:
 * `TABLE_ITEMS_NAME` for a table `items`, `QUEUE_EVENTS_URL`, `TOPIC_EVENTS_ARN`. The workload
 * reads exactly these names (service/README.md).
 */
export function variableName(kind: "TABLE" | "QUEUE" | "TOPIC", name: string, attribute: string) {
  return `${kind}_${name.toUpperCase().replace(/-/g, "_")}_${attribute}`;
}

/** Seconds the service keeps an idle connection open beyond the load balancer's idle timeout. */
export const KEEP_ALIVE_MARGIN_SECONDS = 5;

/**
 * What a service behind the load balancer must agree on with it, derived from the load
 * balancer's settings so the two can never be set apart:
 * - `KEEP_ALIVE_TIMEOUT_MS`: longer than the load balancer's idle timeout, so the load balancer,
 *   never the service, closes an idle connection (otherwise a request can race the service's
 *   close and get a 502);
 * - `HEALTH_CHECK_PATH`: the target group's health-check path, which the container's own
 *   health check (service/src/healthcheck.ts) probes too.
 */
export function loadBalancedVariables(props: {
  readonly idleTimeoutSeconds: number;
  readonly healthCheckPath: string;
}): Record<string, string> {
  return {
    KEEP_ALIVE_TIMEOUT_MS: String((props.idleTimeoutSeconds + KEEP_ALIVE_MARGIN_SECONDS) * 1000),
    HEALTH_CHECK_PATH: props.healthCheckPath,
  };
}
