// The e2e exclusion list (scripts/e2e.exclusions.json): resources the emulator cannot apply
// faithfully, each with its reason, and what follows from it for one stack: the resources left
// out (the listed ones and everything that depends on them) and the -target list of the rest.
import { z } from "zod";
import type { ResourceDifference } from "./output";
import { referencedResources, resourceAddresses, type StackJson } from "./stack-json";

const ADDRESS = /^aws_[a-z0-9_]+\.[A-Za-z0-9_-]+$/;
const TYPE = /^aws_[a-z0-9_]+$/;

export const ExclusionsFile = z.strictObject({
  $comment: z.string().optional(),
  exclusions: z.array(
    z
      .strictObject({
        /** a resource address (`type.name`) or a whole resource type (`type`) */
        match: z.string().refine((m) => ADDRESS.test(m) || TYPE.test(m), {
          message: "must be a resource address (type.name) or a resource type",
        }),
        /** stacks it applies to; all when absent */
        stacks: z.array(z.string().min(1)).min(1).optional(),
        reason: z.string().min(30),
      })
      .readonly(),
  ),
  /**
   * Differences a second plan shows because moto answers differently from AWS, not because the
   * configuration or the provider is wrong. Only in-place updates of the named attributes.
   */
  knownDifferences: z
    .array(
      z
        .strictObject({
          match: z.string().refine((m) => ADDRESS.test(m) || TYPE.test(m), {
            message: "must be a resource address (type.name) or a resource type",
          }),
          /** attribute paths; nested paths below each match too */
          attributes: z.array(z.string().regex(/^[a-z0-9_]+(\.[A-Za-z0-9_-]+)*$/)).min(1),
          /** the attribute forces a replacement: the resource's replacement is known too */
          replaces: z.boolean().optional(),
          stacks: z.array(z.string().min(1)).min(1).optional(),
          reason: z.string().min(30),
        })
        .readonly(),
    )
    .default([]),
  /**
   * Arguments set differently for the emulator only (an override file in the stack's copy), where
   * the synthesized value asks for behaviour an emulator cannot have: e.g. waiting for running
   * tasks when it runs none. Only provider-side arguments that AWS never sees belong here.
   */
  settings: z
    .array(
      z
        .strictObject({
          match: z.string().regex(TYPE, { message: "must be a resource type" }),
          set: z.record(
            z.string().regex(/^[a-z0-9_]+$/),
            z.union([z.boolean(), z.number(), z.string()]),
          ),
          reason: z.string().min(30),
        })
        .readonly(),
    )
    .default([]),
});
export type Exclusion = z.infer<typeof ExclusionsFile>["exclusions"][number];
export type KnownDifference = z.infer<typeof ExclusionsFile>["knownDifferences"][number];
export type EmulatorSetting = z.infer<typeof ExclusionsFile>["settings"][number];
export interface ExclusionList {
  readonly exclusions: Exclusion[];
  readonly knownDifferences: KnownDifference[];
  readonly settings: EmulatorSetting[];
}

/** Parses the file's content; throws with every problem and its path. */
export function parseExclusions(json: unknown): ExclusionList {
  const parsed = ExclusionsFile.safeParse(json);
  if (!parsed.success) {
    const problems = parsed.error.issues.map((i) => `  - ${i.path.join(".")}: ${i.message}`);
    throw new Error(`invalid e2e exclusion list:\n${problems.join("\n")}`);
  }
  const seen = new Set<string>();
  for (const e of parsed.data.exclusions) {
    for (const stack of e.stacks ?? ["*"]) {
      const key = `${stack}:${e.match}`;
      if (seen.has(key)) throw new Error(`invalid e2e exclusion list: ${e.match} is listed twice`);
      seen.add(key);
    }
  }
  return {
    exclusions: parsed.data.exclusions,
    knownDifferences: parsed.data.knownDifferences,
    settings: parsed.data.settings,
  };
}

const matches = (e: Exclusion, address: string) =>
  e.match === address || e.match === address.slice(0, address.indexOf("."));

/** One resource left out of a stack's apply, and why. */
export interface Excluded {
  readonly address: string;
  /** the exclusion's reason, or `depends on <address>` for a dependent */
  readonly reason: string;
  /** the listed resource it follows from (itself when listed) */
  readonly cause: string;
}

export interface TargetPlan {
  /** the addresses to apply, for -target; every resource of the stack when nothing is excluded */
  readonly targets: string[];
  readonly excluded: Excluded[];
  readonly total: number;
  /** the list entries that matched a resource of this stack */
  readonly used: Exclusion[];
}

/**
 * What to apply of one stack. A listed resource is left out, and so is every resource that
 * refers to it, directly or not: `-target` would otherwise pull the listed one back in as a
 * dependency.
 */
