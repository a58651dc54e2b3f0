// Readers of Terraform's machine-readable output: `terraform validate -json` (one document) and
// the JSON lines of `plan -json` / `apply -json`. Pure; no Terraform runs here.
import { z } from "zod";

const Diagnostic = z.looseObject({
  severity: z.enum(["error", "warning"]),
  summary: z.string(),
  detail: z.string().optional(),
  address: z.string().optional(),
  range: z
    .looseObject({ filename: z.string(), start: z.looseObject({ line: z.number() }) })
    .optional(),
});
export type Diagnostic = z.infer<typeof Diagnostic>;

const ValidateDocument = z.looseObject({
  valid: z.boolean(),
  error_count: z.number(),
  warning_count: z.number(),
  diagnostics: z.array(Diagnostic),
});

export interface ValidateResult {
  readonly valid: boolean;
  readonly errors: Diagnostic[];
  readonly warnings: Diagnostic[];
}

/** Reads `terraform validate -json`'s document; throws when it is not one. */
export function parseValidate(stdout: string): ValidateResult {
  const doc = ValidateDocument.parse(JSON.parse(stdout));
  const errors = doc.diagnostics.filter((d) => d.severity === "error");
  const warnings = doc.diagnostics.filter((d) => d.severity === "warning");
  if (errors.length !== doc.error_count || warnings.length !== doc.warning_count) {
    throw new Error(
      `validate output is inconsistent: ${doc.error_count} errors / ${doc.warning_count} warnings counted, ${errors.length} / ${warnings.length} listed`,
    );
  }
  return { valid: doc.valid && errors.length === 0, errors, warnings };
}

/** One diagnostic as a line: `summary (address, file:line): detail`. */
export function formatDiagnostic(d: Diagnostic): string {
  const where = [d.address, d.range ? `${d.range.filename}:${d.range.start.line}` : undefined]
    .filter(Boolean)
    .join(", ");
  const detail = d.detail ? `: ${d.detail.replace(/\s+/g, " ").trim()}` : "";
  return `${d.summary}${where ? ` (${where})` : ""}${detail}`;
}

/** Warning summaries with their counts, e.g. `Deprecated Parameter x2`. */
export function summarizeWarnings(warnings: readonly Diagnostic[]): string[] {
  const counts = new Map<string, number>();
  for (const w of warnings) counts.set(w.summary, (counts.get(w.summary) ?? 0) + 1);
  return [...counts].map(([summary, n]) => (n > 1 ? `${summary} x${n}` : summary));
}

const Message = z.looseObject({
  type: z.string(),
  "@level": z.string().optional(),
  "@message": z.string().optional(),
  diagnostic: Diagnostic.optional(),
  change: z
    .looseObject({ resource: z.looseObject({ addr: z.string() }), action: z.string() })
    .optional(),
  changes: z
    .looseObject({
      add: z.number(),
      change: z.number(),
      remove: z.number(),
      import: z.number().optional(),
      operation: z.string(),
    })
    .optional(),
  hook: z
    .looseObject({
      resource: z.looseObject({ addr: z.string() }).optional(),
      elapsed_seconds: z.number().optional(),
    })
    .optional(),
});
export type Message = z.infer<typeof Message>;

/** The JSON lines of `-json` output; lines that are not Terraform messages are skipped. */
export function parseJsonLines(stdout: string): Message[] {
  const out: Message[] = [];
  for (const line of stdout.split("\n")) {
    if (!line.startsWith("{")) continue;
    let value: unknown;
    try {
      value = JSON.parse(line);
    } catch {
      continue;
    }
    const parsed = Message.safeParse(value);
    if (parsed.success) out.push(parsed.data);
  }
  return out;
}

export interface PlanSummary {
  /** add + change + remove (+ import), from the change summary */
  readonly changeCount: number;
  readonly add: number;
  readonly change: number;
  readonly remove: number;
  /** each planned change: `address action` (reads of data sources are not changes) */
  readonly changes: string[];
  /** resources whose remote object differed from the state (refresh found drift) */
  readonly drift: string[];
  readonly errors: Diagnostic[];
  readonly warnings: Diagnostic[];
}

/** Sums up `terraform plan -json`; throws when the output has no change summary and no error. */
export function summarizePlan(messages: readonly Message[]): PlanSummary {
  const errors = messages.flatMap((m) =>
    m.type === "diagnostic" && m.diagnostic?.severity === "error" ? [m.diagnostic] : [],
  );
  const warnings = messages.flatMap((m) =>
    m.type === "diagnostic" && m.diagnostic?.severity === "warning" ? [m.diagnostic] : [],
  );
  const changes = messages.flatMap((m) =>
    m.type === "planned_change" && m.change && m.change.action !== "read"
      ? [`${m.change.resource.addr} ${m.change.action}`]
      : [],
  );
  const drift = messages.flatMap((m) =>
    m.type === "resource_drift" && m.change ? [`${m.change.resource.addr} ${m.change.action}`] : [],
  );
  const summary = [...messages].reverse().find((m) => m.type === "change_summary")?.changes;
  if (!summary && errors.length === 0) {
    throw new Error("the plan output has neither a change summary nor an error");
  }
  const add = summary?.add ?? 0;
  const change = summary?.change ?? 0;
  const remove = summary?.remove ?? 0;
  const changeCount = add + change + remove + (summary?.import ?? 0);
  return { changeCount, add, change, remove, changes, drift, errors, warnings };
}

