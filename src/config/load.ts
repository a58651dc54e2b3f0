import { ConfigError, explainBuiltinIssue, formatIssues } from "./errors";
import { githubEnvironment } from "./names";
import { explain } from "./rules";
import {
  ENVIRONMENT_NAMES,
  EnvironmentSchema,
  ProjectSchema,
  type EnvironmentConfig,
  type EnvironmentInput,
  type EnvironmentName,
  type PlatformConfig,
  type ProjectInput,
} from "./schema";
import { prod } from "./prod";
import { project } from "./project";
import { staging } from "./staging";

export interface PlatformInput {
  readonly project: ProjectInput;
  readonly environments: Readonly<Record<EnvironmentName, EnvironmentInput>>;
}

/** The configuration committed in `src/config/`. */
export const committedConfig: PlatformInput = { project, environments: { staging, prod } };

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

  const environments: Partial<Record<EnvironmentName, EnvironmentConfig>> = {};
  for (const name of ENVIRONMENT_NAMES) {
    const raw = input.environments[name];
    const result = EnvironmentSchema.safeParse(raw, { error: explainBuiltinIssue });
    if (!result.success) {
      problems.push(...formatIssues(name, raw, result.error.issues));
      continue;
    }
    if (projectResult.success && result.data.region !== projectResult.data.region) {
      problems.push(
        `${name}.region: ${JSON.stringify(result.data.region)} ` +
          explain(
            `differs from project.region ${JSON.stringify(projectResult.data.region)}`,
            "the project's region, where the shared image repository lives",
            "set both to the same region (cross-region pulls bypass the VPC endpoints)",
          ),
      );
    }
    if (!result.data.loadBalancer.tls) {
      if (name === "prod") {
        problems.push(
          `prod.loadBalancer.tls: (not set) ` +
            explain(
              "is required in prod, which must serve HTTPS only",
              "{ domainName, hostedZoneId } or { domainName, certificateArn }",
              'set loadBalancer.tls in src/config/prod.ts, e.g. { domainName: "app.example.com", hostedZoneId: "Z..." }',
            ),
        );
      } else {
        warnings.push(
          `${name}.loadBalancer.tls is not set: ${name} serves plain HTTP on port 80. ` +
            "Set it to serve HTTPS (see docs/load-balancer.md).",
        );
      }
    }
    if (projectResult.success) {
      environments[name] = { ...result.data, name, project: projectResult.data };
    }
  }

  problems.push(...sharedZoneProblems(environments), ...githubEnvironmentProblems(environments));
  if (problems.length > 0 || !projectResult.success) throw new ConfigError(problems);
  return {
    project: projectResult.data,
    warnings,
    environments: environments as Record<EnvironmentName, EnvironmentConfig>,
  };
}

/**
 * A Route 53 hosted zone belongs to one account, and each environment's provider may act only in
 * its own accounts: two environments in different accounts cannot both write records in one zone.
 */
function sharedZoneProblems(
  environments: Partial<Record<EnvironmentName, EnvironmentConfig>>,
): string[] {
  const [first, second] = ENVIRONMENT_NAMES.map((name) => environments[name]);
  const zone = first?.loadBalancer.tls?.hostedZoneId;
  if (!first || !second || !zone || zone !== second.loadBalancer.tls?.hostedZoneId) return [];
  if (first.allowedAccountIds.some((account) => second.allowedAccountIds.includes(account)))
    return [];
  return [
    `${second.name}.loadBalancer.tls.hostedZoneId: ${JSON.stringify(zone)} ` +
      explain(
        `is also ${first.name}'s zone, but ${first.name} and ${second.name} run in different accounts and a zone belongs to one`,
        "a hosted zone in this environment's own account",
        `delegate a subzone (e.g. for ${second.loadBalancer.tls?.domainName}) to ${second.name}'s account and use its id`,
      ),
  ];
}

/**
 * Each deploy role trusts the jobs of one GitHub environment; two environments sharing one would
 * let a staging job deploy prod without prod's reviewers.
 */
function githubEnvironmentProblems(
  environments: Partial<Record<EnvironmentName, EnvironmentConfig>>,
): string[] {
  const [first, second] = ENVIRONMENT_NAMES.map((name) => environments[name]);
  if (!first || !second) return [];
  const name = githubEnvironment(first);
  if (name.toLowerCase() !== githubEnvironment(second).toLowerCase()) return [];
  return [
    `${second.name}.githubEnvironment: ${JSON.stringify(githubEnvironment(second))} ` +
      explain(
        `is also ${first.name}'s GitHub environment (names are case-insensitive)`,
        "a GitHub environment of its own",
        `use e.g. "production", and give it required reviewers: its deploy role trusts that environment's jobs alone`,
      ),
  ];
}
