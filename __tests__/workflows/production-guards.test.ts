import { chmodSync, mkdirSync, mkdtempSync, readFileSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { parse } from "yaml";
import { FIXTURE_MANIFEST } from "./pipeline-manifest";
import { runAsRunner } from "./runner-shell";

/**
 * The release's `production-guards` job, run as GitHub runs it (bash, jq, and `gh api` answered by
 * a stub from canned REST responses): it passes only when every production GitHub environment of
 * the manifest has required reviewers and a deployment branch rule of exactly the release branch,
 * and otherwise fails naming the environment and the setting to fix. Every production deploy needs
 * it, so none asks for a production token first.
 */
interface Job {
  needs?: string | string[];
  permissions?: Record<string, string>;
  steps: { run?: string; env?: Record<string, string> }[];
}
const release = parse(readFileSync(".github/workflows/release.yml", "utf8")) as {
  jobs: Record<string, Job>;
};
const guards = release.jobs["production-guards"]!;
const script = guards.steps.find((s) => s.run?.includes("required_reviewers"))!.run!;
const manifest = JSON.parse(readFileSync(FIXTURE_MANIFEST, "utf8")) as {
  github: { repository: string; releaseBranch: string };
  release: { production: { githubEnvironment: string }[] };
};
const environments = manifest.release.production.map((t) => t.githubEnvironment);

/** `gh api <path> [--jq <filter>]`, answered from `<dir>/<path with / as _>.json`, else a 404. */
const GH_STUB = `#!/usr/bin/env bash
[ "$1" = api ] || exit 2
file="$GH_STUB_DIR/$(tr / _ <<<"$2").json"
[ -f "$file" ] || { echo "gh: Not Found (HTTP 404)" >&2; exit 1; }
if [ "$3" = --jq ]; then jq -r "$4" "$file"; else cat "$file"; fi
`;

interface Environment {
  reviewers: number;
  /** Deployment branch rules, `null`: any branch. */
  branches: string[] | null;
}

function run(settings: Record<string, Environment | undefined>) {
  const dir = mkdtempSync(join(tmpdir(), "guards-"));
  mkdirSync(join(dir, "cdktf.out"));
  writeFileSync(join(dir, "cdktf.out", "pipeline.json"), JSON.stringify(manifest));
  const stubs = join(dir, "stubs");
  mkdirSync(stubs);
  writeFileSync(join(dir, "gh"), GH_STUB);
  chmodSync(join(dir, "gh"), 0o755);
  for (const [name, env] of Object.entries(settings)) {
    if (!env) continue;
    const path = `repos/${manifest.github.repository}/environments/${encodeURIComponent(name)}`;
    const file = (p: string) => join(stubs, `${p.replaceAll("/", "_")}.json`);
    writeFileSync(
      file(path),
      JSON.stringify({
        name,
        protection_rules: [
          ...(env.reviewers > 0
            ? [
                {
                  type: "required_reviewers",
                  prevent_self_review: true,
                  reviewers: Array.from({ length: env.reviewers }, (_, i) => ({
                    type: "User",
                    reviewer: { login: `approver${i}` },
                  })),
                },
              ]
            : []),
          ...(env.branches ? [{ type: "branch_policy" }] : []),
        ],
        deployment_branch_policy: env.branches
          ? { protected_branches: false, custom_branch_policies: true }
          : null,
      }),
    );
    writeFileSync(
      file(`${path}/deployment-branch-policies`),
      JSON.stringify({
        total_count: env.branches?.length ?? 0,
        branch_policies: (env.branches ?? []).map((b, id) => ({ id, name: b, type: "branch" })),
      }),
    );
  }
  const summary = join(dir, "summary.md");
  writeFileSync(summary, "");
  const result = runAsRunner(script, {
    cwd: dir,
    env: {
      PATH: `${dir}:${process.env.PATH}`,
      GH_STUB_DIR: stubs,
      GH_TOKEN: "unused",
      GITHUB_STEP_SUMMARY: summary,
    },
  });
  return {
    status: result.status,
    out: result.stdout + result.stderr,
    summary: readFileSync(summary, "utf8"),
  };
}

const guarded: Environment = { reviewers: 1, branches: [manifest.github.releaseBranch] };
const all = (env: Environment) => Object.fromEntries(environments.map((name) => [name, env]));

describe("production guards (release.yml)", () => {
  it("come before every production deploy, with only the permission the REST API needs", () => {
    expect(environments.length).toBeGreaterThan(0);
    expect(release.jobs["deploy-production"]!.needs).toContain("production-guards");
    expect(guards.permissions).toEqual({ actions: "read" });
  });

  it("pass when every production environment has required reviewers and deploys from the release branch only", () => {
    const { status, out, summary } = run(all(guarded));
    expect(status, out).toBe(0);
    expect(summary).toContain(`deploy from ${manifest.github.releaseBranch} only`);
  });

  it("fail naming the environment and the setting when required reviewers are missing", () => {
    const { status, out } = run(all({ ...guarded, reviewers: 0 }));
    expect(status).not.toBe(0);
    for (const name of environments) {
      expect(out).toContain(
        `GitHub environment ${name} has no required reviewers; fix: Settings > Environments > ${name} > Required reviewers`,
      );
    }
  });

  it("fail when any branch may deploy, or another branch besides the release branch", () => {
    const open = run(all({ ...guarded, branches: null }));
    expect(open.status).not.toBe(0);
    expect(open.out).toContain("deploys from any branch; fix:");
    expect(open.out).toContain(
      `Deployment branches and tags: Selected branches and tags, one rule: branch ${manifest.github.releaseBranch}`,
    );
    const wider = run(all({ ...guarded, branches: [manifest.github.releaseBranch, "feature/*"] }));
    expect(wider.status).not.toBe(0);
    const listed = [manifest.github.releaseBranch, "feature/*"].map((b) => `branch ${b}`).sort();
    expect(wider.out).toContain(`deploys from: ${listed.join(", ")}; fix:`);
  });

  it("fail when a production environment does not exist (a job naming it would create it unprotected)", () => {
    const { status, out } = run({});
    expect(status).not.toBe(0);
    expect(out).toContain(`GitHub environment ${environments[0]} cannot be read`);
  });
});