/** Managed resources that `apply -json` completed, and those whose apply failed. */
export function summarizeApply(messages: readonly Message[]): {
  applied: string[];
  errored: string[];
  errors: Diagnostic[];
  /** the slowest completed resources, slowest first: `address seconds` */
  slowest: { address: string; seconds: number }[];
} {
  const addrs = (type: string) =>
    messages.flatMap((m) => {
      const addr = m.type === type ? m.hook?.resource?.addr : undefined;
      return addr && !addr.startsWith("data.") ? [addr] : [];
    });
  const errors = messages.flatMap((m) =>
    m.type === "diagnostic" && m.diagnostic?.severity === "error" ? [m.diagnostic] : [],
  );
  const slowest = messages
    .flatMap((m) =>
      m.type === "apply_complete" && m.hook?.resource && m.hook.elapsed_seconds !== undefined
        ? [{ address: m.hook.resource.addr, seconds: m.hook.elapsed_seconds }]
        : [],
    )
    .sort((a, b) => b.seconds - a.seconds || a.address.localeCompare(b.address));
  return { applied: addrs("apply_complete"), errored: addrs("apply_errored"), errors, slowest };
}

/**
 * True when Terraform's output says it could not take the state lock because another run holds
 * it (as opposed to any other failure).
 */
export function isLockHeldError(output: string): boolean {
  return (
    /Error acquiring the state lock/.test(output) &&
    /(ConditionalCheckFailed|conditional request failed|Lock Info:)/i.test(output)
  );
}

/** One attribute that differs between two values of a resource. */
export interface AttributeDifference {
  /** dotted path, e.g. `tags_all.Project` or `versioning.0.enabled` */
  readonly path: string;
  readonly before: string;
  /** the new value, or `(known after apply)` */
  readonly after: string;
}

const show = (v: unknown) => {
  const text = JSON.stringify(v) ?? "null";
  return text.length > 120 ? `${text.slice(0, 117)}...` : text;
};

/** The leaf attributes that differ between `before` and `after` (and those unknown after). */
export function changedAttributes(
  before: unknown,
  after: unknown,
  unknown: unknown = {},
): AttributeDifference[] {
  const out: AttributeDifference[] = [];
  const walk = (a: unknown, b: unknown, u: unknown, path: string) => {
    const where = path || "(resource)";
    if (u === true) {
      out.push({ path: where, before: show(a), after: "(known after apply)" });
      return;
    }
    const objects =
      typeof a === "object" &&
      a !== null &&
      typeof b === "object" &&
      b !== null &&
      Array.isArray(a) === Array.isArray(b);
    if (objects) {
      const unknownKeys = typeof u === "object" && u !== null ? Object.keys(u) : [];
      const keys = new Set([...Object.keys(a), ...Object.keys(b), ...unknownKeys]);
      for (const key of [...keys].sort()) {
        const child = (v: unknown) => (v as Record<string, unknown>)[key];
        const uChild = typeof u === "object" && u !== null ? child(u) : undefined;
        walk(child(a), child(b), uChild, path ? `${path}.${key}` : key);
      }
      return;
    }
    if (JSON.stringify(a) !== JSON.stringify(b)) {
      out.push({ path: where, before: show(a), after: show(b) });
    }
  };
  walk(before, after, unknown, "");
  return out;
}

const Change = z.looseObject({
  address: z.string(),
  change: z.looseObject({
    actions: z.array(z.string()),
    before: z.unknown(),
    after: z.unknown(),
    after_unknown: z.unknown().optional(),
  }),
});

const PlanDocument = z.looseObject({
  resource_changes: z.array(Change).optional(),
  resource_drift: z.array(Change).optional(),
});

/** A resource that a plan changes (or that refresh found changed), attribute by attribute. */
export interface ResourceDifference {
  readonly address: string;
  /** e.g. `update`, `delete+create` */
  readonly action: string;
  readonly attributes: AttributeDifference[];
}

/**
 * What a saved plan (`terraform show -json <plan>`) changes, and what the refresh before it found
 * changed outside Terraform (drift).
 */
export function planDifferences(showJson: string): {
  changes: ResourceDifference[];
  drift: ResourceDifference[];
} {
  const doc = PlanDocument.parse(JSON.parse(showJson));
  const differences = (entries: readonly z.infer<typeof Change>[]) =>
    entries
      .filter((e) => !e.change.actions.every((a) => a === "no-op" || a === "read"))
      .map((e) => ({
        address: e.address,
        action: e.change.actions.join("+"),
        attributes: changedAttributes(e.change.before, e.change.after, e.change.after_unknown),
      }));
  return {
    changes: differences(doc.resource_changes ?? []),
    drift: differences(doc.resource_drift ?? []),
  };
}

/** `address action path: before -> after`, one line per attribute. */
export function formatDifference(d: ResourceDifference): string[] {
  return d.attributes.length === 0
    ? [`${d.address} ${d.action}`]
    : d.attributes.map((a) => `${d.address} ${d.action} ${a.path}: ${a.before} -> ${a.after}`);
}
