/**
 * The GitHub Actions workflows: valid against the workflow schema, every action pinned, least
 * privilege per job, every AWS role read from the pipeline manifest (cdktf.out/pipeline.json, or
 * its fixture before a synth), deploys in the environments the deploy roles trust, one at a time,
 * staging before prod with the same image, the image scanned before it is pushed. Some steps'
 * shell scripts are run here as well, with bash and jq, against the manifest.
 */
import { validateWorkflow } from "@action-validator/core";
import { spawnSync } from "node:child_process";
import {
  chmodSync,
  mkdirSync,
  mkdtempSync,
  readdirSync,
  readFileSync,
  rmSync,
  writeFileSync,
} from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, describe, expect, it } from "vitest";
import { parse } from "yaml";
import {
  loadPipelineManifest,
  REPOSITORY_ROOT,
  type PipelineManifest,
  type StackName,
} from "./pipeline-manifest";

interface Step {
  id?: string;
  name?: string;
  uses?: string;
  run?: string;
  with?: Record<string, string | number | boolean>;
  env?: Record<string, string>;
  "working-directory"?: string;
}

interface Job {
  needs?: string | string[];
  if?: string;
  permissions?: Record<string, string>;
  environment?: string | { name: string; url?: string };
  concurrency?: string | { group: string; "cancel-in-progress"?: boolean };
  strategy?: { matrix?: Record<string, unknown> };
  env?: Record<string, string>;
  steps: Step[];
}

interface Workflow {
  on: Record<string, unknown>;
  permissions?: unknown;
  jobs: Record<string, Job>;
}

const WORKFLOW_DIR = join(REPOSITORY_ROOT, ".github", "workflows");
const workflowFiles = readdirSync(WORKFLOW_DIR)
  .filter((f) => /\.ya?ml$/.test(f))
  .sort();
const text = (file: string) => readFileSync(join(WORKFLOW_DIR, file), "utf8");
const workflows = new Map(workflowFiles.map((f) => [f, parse(text(f)) as Workflow]));
const allJobs = [...workflows].flatMap(([file, wf]) =>
  Object.entries(wf.jobs).map(([id, job]) => ({ file, id, job, label: `${file}:${id}` })),
);

function workflow(file: string): Workflow {
  const wf = workflows.get(file);
  if (!wf) throw new Error(`.github/workflows/${file} is missing`);
  return wf;
}
function job(file: string, id: string): Job {
  const found = workflow(file).jobs[id];
  if (!found) throw new Error(`${file} has no job ${id}`);
  return found;
}
const needsOf = (j: Job) => (j.needs === undefined ? [] : [j.needs].flat());
const action = (step: Step) => step.uses?.split("@")[0];
const isAssumeRole = (step: Step) => action(step) === "aws-actions/configure-aws-credentials";
const stepIndex = (j: Job, match: (s: Step) => boolean) => {
  const index = j.steps.findIndex(match);
  if (index < 0) throw new Error("no such step");
  return index;
};

const { manifest, text: manifestText } = loadPipelineManifest();
const stacks = Object.entries(manifest.stacks) as [
  StackName,
  PipelineManifest["stacks"][StackName],
][];
const deployedStacks = stacks.filter(([, s]) => s.deploy !== null).map(([name]) => name);

/** Jobs by the stack they deploy (env STACK), for every job that runs in an environment. */
const deployJobs = new Map(
  allJobs.filter(({ job: j }) => j.environment !== undefined).map((e) => [e.job.env?.STACK, e]),
);

describe("workflow files", () => {
  it("are the pull-request and release workflows", () => {
    expect(workflowFiles).toEqual(["pull-request.yml", "release.yml"]);
  });

  it.each(workflowFiles)("%s is valid against the GitHub Actions workflow schema", (file) => {
    expect(validateWorkflow(text(file)).errors).toEqual([]);
  });

  it("the schema validator rejects a job with a misspelt environment and an unknown permission", () => {
    const broken = [
      "on: push",
      "jobs:",
      "  deploy:",
      "    runs-on: ubuntu-24.04",
      "    permissions: { id-token: maybe }",
      "    environment: { nmae: production }",
      "    steps: [{ run: 'true' }]",
    ].join("\n");
    expect(validateWorkflow(broken).errors).not.toEqual([]);
  });
});

