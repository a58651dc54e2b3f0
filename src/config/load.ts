import { readdirSync } from "node:fs";
import { basename, join, relative } from "node:path";
import { require as tsRequire } from "tsx/cjs/api";
import { crossEnvironmentProblems } from "./cross-environment";
import { ConfigError, explainBuiltinIssue, formatIssues } from "./errors";
import { explain } from "./fields";
import {
  EnvironmentSchema,
  ProjectSchema,
  type EnvironmentConfig,
  type EnvironmentInput,
  type PlatformConfig,
  type ProjectInput,
} from "./schema";
import { project } from "./project";
import { tierProblems } from "./tier";

export interface PlatformInput {
  readonly project: ProjectInput;
  /** Environment inputs by name (the file name under `src/config/environments/`). */
  readonly environments: Readonly<Record<string, EnvironmentInput>>;
}

/** Where the environment files live: one `<name>.ts` per environment, nothing else to edit. */
export const ENVIRONMENTS_DIR = join(__dirname, "environments");

/** `state` and `shared` are stacks of their own; an environment's stack takes its name. */
const RESERVED_NAMES = ["state", "shared"];
/**
 * Environment names: short, because they are part of every resource name (`<project>-<env>-alb`
 * must fit the load balancer's 32 characters), and lower-case, because S3 and ECR names are.
 */
const ENVIRONMENT_NAME = /^[a-z][a-z0-9-]{0,10}[a-z0-9]$/;

/**
 * Reads every `<name>.ts` in `dir`: its default export is the environment's input, its file name
 * the environment's name. Adding an environment is adding a file; removing the file removes it.
 */
export function loadEnvironmentFiles(dir: string = ENVIRONMENTS_DIR): Record<string, unknown> {
  const files = readdirSync(dir)
    .filter((file) => file.endsWith(".ts") && !file.endsWith(".d.ts"))
    .sort();
  return Object.fromEntries(
    files.map((file) => {
      // tsx's require loads TypeScript under tsx, vitest and plain node alike.
      const module = tsRequire(join(dir, file), __filename) as { default?: unknown };
      return [basename(file, ".ts"), module.default];
    }),
  );
}

/** The configuration committed in `src/config/`: the project and every environment file. */
export const committedConfig: PlatformInput = {
  project,
  environments: loadEnvironmentFiles() as PlatformInput["environments"],
};

/** The tags every resource gets from the platform: configuration may not set them. */
const PLATFORM_TAGS = ["Project", "Environment", "ManagedBy", "Name"];
/** AWS allows 50 tags per resource. */
const MAX_TAGS = 50;

/**
 * The project's and an environment's tags together, as every resource carries them: none of the
 * platform's own keys (the budget filters on `Environment`, resources name themselves with `Name`),
 * and within AWS's 50 tags per resource.
 */
function tagProblems(
  name: string,
  projectTags: Readonly<Record<string, string>>,
  environmentTags: Readonly<Record<string, string>>,
): string[] {
  const problems: string[] = [];
  for (const [where, tags] of [
    ["project.tags", projectTags],
    [`${name}.tags`, environmentTags],
  ] as const) {
    for (const key of Object.keys(tags).filter((k) => PLATFORM_TAGS.includes(k)))
      problems.push(
        `${where}.${key}: ${JSON.stringify(tags[key])} ` +
          explain(
            "is a tag the platform sets on every resource",
            `any key but ${PLATFORM_TAGS.join(", ")}`,
            "remove it, or rename it (e.g. Team, CostCenter)",
          ),
      );
  }
  const count = new Set([
    ...Object.keys(projectTags),
    ...Object.keys(environmentTags),
    ...PLATFORM_TAGS,
  ]).size;
  if (count > MAX_TAGS)
    problems.push(
      `${name}.tags: ${count} tags with project.tags and the platform's ` +
        explain("are too many", `at most ${MAX_TAGS} per resource (AWS)`, "remove some"),
    );
  return problems;
}

/** Problems with the set of environments as a whole: names, and the tiers a release needs. */
function environmentSetProblems(names: readonly string[], tiers: readonly unknown[]): string[] {
  const where = relative(process.cwd(), ENVIRONMENTS_DIR) || ENVIRONMENTS_DIR;
  const problems = names.flatMap((name) => {
    if (RESERVED_NAMES.includes(name)) {
      return [
        `${where}/${name}.ts: ${JSON.stringify(name)} ` +
          explain(
            "is the name of a stack the platform already has",
            `any name but ${RESERVED_NAMES.map((n) => `"${n}"`).join(" and ")}`,
            "rename the file",
          ),
      ];
    }
    if (!ENVIRONMENT_NAME.test(name)) {
      return [
        `${where}/${name}.ts: ${JSON.stringify(name)} ` +
          explain(
            "is not a usable environment name (the file name is the environment's name)",
            "2 to 12 characters of a-z, 0-9 and -, starting with a letter and not ending with -",
            'rename the file, e.g. "dev.ts" or "prod-us.ts"',
          ),
      ];
    }
    return [];
  });
  // The release deploys every non-production environment, smoke-tests it, then each production
  // one behind its approval (.github/workflows/release.yml): it needs one of each.
  for (const tier of ["non-production", "production"]) {
    if (!tiers.includes(tier)) {
      problems.push(
        `${where}: no environment has tier "${tier}" ` +
          explain(
            "and the release deploys non-production environments first, then production ones",
            "at least one environment of each tier",
            `add a file with tier: "${tier}" (copy ${tier === "production" ? "prod.ts" : "staging.ts"})`,
          ),
      );
    }
  }
  return problems;
}

/**
 * Parses and cross-checks the whole configuration. Collects every problem of every environment
 * and throws one `ConfigError` listing them all, so a user fixes them in one pass.
 */
export function parseConfig(input: PlatformInput = committedConfig): PlatformConfig {
  const problems: string[] = [];
  const warnings: string[] = [];

  const projectResult = ProjectSchema.safeParse(input.project, { error: explainBuiltinIssue });
  if (!projectResult.success) {
    problems.push(...formatIssues("project", input.project, projectResult.error.issues));
  }

  const names = Object.keys(input.environments).sort();
  problems.push(
    ...environmentSetProblems(
      names,
      names.map((name) => (input.environments[name] as { tier?: unknown } | undefined)?.tier),
    ),
  );

  const parsed: EnvironmentConfig[] = [];
  for (const name of names) {
    const raw = input.environments[name];
    const result = EnvironmentSchema.safeParse(raw, { error: explainBuiltinIssue });
    if (!result.success) {
      problems.push(...formatIssues(name, raw, result.error.issues));
      continue;
    }
    problems.push(...tierProblems(name, result.data));
    if (projectResult.success)
      problems.push(...tagProblems(name, projectResult.data.tags, result.data.tags));
    if (result.data.tier !== "production" && !result.data.loadBalancer.tls) {
      warnings.push(
        `${name}.loadBalancer.tls is not set: ${name} serves plain HTTP on port 80. ` +
          "Set it to serve HTTPS (see docs/request-path.md).",
      );
    }
    if (projectResult.success) {
      parsed.push({ ...result.data, name, project: projectResult.data });
    }
  }

  // Release order: every non-production environment first, then the production ones.
  const environments = [
    ...parsed.filter((env) => env.tier !== "production"),
    ...parsed.filter((env) => env.tier === "production"),
  ];
  problems.push(...crossEnvironmentProblems(environments));
  if (problems.length > 0 || !projectResult.success) throw new ConfigError(problems);
  return {
    project: projectResult.data,
    warnings,
    environments: Object.fromEntries(environments.map((env) => [env.name, env])),
  };
}
