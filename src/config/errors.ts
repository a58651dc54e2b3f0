import type { z } from "zod";

/**
 * Everything wrong with the configuration, one line per problem, each naming the field path,
 * the value, what is allowed and the fix. Thrown before any stack is constructed, so an invalid
 * configuration never writes anything to `cdktf.out`.
 */
export class ConfigError extends Error {
  constructor(readonly problems: readonly string[]) {
    super(
      `Invalid configuration (${problems.length} problem${problems.length === 1 ? "" : "s"}):\n` +
        problems.map((p) => `  - ${p}`).join("\n"),
    );
    this.name = "ConfigError";
  }
}

/**
 * Messages for zod's built-in checks, in the same `<problem>; allowed: ...; fix: ...` shape as
 * the schema's own messages. Passed to `safeParse`, so it applies only where the schema gave none.
 */
export const explainBuiltinIssue: z.core.$ZodErrorMap = (issue) => {
  switch (issue.code) {
    case "invalid_type": {
      const kind = `${/^[aeiou]/.test(issue.expected) ? "an" : "a"} ${issue.expected}`;
      return issue.input === undefined
        ? `is missing; allowed: ${kind}; fix: add the field`
        : `has the wrong type; allowed: ${kind}; fix: write it as ${kind}`;
    }
    case "invalid_value":
      return `is not allowed; allowed: ${issue.values.map((v) => JSON.stringify(v)).join(", ")}; fix: use one of those`;
    case "too_small":
      return `is too small; allowed: at least ${String(issue.minimum)}; fix: raise it`;
    case "too_big":
      return `is too large; allowed: at most ${String(issue.maximum)}; fix: lower it`;
    default:
      return undefined;
  }
};

function valueAt(root: unknown, path: readonly PropertyKey[]): unknown {
  let value = root;
  for (const key of path) {
    if (value === null || typeof value !== "object") return undefined;
    value = (value as Record<PropertyKey, unknown>)[key];
  }
  return value;
}

function render(value: unknown): string {
  if (value === undefined) return "(not set)";
  const text = JSON.stringify(value);
  return text.length > 80 ? `${text.slice(0, 77)}...` : text;
}

/**
 * Turns zod issues into `<root>.<path>: <value> <problem>; allowed: ...; fix: ...` lines.
 * `fieldsDoc` names where the valid field names are documented, for misspelt fields.
 */
export function formatIssues(
  root: string,
  input: unknown,
  issues: readonly z.core.$ZodIssue[],
  fieldsDoc = "src/config/schema.ts",
): string[] {
  return issues.flatMap((issue) => {
    const path = [root, ...issue.path.map(String)];
    if (issue.code === "unrecognized_keys") {
      const parent = valueAt(input, issue.path);
      return issue.keys.map(
        (key) =>
          `${[...path, key].join(".")}: ${render((parent as Record<string, unknown>)?.[key])} is not a known field; ` +
          `allowed: the fields documented in ${fieldsDoc}; fix: remove it or correct its spelling`,
      );
    }
    if (issue.code === "invalid_key") {
      // A record key failed its schema: show the key itself and the key schema's message.
      const key = issue.path[issue.path.length - 1];
      return issue.issues.map((inner) => `${path.join(".")}: ${render(key)} ${inner.message}`);
    }
    const raw = valueAt(input, issue.path);
    const value = raw === undefined && "input" in issue ? issue.input : raw;
    return [`${path.join(".")}: ${render(value)} ${issue.message}`];
  });
}
