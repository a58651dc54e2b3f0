// Pure helpers over a synthesized stack (cdktf.out/stacks/<stack>/cdk.tf.json): its resources,
// the references between them, its providers and backend. No I/O here, so vitest can cover it.

export type JsonObject = Record<string, unknown>;

/** The parts of a synthesized stack that the Terraform scripts read. */
export interface StackJson {
  terraform?: { backend?: Record<string, JsonObject> } & JsonObject;
  provider?: Record<string, JsonObject[]>;
  resource?: Record<string, Record<string, JsonObject>>;
  data?: Record<string, Record<string, JsonObject>>;
  variable?: Record<string, JsonObject>;
  output?: Record<string, JsonObject>;
}

export const isObject = (value: unknown): value is JsonObject =>
  typeof value === "object" && value !== null && !Array.isArray(value);

/** Every managed resource address (`type.name`), sorted. */
export function resourceAddresses(stack: StackJson): string[] {
  return Object.entries(stack.resource ?? {})
    .flatMap(([type, byName]) => Object.keys(byName).map((name) => `${type}.${name}`))
    .sort();
}

/** Every managed resource type, sorted, without duplicates. */
export function resourceTypes(stack: StackJson): string[] {
  return Object.keys(stack.resource ?? {}).sort();
}

/** Every data source type, sorted. */
export function dataTypes(stack: StackJson): string[] {
  return Object.keys(stack.data ?? {}).sort();
}

/** All strings inside a JSON value, depth first. */
function strings(value: unknown, out: string[] = []): string[] {
  if (typeof value === "string") out.push(value);
  else if (Array.isArray(value)) for (const v of value) strings(v, out);
  else if (isObject(value)) for (const v of Object.values(value)) strings(v, out);
  return out;
}

/**
 * The managed resources one resource refers to: `${aws_x.name...}` inside its arguments, and
 * `depends_on` entries (`aws_x.name`). Only addresses that exist in the stack count.
 */
export function referencedResources(stack: StackJson, address: string): string[] {
  const [type, name] = splitAddress(address);
  const body = stack.resource?.[type]?.[name];
  if (!body) throw new Error(`no resource ${address} in the stack`);
  const known = new Set(resourceAddresses(stack));
  const found = new Set<string>();
  const reference = /(?<![\w.])(aws_[a-z0-9_]+)\.([A-Za-z0-9_-]+)/g;
  for (const text of strings(body)) {
    for (const match of text.matchAll(reference)) {
      const candidate = `${match[1]}.${match[2]}`;
      if (candidate !== address && known.has(candidate)) found.add(candidate);
    }
  }
  return [...found].sort();
}

export function splitAddress(address: string): [string, string] {
  const dot = address.indexOf(".");
  if (dot <= 0 || dot === address.length - 1) throw new Error(`not a resource address: ${address}`);
  return [address.slice(0, dot), address.slice(dot + 1)];
}

/** A hosted zone that a stack's records name by a literal id: it must exist before the apply. */
export interface HostedZoneNeed {
  readonly id: string;
  /** the zone's domain: the shortest literal record name in it (no trailing dot) */
  readonly name: string;
}

/**
 * Hosted zones the stack does not create but writes records into (`zone_id` is a literal, not a
 * reference): preconditions of an apply, like the account itself.
 */
export function externalHostedZones(stack: StackJson): HostedZoneNeed[] {
  const names = new Map<string, string[]>();
  for (const record of Object.values(stack.resource?.aws_route53_record ?? {})) {
    const zone = record.zone_id;
    if (typeof zone !== "string" || zone.includes("${")) continue;
    const list = names.get(zone) ?? [];
    if (typeof record.name === "string" && !record.name.includes("${")) {
      list.push(record.name.replace(/\.$/, ""));
    }
    names.set(zone, list);
  }
  return [...names].map(([id, list]) => {
    const name = [...list].sort((a, b) => a.length - b.length || a.localeCompare(b))[0];
    if (!name) throw new Error(`hosted zone ${id}: no record with a literal name tells its domain`);
    return { id, name };
  });
}
