// Writes a synthesized stack's resources and data sources as HCL, for scanners that read the
// nested blocks of Terraform JSON as attributes (Trivy 0.74: see scripts/trivy.ts). Which keys are
// blocks comes from the provider bindings (each resource's synthesizeHclAttributes marks them),
// never from a guess; the values are the synthesized JSON's, escape hatches included.
// (cdktf's own HCL output cannot serve: it leaves the quotes of a string unescaped when the
// string holds a `${` reference, as every policy document here does.)
import { App } from "cdktf";
import type { IConstruct } from "constructs";
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { buildPlatform } from "../src/app";
import { loadBackend } from "../src/config/backend";
import { parseConfig } from "../src/config/load";

export type Json = null | boolean | number | string | Json[] | { [key: string]: Json };
export type JsonObject = { [key: string]: Json };

/** For each resource and data source type in `scope`, the paths of its keys that are blocks. */
export function blockKeys(scope: IConstruct): Map<string, Set<string>> {
  const blocks = new Map<string, Set<string>>();
  const collect = (attrs: unknown, prefix: string, into: Set<string>) => {
    if (attrs === null || typeof attrs !== "object") return;
    for (const [key, meta] of Object.entries(attrs as Record<string, unknown>)) {
      const m = meta as { isBlock?: boolean; value?: unknown } | undefined;
      if (!m || typeof m !== "object" || !m.isBlock) continue;
      const path = prefix ? `${prefix}.${key}` : key;
      into.add(path);
      for (const v of [m.value].flat()) collect(v, path, into);
    }
  };
  for (const c of scope.node.findAll() as (IConstruct & {
    terraformResourceType?: string;
    synthesizeHclAttributes?: () => Record<string, unknown>;
  })[]) {
    if (!c.terraformResourceType || typeof c.synthesizeHclAttributes !== "function") continue;
    const into = blocks.get(c.terraformResourceType) ?? new Set<string>();
    collect(c.synthesizeHclAttributes(), "", into);
    blocks.set(c.terraformResourceType, into);
  }
  return blocks;
}

const META_BLOCKS = new Set(["lifecycle", "provisioner", "connection", "timeouts"]);
/**
 * A string as an HCL template literal. Outside interpolations, JSON's escapes are HCL's; an
 * interpolation (`${...}`, `%{...}`) is copied verbatim, since the quotes of a string inside it
 * (`${formatdate("YYYY", timestamp())}`) belong to the expression and must not be escaped; an
 * escaped literal (`$${`, `%%{`) stays text.
 */
export function hclString(text: string): string {
  let out = "";
  let literal = "";
  const flush = () => {
    out += JSON.stringify(literal).slice(1, -1);
    literal = "";
  };
  let i = 0;
  while (i < text.length) {
    if (text.startsWith("$${", i) || text.startsWith("%%{", i)) {
      literal += text.slice(i, i + 3);
      i += 3;
    } else if (text.startsWith("${", i) || text.startsWith("%{", i)) {
      flush();
      let depth = 0;
      let inString = false;
      let j = i + 1;
      for (; j < text.length; j += 1) {
        const c = text[j];
        if (inString) {
          if (c === "\\") j += 1;
          else if (c === '"') inString = false;
        } else if (c === '"') inString = true;
        else if (c === "{") depth += 1;
        else if (c === "}" && --depth === 0) break;
      }
      out += text.slice(i, j + 1);
      i = j + 1;
    } else {
      literal += text[i];
      i += 1;
    }
  }
  flush();
  return `"${out}"`;
}

/** A JSON value as an HCL expression (strings as templates: `hclString`). */
function expression(value: Json, indent: string): string {
  if (typeof value === "string") return hclString(value);
  if (value === null || typeof value !== "object") return JSON.stringify(value);
  const inner = `${indent}  `;
  if (Array.isArray(value)) {
    return value.length === 0
      ? "[]"
      : `[\n${value.map((v) => `${inner}${expression(v, inner)}`).join(",\n")}\n${indent}]`;
  }
  const entries = Object.entries(value);
  return entries.length === 0
    ? "{}"
    : `{\n${entries.map(([k, v]) => `${inner}${JSON.stringify(k)} = ${expression(v, inner)}`).join("\n")}\n${indent}}`;
}
function body(value: JsonObject, blocks: Set<string>, path: string, indent: string): string {
  const lines: string[] = [];
  for (const [key, v] of Object.entries(value)) {
    if (key === "//") continue;
    const at = path ? `${path}.${key}` : key;
    const isBlock = blocks.has(at) || (path === "" && META_BLOCKS.has(key));
    if (isBlock && v !== null && typeof v === "object") {
      for (const item of [v].flat() as JsonObject[]) {
        lines.push(`${indent}${key} {`, body(item, blocks, at, `${indent}  `), `${indent}}`);
      }
    } else {
      lines.push(`${indent}${key} = ${expression(v, indent)}`);
    }
  }
  return lines.filter((l) => l !== "").join("\n");
}
/** The `resource` and `data` sections of a synthesized stack as HCL. */
export function toHcl(json: JsonObject, blocks: Map<string, Set<string>>): string {
  const out: string[] = [];
  for (const kind of ["resource", "data"] as const) {
    const section = (json[kind] ?? {}) as Record<string, Record<string, JsonObject>>;
    for (const [type, byName] of Object.entries(section)) {
      for (const [name, config] of Object.entries(byName)) {
        const known = blocks.get(type);
        if (!known) throw new Error(`no provider binding describes ${type}'s blocks`);
        out.push(`${kind} "${type}" "${name}" {`, body(config, known, "", "  "), "}", "");
      }
    }
  }
  return out.join("\n");
}

/** The block keys of every resource type the platform's stacks use. */
export function platformBlockKeys(): Map<string, Set<string>> {
  // The app is built and never synthesized, but App makes its output directory at once.
  const outdir = mkdtempSync(join(tmpdir(), "hcl-app-"));
  try {
    const app = new App({ outdir });
    buildPlatform(app, parseConfig(), loadBackend());
    return blockKeys(app);
  } finally {
    rmSync(outdir, { recursive: true, force: true });
  }
}
