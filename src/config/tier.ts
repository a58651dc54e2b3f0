/**
 * What the `production` tier requires of an environment. Each requirement is a property the
 * environment must declare itself (so the environment file says what protects it), checked by
 * tier, never by name: a `non-production` environment named `prod` gets none of this, a
 * `production` one named `live` gets all of it.
 */
import { explain } from "./fields";
import type { EnvironmentSettings } from "./schema";

/** Days of service and flow logs a production environment keeps at least. */
export const PRODUCTION_MIN_LOG_RETENTION_DAYS = 90;
/** Days of database backups (the point-in-time-recovery window) a production environment keeps. */
export const PRODUCTION_MIN_BACKUP_RETENTION_DAYS = 7;
/** Tasks a production service keeps at least, so one AZ or one task failing leaves capacity. */
export const PRODUCTION_MIN_TASKS = 2;

interface Requirement {
  /** The field's path below the environment. */
  readonly field: string;
  /** The field's value, as the error prints it. */
  readonly value: unknown;
  /** True when the environment meets the requirement. */
  readonly met: boolean;
  readonly why: string;
  readonly allowed: string;
  readonly fix: string;
}

/** Every requirement of the production tier, for each database, table and service `env` has. */
function requirements(env: EnvironmentSettings): Requirement[] {
  const { loadBalancer, database, monitoring, network } = env;
  const list: Requirement[] = [
    {
      field: "loadBalancer.tls",
      value: loadBalancer.tls,
      met: loadBalancer.tls !== undefined,
      why: "is required in a production tier, which serves HTTPS only",
      allowed: "{ domainName, hostedZoneId } or { domainName, certificateArn }",
      fix: 'set loadBalancer.tls, e.g. { domainName: "app.example.com", hostedZoneId: "Z..." }',
    },
    {
      field: "loadBalancer.deletionProtection",
      value: loadBalancer.deletionProtection,
      met: loadBalancer.deletionProtection,
      why: "would let an apply delete the environment's public address",
      allowed: "true in a production tier",
      fix: "set loadBalancer.deletionProtection: true",
    },
  ];
  if (database) {
    list.push(
      {
        field: "database.deletionProtection",
        value: database.deletionProtection,
        met: database.deletionProtection,
        why: "would let an apply or a console click delete the database",
        allowed: "true in a production tier",
        fix: "set database.deletionProtection: true",
      },
      {
        field: "database.multiAz",
        value: database.multiAz,
        met: database.multiAz,
        why: "leaves the database down for the length of an AZ outage or an instance failure",
        allowed: "true in a production tier (a standby in another AZ, automatic failover)",
        fix: "set database.multiAz: true",
      },
      {
        field: "database.backupRetentionDays",
        value: database.backupRetentionDays,
        met: database.backupRetentionDays >= PRODUCTION_MIN_BACKUP_RETENTION_DAYS,
        why: "is too short a point-in-time-recovery window for production data",
        allowed: `at least ${PRODUCTION_MIN_BACKUP_RETENTION_DAYS} in a production tier`,
        fix: "set database.backupRetentionDays to 7 or more (30 is common)",
      },
    );
  }
  for (const [name, table] of Object.entries(env.tables)) {
    list.push({
      field: `tables.${name}.deletionProtection`,
      value: table.deletionProtection,
      met: table.deletionProtection,
      why: "would let an apply delete the table",
      allowed: "true in a production tier",
      fix: `set tables.${name}.deletionProtection: true`,
    });
  }
  list.push({
    field: "monitoring.alarmEmails",
    value: monitoring.alarmEmails,
    met: monitoring.alarmEmails.length > 0 || monitoring.alarmWebhookUrl !== undefined,
    why: "is empty and no alarmWebhookUrl is set, so production alarms would notify nobody",
    allowed: "at least one address, or monitoring.alarmWebhookUrl, in a production tier",
    fix: 'add the on-call address, e.g. alarmEmails: ["oncall@example.com"]',
  });
  for (const [name, service] of Object.entries(env.services)) {
    list.push({
      field: `services.${name}.logRetentionDays`,
      value: service.logRetentionDays,
      met: service.logRetentionDays >= PRODUCTION_MIN_LOG_RETENTION_DAYS,
      why: "is too short to investigate an incident reported weeks later",
      allowed: `at least ${PRODUCTION_MIN_LOG_RETENTION_DAYS} in a production tier`,
      fix: `set services.${name}.logRetentionDays to 90 or more (365 is common)`,
    });
  }
  list.push({
    field: "network.flowLogs.retentionDays",
    value: network.flowLogs.retentionDays,
    met: network.flowLogs.retentionDays >= PRODUCTION_MIN_LOG_RETENTION_DAYS,
    why: "is too short to investigate an incident reported weeks later",
    allowed: `at least ${PRODUCTION_MIN_LOG_RETENTION_DAYS} in a production tier`,
    fix: "set network.flowLogs.retentionDays to 90 or more (365 is common)",
  });
  for (const [name, service] of Object.entries(env.services)) {
    list.push({
      field: `services.${name}.autoscaling.minCount`,
      value: service.autoscaling.minCount,
      met: service.autoscaling.minCount >= PRODUCTION_MIN_TASKS,
      why: "lets the service run one task, which one AZ failure or one crash takes down",
      allowed: `at least ${PRODUCTION_MIN_TASKS} in a production tier (tasks are spread over AZs)`,
      fix: `set services.${name}.autoscaling.minCount (and desiredCount) to ${PRODUCTION_MIN_TASKS} or more`,
    });
  }
  return list;
}

/** The production tier's requirements `env` misses, as configuration errors under `name`. */
export function tierProblems(name: string, env: EnvironmentSettings): string[] {
  if (env.tier !== "production") return [];
  return requirements(env)
    .filter((r) => !r.met)
    .map((r) => {
      const shown = r.value === undefined ? "(not set)" : JSON.stringify(r.value);
      return `${name}.${r.field}: ${shown} ${explain(r.why, r.allowed, r.fix)}`;
    });
}
