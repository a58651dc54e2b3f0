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
  readonly value: (env: EnvironmentSettings) => unknown;
  /** True when the environment meets the requirement. */
  readonly met: (env: EnvironmentSettings) => boolean;
  readonly why: string;
  readonly allowed: string;
  readonly fix: string;
}

const REQUIREMENTS: readonly Requirement[] = [
  {
    field: "loadBalancer.tls",
    value: (env) => env.loadBalancer.tls,
    met: (env) => env.loadBalancer.tls !== undefined,
    why: "is required in a production tier, which serves HTTPS only",
    allowed: "{ domainName, hostedZoneId } or { domainName, certificateArn }",
    fix: 'set loadBalancer.tls, e.g. { domainName: "app.example.com", hostedZoneId: "Z..." }',
  },
  {
    field: "loadBalancer.deletionProtection",
    value: (env) => env.loadBalancer.deletionProtection,
    met: (env) => env.loadBalancer.deletionProtection,
    why: "would let an apply delete the environment's public address",
    allowed: "true in a production tier",
    fix: "set loadBalancer.deletionProtection: true",
  },
  {
    field: "database.deletionProtection",
    value: (env) => env.database.deletionProtection,
    met: (env) => env.database.deletionProtection,
    why: "would let an apply or a console click delete the database",
    allowed: "true in a production tier",
    fix: "set database.deletionProtection: true",
  },
  {
    field: "database.multiAz",
    value: (env) => env.database.multiAz,
    met: (env) => env.database.multiAz,
    why: "leaves the database down for the length of an AZ outage or an instance failure",
    allowed: "true in a production tier (a standby in another AZ, automatic failover)",
    fix: "set database.multiAz: true",
  },
  {
    field: "database.backupRetentionDays",
    value: (env) => env.database.backupRetentionDays,
    met: (env) => env.database.backupRetentionDays >= PRODUCTION_MIN_BACKUP_RETENTION_DAYS,
    why: "is too short a point-in-time-recovery window for production data",
    allowed: `at least ${PRODUCTION_MIN_BACKUP_RETENTION_DAYS} in a production tier`,
    fix: "set database.backupRetentionDays to 7 or more (30 is common)",
  },
  {
    field: "keyValueStore.deletionProtection",
    value: (env) => env.keyValueStore.deletionProtection,
    met: (env) => env.keyValueStore.deletionProtection,
    why: "would let an apply delete the table",
    allowed: "true in a production tier",
    fix: "set keyValueStore.deletionProtection: true",
  },
  {
    field: "monitoring.alarmEmails",
    value: (env) => env.monitoring.alarmEmails,
    met: (env) =>
      env.monitoring.alarmEmails.length > 0 || env.monitoring.alarmWebhookUrl !== undefined,
    why: "is empty and no alarmWebhookUrl is set, so production alarms would notify nobody",
    allowed: "at least one address, or monitoring.alarmWebhookUrl, in a production tier",
    fix: 'add the on-call address, e.g. alarmEmails: ["oncall@example.com"]',
  },
  {
    field: "service.logRetentionDays",
    value: (env) => env.service.logRetentionDays,
    met: (env) => env.service.logRetentionDays >= PRODUCTION_MIN_LOG_RETENTION_DAYS,
    why: "is too short to investigate an incident reported weeks later",
    allowed: `at least ${PRODUCTION_MIN_LOG_RETENTION_DAYS} in a production tier`,
    fix: "set service.logRetentionDays to 90 or more (365 is common)",
  },
  {
    field: "network.flowLogs.retentionDays",
    value: (env) => env.network.flowLogs.retentionDays,
    met: (env) => env.network.flowLogs.retentionDays >= PRODUCTION_MIN_LOG_RETENTION_DAYS,
    why: "is too short to investigate an incident reported weeks later",
    allowed: `at least ${PRODUCTION_MIN_LOG_RETENTION_DAYS} in a production tier`,
    fix: "set network.flowLogs.retentionDays to 90 or more (365 is common)",
  },
  {
    field: "service.autoscaling.minCount",
    value: (env) => env.service.autoscaling.minCount,
    met: (env) => env.service.autoscaling.minCount >= PRODUCTION_MIN_TASKS,
    why: "lets the service run one task, which one AZ failure or one crash takes down",
    allowed: `at least ${PRODUCTION_MIN_TASKS} in a production tier (tasks are spread over AZs)`,
    fix: `set service.autoscaling.minCount (and desiredCount) to ${PRODUCTION_MIN_TASKS} or more`,
  },
];

/** The production tier's requirements `env` misses, as configuration errors under `name`. */
export function tierProblems(name: string, env: EnvironmentSettings): string[] {
  if (env.tier !== "production") return [];
  return REQUIREMENTS.filter((r) => !r.met(env)).map((r) => {
    const value = r.value(env);
    const shown = value === undefined ? "(not set)" : JSON.stringify(value);
    return `${name}.${r.field}: ${shown} ${explain(r.why, r.allowed, r.fix)}`;
  });
}
