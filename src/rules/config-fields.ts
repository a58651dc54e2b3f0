import type { Resource } from "./model";

/**
 * Where a synthesized attribute comes from in the configuration, so a guardrail names the field to
 * change (`prod.database.deletionProtection`), not only a Terraform address. By resource type, the
 * attributes a setting of the resource's concept sets.
 */
const FIELDS: Readonly<Record<string, Readonly<Record<string, string>>>> = {
  aws_db_instance: {
    deletion_protection: "deletionProtection",
    backup_retention_period: "backupRetentionDays",
    multi_az: "multiAz",
    instance_class: "instanceClass",
  },
  aws_dynamodb_table: { deletion_protection_enabled: "deletionProtection" },
  aws_lb: { enable_deletion_protection: "deletionProtection", idle_timeout: "idleTimeoutSeconds" },
  aws_ecs_task_definition: { cpu: "cpu", memory: "memoryMiB" },
  aws_lb_target_group: {
    deregistration_delay: "public.deregistrationDelaySeconds",
    port: "public.containerPort",
  },
};

/** The configuration path of the concept a resource belongs to, from its construct path. */
function conceptPath(resource: Resource): string | undefined {
  const [, construct = "", child = ""] = resource.path.split("/");
  // A public service's target group lives in the load balancer: `load-balancer/target-<service>`.
  const target = /^target-(.+)$/.exec(child);
  if (construct === "load-balancer" && target) return `services.${target[1]}`;
  const named = /^(service|table|queue|topic)-(.+)$/.exec(construct);
  if (named) return `${named[1]}s.${named[2]}`;
  return (
    {
      database: "database",
      "load-balancer": "loadBalancer",
      network: "network",
      monitoring: "monitoring",
    } as Record<string, string>
  )[construct];
}

/**
 * The configuration field that sets `attribute` of `resource` in environment `stack`
 * (`prod.database.deletionProtection`), or undefined where code sets it.
 */
export function configField(
  stack: string,
  resource: Resource,
  attribute: string,
): string | undefined {
  const field = FIELDS[resource.type]?.[attribute];
  const concept = conceptPath(resource);
  return field && concept ? `${stack}.${concept}.${field}` : undefined;
}

/**
 * A setting of the concept `resource` belongs to, by its path within the concept
 * (`prod.services.api.deployment.bakeTimeMinutes`), or undefined where no concept owns it.
 */
export function conceptField(
  stack: string,
  resource: Resource,
  setting: string,
): string | undefined {
  const concept = conceptPath(resource);
  return concept ? `${stack}.${concept}.${setting}` : undefined;
}
