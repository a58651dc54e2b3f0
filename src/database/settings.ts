/** Settings of the PostgreSQL database (`Database`). */
import { z } from "zod";
import { explain, integerBetween } from "../config/fields";

export const DATABASE_PORT = 5432;

export const DatabaseSchema = z.strictObject({
  /**
   * PostgreSQL major version. Minor versions upgrade automatically in the maintenance window;
   * a major upgrade is a deliberate change of this value.
   * @default "16"
   */
  engineVersion: z
    .enum(
      ["14", "15", "16", "17"],
      explain(
        "is not a supported PostgreSQL major version",
        '"14", "15", "16" or "17"',
        'use "16"',
      ),
    )
    .default("16"),
  /**
   * @default "db.t4g.micro" - 2 vCPU burstable, 1 GiB; fine for staging, small for prod
   */
  instanceClass: z
    .string()
    .regex(
      /^db\.[a-z0-9]+\.[a-z0-9]+$/,
      explain(
        "is not an RDS instance class",
        "e.g. db.t4g.micro or db.m7g.large",
        "copy it from the RDS pricing page",
      ),
    )
    .default("db.t4g.micro"),
  /** @default 20 */
  allocatedStorageGiB: integerBetween(20, 65536, "gp3 needs at least 20 GiB").default(20),
  /**
   * Storage autoscaling grows up to this; it never shrinks.
   * @default 100
   */
  maxAllocatedStorageGiB: integerBetween(
    20,
    65536,
    "set the storage autoscaling ceiling in GiB",
  ).default(100),
  /**
   * A synchronous standby in another AZ with automatic failover (~60-120 s). Doubles the instance cost.
   * @default false
   */
  multiAz: z.boolean().default(false),
  /**
   * Days of automated backups, which is also the point-in-time-recovery window.
   * @default 7
   */
  backupRetentionDays: integerBetween(1, 35, "RDS keeps 1 to 35 days of automated backups").default(
    7,
  ),
  /** UTC, at least 30 minutes, not overlapping the maintenance window. @default "02:00-03:00" */
  backupWindow: z
    .string()
    .regex(
      /^([01]\d|2[0-3]):[0-5]\d-([01]\d|2[0-3]):[0-5]\d$/,
      explain("is not a window", "hh:mm-hh:mm in UTC", 'use e.g. "02:00-03:00"'),
    )
    .default("02:00-03:00"),
  /** UTC. @default "sun:03:30-sun:04:30" */
  maintenanceWindow: z
    .string()
    .regex(
      /^(mon|tue|wed|thu|fri|sat|sun):([01]\d|2[0-3]):[0-5]\d-(mon|tue|wed|thu|fri|sat|sun):([01]\d|2[0-3]):[0-5]\d$/,
      explain(
        "is not a maintenance window",
        "ddd:hh:mm-ddd:hh:mm in UTC",
        'use e.g. "sun:03:30-sun:04:30"',
      ),
    )
    .default("sun:03:30-sun:04:30"),
  /**
   * Refuse deletion (RDS deletion protection and Terraform `prevent_destroy`).
   * @default true
   */
  deletionProtection: z.boolean().default(true),
  /** @default "app" */
  databaseName: z
    .string()
    .regex(
      /^[a-z][a-z0-9_]{0,62}$/,
      explain("is not a database name", "a-z, 0-9 and _, starting with a letter", 'use "app"'),
    )
    .default("app"),
  /** The master user; its password is generated and kept in Secrets Manager by RDS. @default "app_admin" */
  masterUsername: z
    .string()
    .regex(
      /^[a-z][a-z0-9_]{0,15}$/,
      explain("is not a username", "1 to 16 characters of a-z, 0-9 and _", 'use "app_admin"'),
    )
    .refine((name) => !["admin", "postgres", "rdsadmin"].includes(name), {
      error: explain("is reserved by RDS", "any other name", 'use "app_admin"'),
    })
    .default("app_admin"),
  /** Days Performance Insights keeps its data: 7 is free. @default 7 */
  performanceInsightsRetentionDays: z
    .literal(
      [7, 31, 93, 186, 372, 731],
      explain(
        "is not a retention Performance Insights offers",
        "7 (free), 31, 93, 186, 372 or 731",
        "use 7",
      ),
    )
    .default(7),
  /** Enhanced monitoring resolution. @default 60 */
  monitoringIntervalSeconds: z
    .literal(
      [0, 1, 5, 10, 15, 30, 60],
      explain("is not a monitoring interval", "0 (off), 1, 5, 10, 15, 30 or 60", "use 60"),
    )
    .default(60),
});