describe("supply chain", () => {
  const usesLines = workflowFiles.flatMap((file) =>
    text(file)
      .split("\n")
      .filter((line) => /^\s*(-\s+)?uses:/.test(line))
      .map((line) => ({ file, line: line.trim() })),
  );

  it("every action is pinned to a full commit SHA with its version in a comment", () => {
    expect(usesLines.length).toBeGreaterThan(10);
    for (const { file, line } of usesLines) {
      expect(line, file).toMatch(/^(- )?uses: [\w.-]+\/[\w.-]+@[0-9a-f]{40} # v\d+\.\d+\.\d+$/);
    }
    // The parsed workflows agree with the lines read above: no `uses:` escaped the pattern.
    const parsedUses = allJobs.flatMap(({ job: j }) => j.steps.flatMap((s) => s.uses ?? []));
    expect(parsedUses).toHaveLength(usesLines.length);
  });

  it("each action is pinned to one commit and one version everywhere", () => {
    const pins = new Map<string, Set<string>>();
    for (const { line } of usesLines) {
      const [, name, pin] = /uses: ([^@]+)@(.+)$/.exec(line)!;
      pins.set(name!, (pins.get(name!) ?? new Set()).add(pin!));
    }
    for (const [name, pinned] of pins) expect([...pinned], name).toHaveLength(1);
  });

  it("no workflow holds an AWS account id, role ARN or secret", () => {
    for (const file of workflowFiles) {
      const source = text(file);
      expect(source, file).not.toMatch(/arn:aws:/);
      expect(source, file).not.toMatch(/\b\d{12}\b/);
      expect(source, file).not.toMatch(/secrets\.|aws-access-key-id|aws-secret-access-key/);
    }
  });
});

describe("permissions", () => {
  it("every workflow grants nothing at the top level", () => {
    for (const [file, wf] of workflows) expect(wf.permissions, file).toEqual({});
  });

  it("every job declares its permissions, at most contents: read and id-token: write", () => {
    for (const { label, job: j } of allJobs) {
      expect(j.permissions, label).toBeDefined();
      for (const [scope, level] of Object.entries(j.permissions ?? {})) {
        expect(`${scope}: ${level}`, label).toMatch(/^(contents: read|id-token: write)$/);
      }
    }
  });

  it("id-token: write is granted exactly to the jobs that assume an AWS role", () => {
    const withToken = allJobs.filter((e) => e.job.permissions?.["id-token"] === "write");
    const assuming = allJobs.filter((e) => e.job.steps.some(isAssumeRole));
    expect(withToken.map((e) => e.label)).toEqual(assuming.map((e) => e.label));
    expect(assuming.map((e) => e.label)).toEqual([
      "pull-request.yml:plan",
      "release.yml:build",
      "release.yml:deploy-staging",
      "release.yml:deploy-prod",
      "release.yml:promote",
    ]);
  });

  it("the plan job does not run for pull requests from forks, which get no OIDC token", () => {
    expect(job("pull-request.yml", "plan").if).toBe(
      "github.event.pull_request.head.repo.full_name == github.repository",
    );
  });
});

describe("roles come from the pipeline manifest", () => {
  const assumeSteps = allJobs.flatMap(({ label, job: j }) =>
    j.steps.filter(isAssumeRole).map((step) => ({ label, job: j, step })),
  );

  it("every assumed role, region and account is a step output, for one hour", () => {
    expect(assumeSteps).toHaveLength(5);
    for (const { label, job: j, step } of assumeSteps) {
      const from = /^\$\{\{ steps\.([\w-]+)\.outputs\.role-arn \}\}$/.exec(
        String(step.with?.["role-to-assume"]),
      );
      expect(from, label).not.toBeNull();
      const source = j.steps.find((s) => s.id === from![1]);
      expect(source?.run, label).toContain("cdktf.out/pipeline.json");
      expect(j.steps.indexOf(source!), label).toBeLessThan(j.steps.indexOf(step));
      expect(step.with, label).toMatchObject({
        "aws-region": `\${{ steps.${from![1]}.outputs.region }}`,
        "allowed-account-ids": `\${{ steps.${from![1]}.outputs.account }}`,
        "role-duration-seconds": 3600,
      });
    }
  });

  /**
   * Runs a job's manifest step as the runner would (bash -eo pipefail) in a workspace whose
   * cdktf.out/pipeline.json is the manifest; returns its exit status and what it wrote to
   * $GITHUB_OUTPUT.
   */
  const workspaces: string[] = [];
  afterAll(() => workspaces.forEach((w) => rmSync(w, { recursive: true, force: true })));
  function runManifestStep(j: Job, env: Record<string, string> = {}) {
    const step = j.steps.find((s) => s.id === "manifest");
    if (!step?.run) throw new Error("no manifest step");
    const workspace = mkdtempSync(join(tmpdir(), "workflow-"));
    workspaces.push(workspace);
    mkdirSync(join(workspace, "cdktf.out"));
    writeFileSync(join(workspace, "cdktf.out", "pipeline.json"), manifestText);
    const output = join(workspace, "github-output");
    writeFileSync(output, "");
    const result = spawnSync("bash", ["--noprofile", "--norc", "-eo", "pipefail", "-c", step.run], {
      cwd: workspace,
      encoding: "utf8",
      env: { PATH: process.env.PATH, ...j.env, ...env, GITHUB_OUTPUT: output },
    });
    if (result.error) throw new Error(`bash missing? ${result.error.message}`);
    const lines = readFileSync(output, "utf8").split("\n").filter(Boolean);
    const outputs: Record<string, string> = Object.fromEntries(
      lines.map((l) => [l.slice(0, l.indexOf("=")), l.slice(l.indexOf("=") + 1)]),
    );
    return { status: result.status, stderr: result.stderr, outputs };
  }
  /** The outputs of a manifest step that must succeed (jq is needed: apt-get install jq). */
  function manifestOutputs(j: Job, env: Record<string, string> = {}): Record<string, string> {
    const { status, stderr, outputs } = runManifestStep(j, env);
    expect(status, stderr).toBe(0);
    return outputs;
  }

  it("the plan job of each stack assumes that stack's plan role in its account", () => {
    const plan = job("pull-request.yml", "plan");
    for (const [name, stack] of stacks.filter(([, s]) => s.plan !== null)) {
      const out = manifestOutputs(plan, { STACK: name });
      expect(out["role-arn"]).toBe(stack.plan!.roleArn);
      expect(out.account).toBe(stack.account);
      expect(out.region).toBe(stack.region);
      expect(out["backend-config"]).toMatch(
        new RegExp(`/cdktf\\.out/${stack.plan!.backendConfigFile}$`),
      );
      expect(out["var-file"]).toMatch(new RegExp(`/cdktf\\.out/${stack.plan!.varFile}$`));
      expect(out.directory).toMatch(new RegExp(`/cdktf\\.out/${stack.directory}$`));
    }
  });

  it("each deploy job assumes its stack's deploy role in its account", () => {
    for (const name of deployedStacks) {
      const entry = deployJobs.get(name);
      expect(entry, `a deploy job for ${name}`).toBeDefined();
      const out = manifestOutputs(entry!.job);
      expect(out["role-arn"]).toBe(manifest.stacks[name].deploy!.roleArn);
      expect(out.account).toBe(manifest.stacks[name].account);
    }
  });

  it("the build and promote jobs assume the publish role in the registry's account", () => {
    for (const id of ["build", "promote"]) {
      const out = manifestOutputs(job("release.yml", id));
      expect(out["role-arn"], id).toBe(manifest.image.publishRoleArn);
      expect(out.account, id).toBe(manifest.image.registry.split(".")[0]);
      expect(out.region, id).toBe(manifest.image.region);
      expect(out["repository-name"], id).toBe(manifest.image.repositoryName);
    }
    expect(manifestOutputs(job("release.yml", "promote"))["promoted-tag-prefix"]).toBe(
      manifest.image.promotedTagPrefix,
    );
  });

  it("a deploy job refuses a manifest that names another environment for its stack", () => {
    const staging = deployJobs.get("staging")!.job;
    const { status, stderr, outputs } = runManifestStep(staging, { DEPLOY_ENVIRONMENT: "qa" });
    expect(status).not.toBe(0);
    expect(stderr + JSON.stringify(outputs)).not.toContain("role-arn");
  });
});

describe("pull requests", () => {
  it("plan every stack that has a plan section and validate the others without AWS", () => {
    const planned = stacks.filter(([, s]) => s.plan !== null).map(([name]) => name);
    expect(job("pull-request.yml", "plan").strategy?.matrix?.stack).toEqual(planned);
    expect(stacks.filter(([, s]) => s.plan === null).map(([name]) => name)).toEqual(["state"]);
    const validate = job("pull-request.yml", "validate-state");
    expect(validate.permissions).toEqual({});
    expect(validate.steps.map((s) => s.run ?? "").join("\n")).toMatch(
      /terraform init -backend=false[\s\S]*terraform validate/,
    );
  });

  it("plan with the plan backend, the plan variables and a lock timeout", () => {
    const plan = job("pull-request.yml", "plan");
    const runs = plan.steps.map((s) => s.run ?? "").join("\n");
    expect(runs).toContain('terraform init -input=false -backend-config="$BACKEND_CONFIG"');
    expect(runs).toContain("-lock-timeout=5m");
    expect(runs).toContain('-var-file="$VAR_FILE"');
    expect(runs).toContain("terraform output -raw image_tag");
  });

  it("build and scan the image without pushing it", () => {
    const image = job("pull-request.yml", "image");
    const build = image.steps.find((s) => action(s) === "docker/build-push-action");
    expect(build?.with).toMatchObject({ push: false, load: true });
    const scan = image.steps.find((s) => action(s) === "aquasecurity/trivy-action");
    expect(scan?.with).toMatchObject({
      severity: "HIGH,CRITICAL",
      "ignore-unfixed": true,
      "exit-code": "1",
    });
    expect(image.steps.some((s) => s.run?.includes("docker push"))).toBe(false);
  });

  it("Terraform is 1.11.4 without the wrapper wherever it is set up", () => {
    const setups = allJobs.flatMap(({ job: j }) =>
      j.steps.filter((s) => action(s) === "hashicorp/setup-terraform"),
    );
    expect(setups).toHaveLength(4);
    for (const s of setups) {
      expect(s.with).toEqual({ terraform_version: "1.11.4", terraform_wrapper: false });
    }
  });
});

describe("releases", () => {
  it("run on pushes to the release branch", () => {
    expect(workflow("release.yml").on).toEqual({
      push: { branches: [manifest.github.releaseBranch] },
    });
  });

  it("scan the image before anything is pushed, and fail on fixable HIGH or CRITICAL", () => {
    const build = job("release.yml", "build");
    const scan = stepIndex(build, (s) => action(s) === "aquasecurity/trivy-action");
    expect(build.steps[scan]!.with).toMatchObject({
      severity: "HIGH,CRITICAL",
      "ignore-unfixed": true,
      "exit-code": "1",
    });
    const built = stepIndex(build, (s) => action(s) === "docker/build-push-action");
    expect(build.steps[built]!.with).toMatchObject({ push: false, load: true });
    expect(built).toBeLessThan(scan);
    expect(scan).toBeLessThan(stepIndex(build, isAssumeRole));
    expect(scan).toBeLessThan(stepIndex(build, (s) => !!s.run?.includes("docker push")));
  });

  it("skip the push when the tag exists (immutable tags) instead of failing", () => {
    const push = job("release.yml", "build").steps.find((s) => s.run?.includes("docker push"))!;
    expect(push.run).toMatch(/describe-images[\s\S]*if tag_exists; then[\s\S]*docker push/);
  });

  it("deploy in the GitHub environments the manifest's deploy roles trust", () => {
    expect([...deployJobs.keys()].sort()).toEqual([...deployedStacks].sort());
    for (const name of deployedStacks) {
      const { label, job: j } = deployJobs.get(name)!;
      const expected = manifest.stacks[name].deploy!.githubEnvironment;
      expect(j.environment, label).toEqual({
        name: expected,
        url: "${{ steps.service.outputs.url }}",
      });
      expect(j.env?.DEPLOY_ENVIRONMENT, label).toBe(expected);
    }
  });

  it("never run two deploys of one environment at once, nor cancel one", () => {
    const groups = new Set<string>();
    for (const name of deployedStacks) {
      const { label, job: j } = deployJobs.get(name)!;
      expect(j.concurrency, label).toEqual({
        group: `deploy-${name}`,
        "cancel-in-progress": false,
      });
      groups.add(`deploy-${name}`);
    }
    expect(groups.size).toBe(deployedStacks.length);
  });

  it("deploy prod only after staging, with the image tag the build pushed", () => {
    const prod = job("release.yml", "deploy-prod");
    const staging = job("release.yml", "deploy-staging");
    expect(needsOf(prod)).toContain("deploy-staging");
    expect(needsOf(staging)).toContain("build");
    expect(needsOf(job("release.yml", "promote"))).toContain("deploy-prod");
    const built = job("release.yml", "build").env?.IMAGE_TAG;
    expect(built).toBe("${{ github.sha }}");
    expect(staging.env?.IMAGE_TAG).toBe(built);
    expect(prod.env?.IMAGE_TAG).toBe(built);
    expect(job("release.yml", "promote").env?.IMAGE_TAG).toBe(built);
  });

  it("deploy prod with exactly the steps that deployed staging", () => {
    expect(job("release.yml", "deploy-prod").steps).toEqual(
      job("release.yml", "deploy-staging").steps,
    );
  });

  it("plan, apply that plan, then smoke-test the service", () => {
    const deploy = job("release.yml", "deploy-staging");
    const runs = deploy.steps.map((s) => s.run ?? "");
    const at = (pattern: RegExp) => runs.findIndex((r) => pattern.test(r));
    expect(at(/terraform plan .*-var "image_tag=\$IMAGE_TAG" -out=tfplan/)).toBeGreaterThan(-1);
    expect(at(/terraform plan /)).toBeLessThan(at(/terraform apply .*tfplan/));
    expect(at(/terraform apply /)).toBeLessThan(at(/\/health/));
    expect(runs[at(/\/health/)]).toContain("/ready");
  });
});

describe("plan summaries", () => {
  /** The job-summary step of a job, run against a fake `terraform show` printing `plan`. */
  function summaryOf(j: Job, plan: string): string {
    const step = j.steps.find((s) => s.name === "plan summary");
    if (!step?.run) throw new Error("no plan summary step");
    const dir = mkdtempSync(join(tmpdir(), "plan-summary-"));
    try {
      mkdirSync(join(dir, "bin"));
      writeFileSync(join(dir, "terraform-show.txt"), plan);
      writeFileSync(
        join(dir, "bin", "terraform"),
        `#!/bin/sh\ncat "${join(dir, "terraform-show.txt")}"\n`,
      );
      chmodSync(join(dir, "bin", "terraform"), 0o755);
      const summary = join(dir, "summary.md");
      const result = spawnSync(
        "bash",
        ["--noprofile", "--norc", "-eo", "pipefail", "-c", step.run],
        {
          cwd: dir,
          encoding: "utf8",
          env: {
            PATH: `${join(dir, "bin")}:${process.env.PATH}`,
            ...j.env,
            STACK: "staging",
            IMAGE_TAG: "0123456",
            NOTE: "image_tag 0123456",
            RUNNER_TEMP: dir,
            GITHUB_STEP_SUMMARY: summary,
          },
        },
      );
      expect(result.status, result.stderr).toBe(0);
      return readFileSync(summary, "utf8");
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  }
  const summaryJobs = [job("pull-request.yml", "plan"), job("release.yml", "deploy-staging")];
  const samplePlan = [
    "  # aws_ecs_service.app will be updated in-place",
    '  ~ resource "aws_ecs_service" "app" {',
    '      ~ task_definition = "app:1" -> (known after apply)',
    "    }",
    "",
    "  # aws_ecs_task_definition.app must be replaced",
    '-/+ resource "aws_ecs_task_definition" "app" {',
    '      + image = "repo:0123456"',
    '      - image = "repo:fedcba9"',
    "    }",
    "",
    "Plan: 1 to add, 1 to change, 1 to destroy.",
    "",
  ].join("\n");

  it.each(summaryJobs.map((j, i) => [i === 0 ? "pull request" : "deploy", j] as const))(
    "show the %s plan collapsed, with diff markers first on the line",
    (_, j) => {
      const summary = summaryOf(j, samplePlan);
      expect(summary).toContain(
        "<details><summary>Plan: 1 to add, 1 to change, 1 to destroy.</summary>",
      );
      expect(summary).toContain('!   resource "aws_ecs_service" "app" {');
      expect(summary).toContain('!-/+ resource "aws_ecs_task_definition" "app" {');
      expect(summary).toContain('+       image = "repo:0123456"');
      expect(summary).toContain('-       image = "repo:fedcba9"');
      expect(summary).not.toContain("Truncated");
      expect(summary.trimEnd().endsWith("</details>")).toBe(true);
    },
  );

  it("truncate a plan too big for a step summary at a line, below 1 MiB, and say so", () => {
    const line = '      + tags = { "Name" = "a-long-enough-value-to-fill-the-summary-quickly" }\n';
    const huge = `Plan: 5000 to add, 0 to change, 0 to destroy.\n${line.repeat(40_000)}`;
    for (const j of summaryJobs) {
      const summary = summaryOf(j, huge);
      expect(Buffer.byteLength(summary)).toBeLessThan(1024 * 1024);
      expect(summary).toMatch(/\*\*Truncated:\*\* the plan is \d+ bytes/);
      // The headline, then whole lines only: the cut line is dropped, not left half.
      const body = summary.slice(summary.indexOf("````diff\n") + 9, summary.lastIndexOf("````"));
      const lines = body.split("\n");
      expect(lines[0]).toBe("Plan: 5000 to add, 0 to change, 0 to destroy.");
      expect(lines.at(-1)).toBe("");
      expect(new Set(lines.slice(1, -1))).toEqual(new Set([lines[1]]));
      expect(summary.match(/^````/gm)).toHaveLength(2);
    }
  });
});