export function planTargets(
  stack: StackJson,
  name: string,
  list: readonly Exclusion[],
): TargetPlan {
  const all = resourceAddresses(stack);
  const applicable = list.filter((e) => !e.stacks || e.stacks.includes(name));
  const excluded = new Map<string, Excluded>();
  const used = new Set<Exclusion>();
  for (const address of all) {
    const hit = applicable.find((e) => matches(e, address));
    if (hit) {
      used.add(hit);
      excluded.set(address, { address, reason: hit.reason, cause: address });
    }
  }
  const refs = new Map(all.map((a) => [a, referencedResources(stack, a)]));
  for (let changed = true; changed;) {
    changed = false;
    for (const address of all) {
      if (excluded.has(address)) continue;
      const dependency = refs.get(address)?.find((r) => excluded.has(r));
      if (dependency) {
        excluded.set(address, {
          address,
          reason: `depends on ${dependency}`,
          cause: excluded.get(dependency)?.cause ?? dependency,
        });
        changed = true;
      }
    }
  }
  return {
    targets: all.filter((a) => !excluded.has(a)),
    excluded: [...excluded.values()].sort((a, b) => a.address.localeCompare(b.address)),
    total: all.length,
    used: applicable.filter((e) => used.has(e)),
  };
}

/**
 * `emulator_settings_override.tf.json`: the listed arguments set on every resource of the listed
 * types in this stack, and the entries that matched; undefined content when none did.
 */
export function settingsOverride(
  stack: StackJson,
  settings: readonly EmulatorSetting[],
): { content: Record<string, unknown> | undefined; used: EmulatorSetting[] } {
  const resource: Record<string, Record<string, Record<string, unknown>>> = {};
  const used: EmulatorSetting[] = [];
  for (const setting of settings) {
    const names = Object.keys(stack.resource?.[setting.match] ?? {});
    if (names.length === 0) continue;
    used.push(setting);
    const byName = (resource[setting.match] ??= {});
    for (const name of names) byName[name] = { ...byName[name], ...setting.set };
  }
  return { content: used.length > 0 ? { resource } : undefined, used };
}

/** `aws_x.name["key"]` or `aws_x.name[0]` -> `aws_x.name` */
const baseAddress = (address: string) => address.replace(/\[[^\]]*\]$/, "");

export interface ClassifiedChanges {
  /** changed resources whose every changed attribute is a known moto difference, or follows from one */
  readonly known: {
    difference: ResourceDifference;
    reasons: string[];
    entries: KnownDifference[];
  }[];
  readonly unexpected: ResourceDifference[];
}

const isReplacement = (action: string) => action.includes("delete") && action.includes("create");
/** What any replacement shows besides its cause: values known only after apply, or unset. */
const followsFromReplacement = (a: { after: string }) =>
  a.after === "(known after apply)" || a.after === "null";

/**
 * Splits a second plan's changes into known moto differences and unexpected ones.
 *  - An in-place update is known when every attribute it changes is listed.
 *  - A replacement is known when an entry with `replaces: true` lists its cause and every other
 *    attribute is one that any replacement shows (known after apply, or unset).
 *  - A change of a resource that refers to a known change (directly or not), and that changes
 *    nothing but such values, follows from it and is known too.
 * Anything else is unexpected.
 */
export function classifyChanges(
  changes: readonly ResourceDifference[],
  stack: string,
  list: readonly KnownDifference[],
  json: StackJson = {},
): ClassifiedChanges {
  const applicable = list.filter((k) => !k.stacks || k.stacks.includes(stack));
  const known = new Map<
    ResourceDifference,
    { reasons: Set<string>; entries: Set<KnownDifference> }
  >();
  for (const difference of changes) {
    const address = baseAddress(difference.address);
    const entries = new Set<KnownDifference>();
    const listed = (path: string) =>
      applicable.find(
        (k) =>
          (k.match === address || k.match === address.slice(0, address.indexOf("."))) &&
          k.attributes.some((attribute) => path === attribute || path.startsWith(`${attribute}.`)),
      );
    let ok: boolean;
    if (difference.action === "update") {
      ok =
        difference.attributes.length > 0 &&
        difference.attributes.every((a) => {
          const hit = listed(a.path);
          if (hit) entries.add(hit);
          return hit !== undefined;
        });
    } else if (isReplacement(difference.action)) {
      const causes = difference.attributes.filter((a) => !followsFromReplacement(a));
      ok =
        causes.length > 0 &&
        causes.every((a) => {
          const hit = listed(a.path);
          if (hit?.replaces) entries.add(hit);
          return hit?.replaces === true;
        });
    } else {
      ok = false;
    }
    if (ok) {
      known.set(difference, { reasons: new Set([...entries].map((e) => e.reason)), entries });
    }
  }
  // Consequences: resources that refer to a known change and change only derived values.
  const knownAddresses = () => new Set([...known.keys()].map((d) => baseAddress(d.address)));
  const resources = new Set(resourceAddresses(json));
  for (let changed = true; changed;) {
    changed = false;
    const causes = knownAddresses();
    for (const difference of changes) {
      if (known.has(difference)) continue;
      const address = baseAddress(difference.address);
      if (!resources.has(address)) continue;
      const cause = referencedResources(json, address).find((r) => causes.has(r));
      const derivedOnly =
        difference.attributes.length > 0 &&
        difference.attributes.every(followsFromReplacement) &&
        (difference.action === "update" || isReplacement(difference.action));
      if (cause && derivedOnly) {
        known.set(difference, { reasons: new Set([`follows from ${cause}`]), entries: new Set() });
        changed = true;
      }
    }
  }
  return {
    known: changes.flatMap((difference) => {
      const k = known.get(difference);
      return k ? [{ difference, reasons: [...k.reasons], entries: [...k.entries] }] : [];
    }),
    unexpected: changes.filter((d) => !known.has(d)),
  };
}