/** Rules across the database's fields; each names the field to change. */
const DAYS = ["mon", "tue", "wed", "thu", "fri", "sat", "sun"];
const WEEK = 7 * 1440;
const minutesOf = (hhmm: string) => Number(hhmm.slice(0, 2)) * 60 + Number(hhmm.slice(3, 5));

/** A window as [start, end) in minutes of the week (the end past the start, across midnight). */
function weekly(start: number, end: number): [number, number] {
  return [start, end > start ? end : end + WEEK];
}

/** Whether two intervals of the week overlap, the week wrapping around. */
function overlap([a, b]: [number, number], [c, d]: [number, number]): boolean {
  return [-WEEK, 0, WEEK].some((shift) => a < d + shift && c + shift < b);
}

/**
 * What RDS refuses at apply and the schema's patterns cannot see: a backup window under 30
 * minutes, a maintenance window under 30 minutes, and the two overlapping (the backup runs daily).
 */
function checkWindows(
  database: z.output<typeof DatabaseSchema>,
  ctx: z.RefinementCtx,
  at: readonly (string | number)[],
): void {
  const [backupStart, backupEnd] = database.backupWindow.split("-").map(minutesOf) as [
    number,
    number,
  ];
  const backupLength = (backupEnd - backupStart + 1440) % 1440;
  if (backupLength < 30) {
    ctx.addIssue({
      code: "custom",
      path: [...at, "backupWindow"],
      input: database.backupWindow,
      message: explain(
        `is ${backupLength} minutes long`,
        "at least 30 minutes (RDS refuses shorter)",
        'widen it, e.g. "02:00-03:00"',
      ),
    });
  }
  const [from, to] = database.maintenanceWindow.split("-") as [string, string];
  const weekMinute = (part: string) =>
    DAYS.indexOf(part.slice(0, 3)) * 1440 + minutesOf(part.slice(4));
  const maintenance = weekly(weekMinute(from), weekMinute(to));
  if (maintenance[1] - maintenance[0] < 30) {
    ctx.addIssue({
      code: "custom",
      path: [...at, "maintenanceWindow"],
      input: database.maintenanceWindow,
      message: explain(
        `is ${maintenance[1] - maintenance[0]} minutes long`,
        "at least 30 minutes (RDS refuses shorter)",
        'widen it, e.g. "sun:03:30-sun:04:30"',
      ),
    });
  } else if (
    backupLength >= 30 &&
    DAYS.some((_, day) =>
      overlap(
        weekly(day * 1440 + backupStart, day * 1440 + backupStart + backupLength),
        maintenance,
      ),
    )
  ) {
    ctx.addIssue({
      code: "custom",
      path: [...at, "backupWindow"],
      input: database.backupWindow,
      message: explain(
        `overlaps maintenanceWindow ${database.maintenanceWindow} (the backup runs every day)`,
        "a daily window outside the weekly maintenance window",
        "move one of them, e.g. backups 02:00-03:00 and maintenance sun:03:30-sun:04:30",
      ),
    });
  }
}

export function checkDatabase(
  database: z.output<typeof DatabaseSchema>,
  ctx: z.RefinementCtx,
  at: readonly (string | number)[],
): void {
  checkWindows(database, ctx, at);
  if (database.maxAllocatedStorageGiB < database.allocatedStorageGiB) {
    ctx.addIssue({
      code: "custom",
      path: [...at, "maxAllocatedStorageGiB"],
      input: database.maxAllocatedStorageGiB,
      message: explain(
        `is below allocatedStorageGiB ${database.allocatedStorageGiB}`,
        `at least ${database.allocatedStorageGiB}`,
        "raise the ceiling or lower the initial size",
      ),
    });
  }
}

export type DatabaseSettings = z.output<typeof DatabaseSchema>;
