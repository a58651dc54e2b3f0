/**
 * The GitHub Actions workflows: valid against the workflow schema, every action pinned, least
 * privilege per job, every AWS role read from the pipeline manifest (cdktf.out/pipeline.json, or
 * its fixture before a synth), and so is every list of stacks: the plan matrix and the deploy
 * matrices come from the manifest, no environment is named in .github. Deploys run in the
 * environments the deploy roles trust, one at a time, every non-production environment before
 * every production one, with the same image, the image scanned before it is pushed. Some steps'
 * shell scripts are run here as well, with bash and jq, against the manifest.
 *
 * The jobs are checked as they run (`runningJobs`): a matrix is expanded into its legs, a matrix
 * read with `fromJSON(needs.<job>.outputs.<name>)` by running that job's step against the
 * manifest; a call of the reusable workflow deploy.yml is followed into the called job, the
 * caller's inputs substituted. The local composite action .github/actions/plan-summary is
 * validated against the action schema, pinned like the workflows, and run as the jobs call it.
 */
import { validateAction, validateWorkflow } from "@action-validator/core";
import {
  chmodSync,
  existsSync,
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
  FIXTURE_MANIFEST,
  loadPipelineManifest,
  PipelineManifest,
  REPOSITORY_ROOT,
} from "./pipeline-manifest";
import { runAsRunner } from "./runner-shell";

interface Step {
  id?: string;
  name?: string;
  uses?: string;
  run?: string;
  shell?: string;
  with?: Record<string, string | number | boolean>;
  env?: Record<string, string>;
  "working-directory"?: string;
}

/** A job as written: with steps, or (`uses:`) a call of a reusable workflow. */
interface Job {
  name?: string;
  needs?: string | string[];
  if?: string;
  "timeout-minutes"?: number;
  permissions?: Record<string, string>;
  environment?: string | { name: string; url?: string };
  concurrency?: string | { group: string; "cancel-in-progress"?: boolean };
  strategy?: { "fail-fast"?: boolean; matrix?: Record<string, unknown> };
  outputs?: Record<string, string>;
  env?: Record<string, string>;
  "runs-on"?: string;
  uses?: string;
  with?: Record<string, string | number | boolean>;
  steps?: Step[];
}

interface WorkflowCallInput {
  description?: string;
  type: string;
  required?: boolean;
  default?: string | number | boolean;
}

interface Workflow {
  on: Record<string, unknown> & { workflow_call?: { inputs?: Record<string, WorkflowCallInput> } };
  permissions?: unknown;
  defaults?: unknown;
  env?: Record<string, string>;
  jobs: Record<string, Job>;
}

interface CompositeAction {
  name: string;
  inputs?: Record<string, { description?: string; required?: boolean; default?: string }>;
  runs: { using: string; steps: Step[] };
}

const GITHUB_DIR = join(REPOSITORY_ROOT, ".github");
const WORKFLOW_DIR = join(GITHUB_DIR, "workflows");
const ACTIONS_DIR = join(GITHUB_DIR, "actions");
const workflowFiles = readdirSync(WORKFLOW_DIR)
  .filter((f) => /\.ya?ml$/.test(f))
  .sort();
/** Local composite actions, by directory name (.github/actions/<name>/action.yml). */
const actionNames = existsSync(ACTIONS_DIR) ? readdirSync(ACTIONS_DIR).sort() : [];
const actionPath = (name: string) => join(ACTIONS_DIR, name, "action.yml");
const text = (file: string) => readFileSync(join(WORKFLOW_DIR, file), "utf8");
const workflows = new Map(workflowFiles.map((f) => [f, parse(text(f)) as Workflow]));
const actions = new Map(
  actionNames.map((n) => [n, parse(readFileSync(actionPath(n), "utf8")) as CompositeAction]),
);
/** Every file the runner reads from .github, by its path in the repository, with its text. */
const sourceFiles = [
  ...workflowFiles.map((f) => ({ file: `.github/workflows/${f}`, source: text(f) })),
  ...actionNames.map((n) => ({
    file: `.github/actions/${n}/action.yml`,
    source: readFileSync(actionPath(n), "utf8"),
  })),
];

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
const stepsOf = (j: Job) => j.steps ?? [];
const action = (step: Step) => step.uses?.split("@")[0];
const isAssumeRole = (step: Step) => action(step) === "aws-actions/configure-aws-credentials";
const stepIndex = (j: Job, match: (s: Step) => boolean) => {
  const index = stepsOf(j).findIndex(match);
  if (index < 0) throw new Error("no such step");
  return index;
};

/**
 * Substitutes `${{ a.b.c }}` where `a` is a key of `context`; other expressions are left as they
 * are when `partial`, else they throw. Enough for `inputs.*`, `env.*`, `matrix.*`, `steps.*`.
 */
function evaluate(value: string, context: Record<string, unknown>, partial = false): string {
  return value.replace(/\$\{\{\s*([\w.-]+)\s*\}\}/g, (whole, path: string) => {
    if (!(path.split(".")[0]! in context)) {
      if (partial) return whole;
      throw new Error(`no context for ${whole}`);
    }
    const found = path
      .split(".")
      .reduce<unknown>((v, key) => (v as Record<string, unknown> | undefined)?.[key], context);
    if (found === undefined) throw new Error(`${whole} is undefined`);
    return String(found);
  });
}
/** A copy of `value` with every string evaluated (see `evaluate`). */
function evaluateAll<T>(value: T, context: Record<string, unknown>, partial = false): T {
  if (typeof value === "string") return evaluate(value, context, partial) as T;
  if (Array.isArray(value)) return value.map((v) => evaluateAll(v, context, partial)) as T;
  if (value !== null && typeof value === "object") {
    return Object.fromEntries(
      Object.entries(value).map(([k, v]) => [k, evaluateAll(v, context, partial)]),
    ) as T;
  }
  return value;
}

const REUSABLE = /^\.\/\.github\/workflows\/([\w.-]+\.ya?ml)$/;
/** The inputs a job calling a reusable workflow passes: its `with`, then the defaults. */
function callInputs(caller: Job, called: Workflow): Record<string, string | number | boolean> {
  const declared = called.on.workflow_call?.inputs ?? {};
  const given = caller.with ?? {};
  for (const name of Object.keys(given)) {
    if (!(name in declared)) throw new Error(`${caller.uses} has no input ${name}`);
  }
  return Object.fromEntries(
    Object.entries(declared).map(([name, input]) => {
      const value = given[name] ?? input.default;
      if (value === undefined) throw new Error(`${caller.uses} needs input ${name}`);
      return [name, value];
    }),
  );
}

const { manifest, text: manifestText } = loadPipelineManifest();
const stacks = Object.entries(manifest.stacks);
const deployedStacks = stacks.filter(([, s]) => s.deploy !== null).map(([name]) => name);
const releaseTargets = [...manifest.release.nonProduction, ...manifest.release.production];

/**
 * Runs a step's script as the runner would (bash -eo pipefail, the job's env and `env`) in a
 * workspace whose cdktf.out/pipeline.json is `text` (the manifest read, unless given); returns its
 * exit status and what it wrote to $GITHUB_OUTPUT. jq is needed: apt-get install jq. A script
 * reads nothing but those, so the same script, env and manifest run once per file: a quarter of
 * the runs repeated one (each jq in them costs 30 ms of CPU to start).
 */
const workspaces: string[] = [];
afterAll(() => workspaces.forEach((w) => rmSync(w, { recursive: true, force: true })));
const stepRuns = new Map<string, ReturnType<typeof runStepOnce>>();
function runStep(step: Step | undefined, jobEnv: Record<string, string>, text = manifestText) {
  const key = JSON.stringify([step?.run, jobEnv, text]);
  const result = stepRuns.get(key) ?? runStepOnce(step, jobEnv, text);
  stepRuns.set(key, result);
  return structuredClone(result);
}
function runStepOnce(step: Step | undefined, jobEnv: Record<string, string>, text: string) {
  if (!step?.run) throw new Error("no such step with a script");
  const workspace = mkdtempSync(join(tmpdir(), "workflow-"));
  workspaces.push(workspace);
  mkdirSync(join(workspace, "cdktf.out"));
  writeFileSync(join(workspace, "cdktf.out", "pipeline.json"), text);
  const output = join(workspace, "github-output");
  writeFileSync(output, "");
  const result = runAsRunner(step.run, {
    cwd: workspace,
    env: { PATH: process.env.PATH, ...jobEnv, GITHUB_OUTPUT: output },
  });
  const lines = readFileSync(output, "utf8").split("\n").filter(Boolean);
  const outputs: Record<string, string> = Object.fromEntries(
    lines.map((l) => [l.slice(0, l.indexOf("=")), l.slice(l.indexOf("=") + 1)]),
  );
  return { status: result.status, stderr: result.stderr, outputs };
}
/** Runs a job's step `manifest` (see `runStep`). */
function runManifestStep(j: Job, env: Record<string, string> = {}, text = manifestText) {
  return runStep(
    stepsOf(j).find((s) => s.id === "manifest"),
    { ...j.env, ...env },
    text,
  );
}
/** The outputs of a manifest step that must succeed. */
function manifestOutputs(
  j: Job,
  env: Record<string, string> = {},
  text = manifestText,
): Record<string, string> {
  const { status, stderr, outputs } = runManifestStep(j, env, text);
  expect(status, stderr).toBe(0);
  return outputs;
}

const FROM_JOB_OUTPUT = /^\$\{\{\s*fromJSON\(needs\.([\w-]+)\.outputs\.([\w-]+)\)\s*\}\}$/;
const STEP_OUTPUT = /^\$\{\{\s*steps\.([\w-]+)\.outputs\.([\w-]+)\s*\}\}$/;
/**
 * The legs of a job's matrix (one dimension only), or undefined without a matrix: a list as
 * written, or `${{ fromJSON(needs.<job>.outputs.<name>) }}` with that job's output computed by
 * running the step that writes it against the manifest `text`.
 */
function matrixLegs(file: string, j: Job, text: string): Record<string, unknown>[] | undefined {
  const matrix = j.strategy?.matrix;
  if (matrix === undefined) return undefined;
  const dimensions = Object.entries(matrix);
  if (dimensions.length !== 1) throw new Error(`${file}: a matrix of one dimension is expected`);
  const [key, value] = dimensions[0]!;
  let values: unknown = value;
  if (!Array.isArray(value)) {
    const [, needed, output] = FROM_JOB_OUTPUT.exec(String(value)) ?? [];
    if (!needed || !output) throw new Error(`${file}: matrix ${key} is ${String(value)}`);
    if (!needsOf(j).includes(needed)) throw new Error(`${file}: ${needed} is not needed`);
    const source = job(file, needed);
    const [, stepId, stepOutput] = STEP_OUTPUT.exec(source.outputs?.[output] ?? "") ?? [];
    if (!stepId || !stepOutput) throw new Error(`${file}:${needed} has no step output ${output}`);
    const step = stepsOf(source).find((s) => s.id === stepId);
    const { status, stderr, outputs } = runStep(step, source.env ?? {}, text);
    if (status !== 0) throw new Error(`${file}:${needed}, step ${stepId}, failed: ${stderr}`);
    values = JSON.parse(outputs[stepOutput] ?? "null");
  }
  if (!Array.isArray(values) || values.length === 0) {
    throw new Error(`${file}: matrix ${key} is not a non-empty list`);
  }
  return values.map((v: unknown) => ({ [key]: v }));
}
/** How a leg is labelled: its one value, or that value's `stack`. */
function legName(leg: Record<string, unknown>): string {
  const value = Object.values(leg)[0];
  if (typeof value === "string") return value;
  const stack = (value as { stack?: unknown } | null)?.stack;
  return typeof stack === "string" ? stack : JSON.stringify(value);
}

/**
 * The jobs that run, as they run: each job of a workflow some event triggers, one per leg of its
 * matrix (labelled `<file>:<job> (<leg>)`, `matrix.*` substituted), and for a job that calls a
 * local reusable workflow (`uses: ./.github/workflows/…`), the called workflow's jobs with the
 * caller's inputs substituted (labelled by the caller; `/<job>` added when it has several).
 */
interface RunningJob {
  file: string;
  id: string;
  label: string;
  job: Job;
  /** The calling job as written, for a job of a reusable workflow. */
  caller?: { file: string; id: string; job: Job };
}
const triggered = [...workflows].filter(([, wf]) =>
  Object.keys(wf.on).some((event) => event !== "workflow_call"),
);
/** The running jobs with `text` as the pipeline manifest (the one read, unless given). */
function runningJobsFor(text = manifestText): RunningJob[] {
  return triggered.flatMap(([file, wf]) =>
    Object.entries(wf.jobs).flatMap(([id, written]) =>
      (matrixLegs(file, written, text) ?? [undefined]).flatMap((matrix): RunningJob[] => {
        const j = matrix === undefined ? written : evaluateAll(written, { matrix }, true);
        const label = `${file}:${id}${matrix === undefined ? "" : ` (${legName(matrix)})`}`;
        if (j.uses === undefined) return [{ file, id, job: j, label }];
        const calledFile = REUSABLE.exec(j.uses)?.[1];
        if (!calledFile) throw new Error(`${file}:${id} calls ${j.uses}, not a local workflow`);
        const called = workflow(calledFile);
        const inputs = callInputs(j, called);
        const calledJobs = Object.entries(called.jobs);
        return calledJobs.map(([calledId, calledJob]) => ({
          file: calledFile,
          id: calledId,
          job: evaluateAll(calledJob, { inputs }, true),
          label: `${label}${calledJobs.length > 1 ? `/${calledId}` : ""}`,
          caller: { file, id, job: written },
        }));
      }),
    ),
  );
}
const runningJobs = runningJobsFor();
function runningJob(label: string): Job {
  const found = runningJobs.find((e) => e.label === label);
  if (!found) throw new Error(`no running job ${label}`);
  return found.job;
}
/** Every job as written in every workflow file, callers and called workflows' jobs included. */
const fileJobs = [...workflows].flatMap(([file, wf]) =>
  Object.entries(wf.jobs).map(([id, j]) => ({ file, id, job: j, label: `${file}:${id}` })),
);

/** The labels of the legs the manifest asks for, in its order. */
const planLabels = manifest.planStacks.map((stack) => `pull-request.yml:plan (${stack})`);
const nonProductionLabels = manifest.release.nonProduction.map(
  (t) => `release.yml:deploy-non-production (${t.stack})`,
);
const productionLabels = manifest.release.production.map(
  (t) => `release.yml:deploy-production (${t.stack})`,
);
const deployLabels = [...nonProductionLabels, ...productionLabels];

/** Running jobs by the stack they deploy (env STACK), for every job that runs in an environment. */
const deployJobs = new Map(
  runningJobs.filter(({ job: j }) => j.environment !== undefined).map((e) => [e.job.env?.STACK, e]),
);

describe("workflow files", () => {
  it("are the pull-request and release workflows, and the deploy workflow release calls", () => {
    expect(workflowFiles).toEqual(["deploy.yml", "pull-request.yml", "release.yml"]);
    expect(triggered.map(([file]) => file)).toEqual(["pull-request.yml", "release.yml"]);
  });

  it("the local actions are the plan summary", () => {
    expect(actionNames).toEqual(["plan-summary"]);
  });

  it.each(workflowFiles)("%s is valid against the GitHub Actions workflow schema", (file) => {
    expect(validateWorkflow(text(file)).errors).toEqual([]);
  });

  it.each(actionNames)("actions/%s is valid against the GitHub Actions action schema", (name) => {
    expect(validateAction(readFileSync(actionPath(name), "utf8")).errors).toEqual([]);
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

  it("the action schema validator rejects a composite step without a shell", () => {
    const broken = [
      "name: x",
      "description: x",
      "runs:",
      "  using: composite",
      "  steps: [{ run: 'true' }]",
    ].join("\n");
    expect(validateAction(broken).errors).not.toEqual([]);
  });

  it("every workflow runs its scripts with bash and the caller's Terraform settings", () => {
    // A called workflow inherits neither the caller's `defaults` nor its `env`.
    const release = workflow("release.yml");
    for (const [file, wf] of workflows) {
      expect(wf.defaults, file).toEqual({ run: { shell: "bash" } });
      for (const [name, value] of Object.entries(release.env ?? {})) {
        if (!name.startsWith("npm_config_")) expect(wf.env?.[name], `${file} ${name}`).toBe(value);
      }
    }
    for (const [name, a] of actions) {
      for (const step of a.runs.steps.filter((s) => s.run !== undefined)) {
        expect(step.shell, name).toBe("bash");
      }
    }
  });

  it("every job runs on ubuntu-24.04, and the tests run its steps' scripts with that image's jq, 1.7.1", () => {
    for (const [file, wf] of workflows) {
      for (const [id, j] of Object.entries(wf.jobs)) {
        if (j.uses === undefined) expect(j["runs-on"], `${file} ${id}`).toBe("ubuntu-24.04");
      }
    }
    const jq = runAsRunner("jq --version", { cwd: tmpdir(), env: { PATH: process.env.PATH } });
    expect(jq.stdout.trim()).toBe("jq-1.7.1");
  });
});

describe("supply chain", () => {
  const usesLines = sourceFiles.flatMap(({ file, source }) =>
    source
      .split("\n")
      .filter((line) => /^\s*(-\s+)?uses:/.test(line))
      .map((line) => ({ file, line: line.trim() })),
  );
  const isLocal = (line: string) => /^(- )?uses: \.\//.test(line);
  const remoteLines = usesLines.filter(({ line }) => !isLocal(line));

  it("every action is pinned to a full commit SHA with its version in a comment", () => {
    expect(remoteLines.length).toBeGreaterThan(10);
    for (const { file, line } of remoteLines) {
      expect(line, file).toMatch(/^(- )?uses: [\w.-]+\/[\w.-]+@[0-9a-f]{40} # v\d+\.\d+\.\d+$/);
    }
    // The parsed files agree with the lines read above: no `uses:` escaped the pattern.
    const parsedUses = [
      ...fileJobs.flatMap(({ job: j }) => [j.uses ?? [], stepsOf(j).flatMap((s) => s.uses ?? [])]),
      ...[...actions.values()].flatMap((a) => a.runs.steps.flatMap((s) => s.uses ?? [])),
    ].flat();
    expect(parsedUses).toHaveLength(usesLines.length);
  });

  it("local workflows and actions are this commit's files, referenced without a ref", () => {
    const local = usesLines.filter(({ line }) => isLocal(line));
    expect(local.map(({ file }) => file).sort()).toEqual([
      ".github/workflows/deploy.yml",
      ".github/workflows/pull-request.yml",
      ".github/workflows/release.yml",
      ".github/workflows/release.yml",
    ]);
    for (const { file, line } of local) {
      const [, target] = /uses: (\S+)$/.exec(line)!;
      const workflowFile = REUSABLE.exec(target!)?.[1];
      const actionName = /^\.\/\.github\/actions\/([\w.-]+)$/.exec(target!)?.[1];
      expect(workflowFile ?? actionName, `${file}: ${line}`).toBeDefined();
      if (workflowFile) expect(workflowFiles, line).toContain(workflowFile);
      if (actionName) expect(actionNames, line).toContain(actionName);
    }
  });

  it("each action is pinned to one commit and one version everywhere", () => {
    const pins = new Map<string, Set<string>>();
    for (const { line } of remoteLines) {
      const [, name, pin] = /uses: ([^@]+)@(.+)$/.exec(line)!;
      pins.set(name!, (pins.get(name!) ?? new Set()).add(pin!));
    }
    for (const [name, pinned] of pins) expect([...pinned], name).toHaveLength(1);
  });

  it("every job runs the Node of .nvmrc, the one the service image and the engines name", () => {
    const version = readFileSync(join(REPOSITORY_ROOT, ".nvmrc"), "utf8").trim();
    expect(version).toMatch(/^\d+\.\d+\.\d+$/);
    const setupNode = fileJobs.flatMap(({ file, job: j }) =>
      stepsOf(j)
        .filter((s) => action(s) === "actions/setup-node")
        .map((s) => ({ file, with: s.with })),
    );
    expect(setupNode.length).toBeGreaterThan(0);
    for (const step of setupNode) {
      expect(step.with, step.file).toMatchObject({ "node-version-file": ".nvmrc" });
      expect(step.with, step.file).not.toHaveProperty("node-version");
    }
    const dockerfile = readFileSync(join(REPOSITORY_ROOT, "service", "Dockerfile"), "utf8");
    expect(/^ARG NODE_IMAGE=node:(\S+)-bookworm-slim$/m.exec(dockerfile)?.[1]).toBe(version);
    const major = Number(version.split(".")[0]);
    for (const dir of [REPOSITORY_ROOT, join(REPOSITORY_ROOT, "service")]) {
      const engines = JSON.parse(readFileSync(join(dir, "package.json"), "utf8")) as {
        engines: { node: string };
      };
      expect(engines.engines.node, dir).toBe(`>=${major}`);
    }
  });

  it("no workflow or action holds an AWS account id, role ARN or secret", () => {
    for (const { file, source } of sourceFiles) {
      expect(source, file).not.toMatch(/arn:aws:/);
      expect(source, file).not.toMatch(/\b\d{12}\b/);
      expect(source, file).not.toMatch(/secrets\.|aws-access-key-id|aws-secret-access-key/);
    }
  });

  it("a local action's scripts take its inputs through env, never through ${{ }}", () => {
    for (const [name, a] of actions) {
      for (const step of a.runs.steps) expect(step.run ?? "", name).not.toContain("${{");
    }
  });

  it("checkouts keep no credentials, and come before the artifact and any local action", () => {
    for (const { label, job: j } of fileJobs) {
      const steps = stepsOf(j);
      const checkout = steps.findIndex((s) => action(s) === "actions/checkout");
      for (const s of steps.filter((s) => action(s) === "actions/checkout")) {
        // No credentials kept; a second checkout may only name the base commit and its own path.
        const { ref, path, ...rest } = (s.with ?? {}) as Record<string, unknown>;
        expect(rest, label).toEqual({ "persist-credentials": false });
        if (ref !== undefined || path !== undefined) {
          expect({ ref, path }, label).toEqual({
            ref: "${{ github.event.pull_request.base.sha }}",
            path: ".base",
          });
        }
      }
      steps.forEach((s, index) => {
        if (s.uses?.startsWith("./") || action(s) === "actions/download-artifact") {
          if (s.uses?.startsWith("./")) expect(checkout, `${label}: ${s.uses}`).toBeGreaterThan(-1);
          if (checkout > -1) expect(checkout, `${label}: ${s.uses}`).toBeLessThan(index);
        }
      });
    }
  });
});

describe("permissions", () => {
  it("every workflow grants nothing at the top level", () => {
    for (const [file, wf] of workflows) expect(wf.permissions, file).toEqual({});
  });

  it("every job declares its permissions, at most contents: read and id-token: write (actions: read: the production guards alone)", () => {
    for (const { label, job: j } of fileJobs) {
      expect(j.permissions, label).toBeDefined();
      for (const [scope, level] of Object.entries(j.permissions ?? {})) {
        // Reading a GitHub environment's protection rules through the REST API needs actions: read.
        const allowed =
          label === "release.yml:production-guards"
            ? /^actions: read$/
            : /^(contents: read|id-token: write)$/;
        expect(`${scope}: ${level}`, label).toMatch(allowed);
      }
    }
  });

  it("a job calling a reusable workflow grants exactly what the called jobs ask for", () => {
    const callers = fileJobs.filter((e) => e.job.uses !== undefined);
    expect(callers.map((e) => e.label)).toEqual([
      "release.yml:deploy-non-production",
      "release.yml:deploy-production",
    ]);
    for (const { label, job: caller } of callers) {
      const called = runningJobs.filter((e) => e.caller?.job === caller);
      expect(called.length, label).toBeGreaterThan(0);
      const asked: Record<string, string> = {};
      for (const { job: j } of called) {
        // A called job can only narrow what its caller grants.
        expect(caller.permissions, label).toMatchObject(j.permissions ?? {});
        Object.assign(asked, j.permissions);
      }
      expect(caller.permissions, label).toEqual(asked);
    }
  });

  it("id-token: write is granted exactly to the jobs that assume an AWS role", () => {
    const withToken = runningJobs.filter((e) => e.job.permissions?.["id-token"] === "write");
    const assuming = runningJobs.filter((e) => stepsOf(e.job).some(isAssumeRole));
    expect(withToken.map((e) => e.label)).toEqual(assuming.map((e) => e.label));
    expect(assuming.map((e) => e.label)).toEqual([
      ...planLabels,
      "release.yml:build",
      ...deployLabels,
      "release.yml:mark",
    ]);
  });

  it("contents: read is granted exactly to the jobs that check the repository out", () => {
    const reading = runningJobs.filter((e) => e.job.permissions?.contents === "read");
    const checkingOut = runningJobs.filter((e) =>
      stepsOf(e.job).some((s) => action(s) === "actions/checkout"),
    );
    expect(reading.map((e) => e.label)).toEqual(checkingOut.map((e) => e.label));
  });

  it("the plan job does not run for pull requests from forks, which get no OIDC token", () => {
    expect(job("pull-request.yml", "plan").if).toBe(
      "github.event.pull_request.head.repo.full_name == github.repository",
    );
  });
});

describe("roles come from the pipeline manifest", () => {
  const assumeSteps = runningJobs.flatMap(({ label, job: j }) =>
    stepsOf(j)
      .filter(isAssumeRole)
      .map((step) => ({ label, job: j, step })),
  );

  it("every assumed role, region and account is a step output, for one hour (a deploy: two)", () => {
    expect(assumeSteps).toHaveLength(planLabels.length + deployLabels.length + 2);
    for (const { label, job: j, step } of assumeSteps) {
      const from = /^\$\{\{ steps\.([\w-]+)\.outputs\.role-arn \}\}$/.exec(
        String(step.with?.["role-to-assume"]),
      );
      expect(from, label).not.toBeNull();
      const source = stepsOf(j).find((s) => s.id === from![1]);
      expect(source?.run, label).toContain("cdktf.out/pipeline.json");
      expect(stepsOf(j).indexOf(source!), label).toBeLessThan(stepsOf(j).indexOf(step));
      expect(step.with, label).toMatchObject({
        "aws-region": `\${{ steps.${from![1]}.outputs.region }}`,
        "allowed-account-ids": `\${{ steps.${from![1]}.outputs.account }}`,
        "role-duration-seconds": deployLabels.includes(label) ? 7200 : 3600,
      });
    }
  });

  it("the plan job of each stack assumes that stack's plan role in its account", () => {
    const legs = runningJobs.filter((e) => e.file === "pull-request.yml" && e.id === "plan");
    expect(legs.map((e) => e.job.env?.STACK)).toEqual(manifest.planStacks);
    for (const { label, job: plan } of legs) {
      const stack = manifest.stacks[plan.env!.STACK!]!;
      const out = manifestOutputs(plan);
      expect(out["role-arn"], label).toBe(stack.plan!.roleArn);
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
      expect(out["role-arn"]).toBe(manifest.stacks[name]!.deploy!.roleArn);
      expect(out.account).toBe(manifest.stacks[name]!.account);
    }
  });

  /** The env of release.yml's mark job with synth's outputs as synth's step computes them. */
  function markEnv(results: Record<string, string> = {}): Record<string, string> {
    const synth = job("release.yml", "synth");
    const { status, stderr, outputs } = runManifestStep(synth);
    expect(status, stderr).toBe(0);
    const mark = job("release.yml", "mark");
    return evaluateAll(mark.env ?? {}, {
      github: { sha: "0123456789abcdef0123456789abcdef01234567" },
      needs: {
        synth: { outputs },
        "deploy-non-production": { result: results.nonProduction ?? "success" },
        "deploy-production": { result: results.production ?? "success" },
      },
    });
  }

  it("the build and mark jobs assume the publish role in the registry's account", () => {
    const outputs = {
      build: manifestOutputs(job("release.yml", "build")),
      mark: manifestOutputs(job("release.yml", "mark"), markEnv()),
    };
    for (const [id, out] of Object.entries(outputs)) {
      expect(out["role-arn"], id).toBe(manifest.image.publishRoleArn);
      expect(out.account, id).toBe(manifest.image.registry.split(".")[0]);
      expect(out.region, id).toBe(manifest.image.region);
      expect(out["repository-name"], id).toBe(manifest.image.repositoryName);
    }
    expect(outputs.mark["deployed-tag-prefix"]).toBe(manifest.image.deployedTagPrefix);
  });

  it.each([
    ["both waves ended", "success", "failure", releaseTargets],
    ["production was skipped", "failure", "skipped", manifest.release.nonProduction],
    ["production was cancelled waiting", "success", "cancelled", manifest.release.nonProduction],
    ["both were cancelled", "cancelled", "skipped", []],
  ])(
    "the mark job tags the image for every stack of a wave that ended (%s)",
    (_, nonProduction, production, marked) => {
      const out = manifestOutputs(
        job("release.yml", "mark"),
        markEnv({ nonProduction, production }),
      );
      expect(out.stacks).toBe(marked.map((t) => t.stack).join(" "));
    },
  );

  it("a deploy job refuses a manifest that names another environment for its stack", () => {
    const first = deployJobs.get(releaseTargets[0]!.stack)!.job;
    const { status, stderr, outputs } = runManifestStep(first, { DEPLOY_ENVIRONMENT: "elsewhere" });
    expect(status).not.toBe(0);
    expect(stderr + JSON.stringify(outputs)).not.toContain("role-arn");
  });
});

describe("the stacks planned and deployed come from the pipeline manifest", () => {
  const fixture = PipelineManifest.parse(JSON.parse(readFileSync(FIXTURE_MANIFEST, "utf8")));

  it.each([
    ["the committed fixture", fixture],
    ["the manifest the tests read", manifest],
  ])("%s lists every environment once: in release order, planned, deployed", (_, m) => {
    const targets = [...m.release.nonProduction, ...m.release.production];
    expect(targets.map((t) => t.stack)).toEqual(m.environments);
    expect(new Set(m.environments).size).toBe(m.environments.length);
    // shared, then one identity stack per other account an environment runs in, then each environment.
    const identity = [...new Set(m.environments.map((env) => m.stacks[env]!.account))]
      .filter((account) => account !== m.stacks.shared!.account)
      .map((account) => `identity-${account}`);
    expect(m.planStacks).toEqual(["shared", ...identity, ...m.environments]);
    expect(Object.keys(m.stacks).sort()).toEqual(
      ["shared", "state", ...identity, ...m.environments].sort(),
    );
    for (const stack of identity) expect(m.stacks[stack]?.deploy, stack).toBeNull();
    for (const t of targets) {
      expect(m.stacks[t.stack]?.deploy?.githubEnvironment, t.stack).toBe(t.githubEnvironment);
    }
    for (const stack of m.planStacks) expect(m.stacks[stack]?.plan, stack).not.toBeNull();
  });

  it("the pull request's plan matrix is the planStacks the checks job reads after its synth", () => {
    const checks = job("pull-request.yml", "checks");
    expect(job("pull-request.yml", "plan").strategy?.matrix).toEqual({
      stack: "${{ fromJSON(needs.checks.outputs.plan-stacks) }}",
    });
    expect(checks.outputs).toEqual({ "plan-stacks": "${{ steps.manifest.outputs.plan-stacks }}" });
    const read = stepIndex(checks, (s) => s.id === "manifest");
    expect(stepIndex(checks, (s) => s.run === "npm run synth")).toBeLessThan(read);
    expect(JSON.parse(manifestOutputs(checks)["plan-stacks"]!)).toEqual(manifest.planStacks);
  });

  it("the release's deploy matrices are the release lists the synth job reads after its synth", () => {
    const synth = job("release.yml", "synth");
    expect(synth.outputs).toEqual({
      "non-production-targets": "${{ steps.manifest.outputs.non-production-targets }}",
      "production-targets": "${{ steps.manifest.outputs.production-targets }}",
      image: "${{ steps.manifest.outputs.image }}",
    });
    const read = stepIndex(synth, (s) => s.id === "manifest");
    expect(stepIndex(synth, (s) => s.run === "npm run synth")).toBeLessThan(read);
    const out = manifestOutputs(synth);
    expect(JSON.parse(out["non-production-targets"]!)).toEqual(manifest.release.nonProduction);
    expect(JSON.parse(out["production-targets"]!)).toEqual(manifest.release.production);
    expect(JSON.parse(out.image!)).toEqual(manifest.image);
  });

  /** The manifest read, changed by `change`, as text. */
  type Change = (m: PipelineManifest) => unknown;
  const changed = (change: Change): string => {
    const m = JSON.parse(manifestText) as PipelineManifest;
    change(m);
    return JSON.stringify(m);
  };

  it.each<[string, Change]>([
    ["nothing to plan", (m) => (m.planStacks = [])],
    ["a planned stack without a plan section", (m) => m.planStacks.push("state")],
    ["a planned stack that does not exist", (m) => m.planStacks.push("nowhere")],
  ])("the checks job refuses a manifest with %s", (_, change) => {
    const checks = job("pull-request.yml", "checks");
    const { status, outputs } = runManifestStep(checks, {}, changed(change));
    expect(status).not.toBe(0);
    expect(outputs).toEqual({});
  });

  it.each<[string, Change]>([
    ["no production environment", (m) => (m.release.production = [])],
    ["no non-production environment", (m) => (m.release.nonProduction = [])],
    [
      "a target in a GitHub environment its deploy role does not trust",
      (m) => (m.release.production[0]!.githubEnvironment = "elsewhere"),
    ],
    ["a target stack that does not exist", (m) => (m.release.nonProduction[0]!.stack = "nowhere")],
    ["no release section", (m) => delete (m as Partial<PipelineManifest>).release],
  ])("the synth job refuses a manifest with %s", (_, change) => {
    const { status, outputs } = runManifestStep(job("release.yml", "synth"), {}, changed(change));
    expect(status).not.toBe(0);
    expect(outputs).toEqual({});
  });

  it("adding an environment to the manifest adds its plan job and its deploy job, in its wave", () => {
    // A non-production `qa` and a production `prod-eu`, as two more environment files would.
    const added = { qa: releaseTargets[0]!, "prod-eu": manifest.release.production[0]! };
    const grown = changed((m) => {
      for (const [name, like] of Object.entries(added)) {
        const stack = structuredClone(m.stacks[like.stack]!);
        stack.directory = `stacks/${name}`;
        stack.plan!.backendConfigFile = `pipeline/${name}.plan.tfbackend`;
        stack.plan!.varFile = `pipeline/${name}.plan.tfvars.json`;
        stack.deploy!.roleArn = stack.deploy!.roleArn.replace(/[^/]+$/, `deploy-${name}`);
        stack.deploy!.githubEnvironment = `${name}-environment`;
        m.stacks[name] = stack;
        m.planStacks.push(name);
        m.release[like.tier === "production" ? "production" : "nonProduction"].push({
          ...like,
          stack: name,
          githubEnvironment: `${name}-environment`,
        });
      }
      m.environments = [...m.release.nonProduction, ...m.release.production].map((t) => t.stack);
    });
    const parsed = PipelineManifest.parse(JSON.parse(grown));
    const jobs = runningJobsFor(grown);
    // The same jobs, and one more leg in each matrix the new environments belong to.
    const legsAfter = new Map([
      [planLabels.at(-1), ["pull-request.yml:plan (qa)", "pull-request.yml:plan (prod-eu)"]],
      [nonProductionLabels.at(-1), ["release.yml:deploy-non-production (qa)"]],
      [productionLabels.at(-1), ["release.yml:deploy-production (prod-eu)"]],
    ]);
    expect(jobs.map((e) => e.label)).toEqual(
      runningJobs.flatMap((e) => [e.label, ...(legsAfter.get(e.label) ?? [])]),
    );
    for (const name of Object.keys(added)) {
      const plan = jobs.find((e) => e.label === `pull-request.yml:plan (${name})`)!.job;
      expect(manifestOutputs(plan, {}, grown)["role-arn"]).toBe(parsed.stacks[name]!.plan!.roleArn);
      const deploy = jobs.find((e) => e.job.environment && e.job.env?.STACK === name)!.job;
      expect(deploy.environment).toMatchObject({ name: `${name}-environment` });
      expect(deploy.concurrency).toMatchObject({ group: `deploy-${name}` });
      expect(manifestOutputs(deploy, {}, grown)["role-arn"]).toBe(
        parsed.stacks[name]!.deploy!.roleArn,
      );
    }
  });

  it("no workflow or action names an environment: no literal stack list, matrix or stack input", () => {
    // The names in the manifest, and the ones this repository started with.
    const stackNames = new Set(["staging", "prod", ...manifest.environments]);
    const names = new Set([
      ...stackNames,
      "production",
      ...releaseTargets.map((t) => t.githubEnvironment),
    ]);
    // No YAML key or value (comments aside) is an environment's name.
    const found: string[] = [];
    const walk = (where: string, value: unknown): void => {
      if (typeof value === "string") {
        if (names.has(value.trim())) found.push(`${where}: ${value}`);
      } else if (Array.isArray(value)) {
        value.forEach((v, i) => walk(`${where}[${i}]`, v));
      } else if (value !== null && typeof value === "object") {
        for (const [key, v] of Object.entries(value)) {
          if (names.has(key)) found.push(`${where}: key ${key}`);
          walk(`${where}.${key}`, v);
        }
      }
    };
    workflows.forEach((wf, file) => walk(`.github/workflows/${file}`, wf));
    actions.forEach((a, name) => walk(`.github/actions/${name}/action.yml`, a));
    expect(found).toEqual([]);
    const expression = /^\$\{\{ [^{}]+ \}\}$/;
    for (const { label, job: j } of fileJobs) {
      // Every matrix is read from a job's output, every stack and environment is an expression.
      for (const [key, value] of Object.entries(j.strategy?.matrix ?? {})) {
        expect(value, `${label} matrix.${key}`).toMatch(FROM_JOB_OUTPUT);
      }
      for (const w of [j.with, ...stepsOf(j).map((s) => s.with)]) {
        for (const key of ["stack", "environment"]) {
          if (w?.[key] !== undefined)
            expect(String(w[key]), `${label} with.${key}`).toMatch(expression);
        }
      }
      if (j.environment !== undefined) {
        const name = typeof j.environment === "string" ? j.environment : j.environment.name;
        expect(name, `${label} environment`).toMatch(expression);
      }
      // No job is named after a stack (deploy-staging), nor needs one.
      for (const id of [label.slice(label.indexOf(":") + 1), ...needsOf(j)]) {
        expect(
          id.split(/[^A-Za-z0-9]+/).filter((t) => stackNames.has(t)),
          label,
        ).toEqual([]);
      }
    }
    // Nor an item of a flow sequence in the text, e.g. `stack: [shared, staging, prod]`.
    for (const { file, source } of sourceFiles) {
      const code = source.replace(/(^|\s)#.*$/gm, "");
      const items = [...code.matchAll(/\[([^\]\n]*)\]/g)].flatMap(([, list]) =>
        list!.split(",").map((item) => item.trim().replace(/^["']|["']$/g, "")),
      );
      expect(
        items.filter((item) => names.has(item)),
        file,
      ).toEqual([]);
    }
  });
});

describe("pull requests", () => {
  it("plan every stack that has a plan section and validate the others without AWS", () => {
    const planned = stacks.filter(([, s]) => s.plan !== null).map(([name]) => name);
    expect([...manifest.planStacks].sort()).toEqual(planned.sort());
    expect(runningJobs.filter((e) => e.id === "plan").map((e) => e.label)).toEqual(planLabels);
    expect(stacks.filter(([, s]) => s.plan === null).map(([name]) => name)).toEqual(["state"]);
    const validate = job("pull-request.yml", "validate-state");
    expect(validate.permissions).toEqual({});
    expect(
      stepsOf(validate)
        .map((s) => s.run ?? "")
        .join("\n"),
    ).toMatch(/terraform init -backend=false[\s\S]*terraform validate/);
  });

  it("plan with the plan backend, the plan variables and a lock timeout", () => {
    const plan = job("pull-request.yml", "plan");
    const runs = stepsOf(plan)
      .map((s) => s.run ?? "")
      .join("\n");
    expect(runs).toContain('terraform init -input=false -backend-config="$BACKEND_CONFIG"');
    expect(runs).toContain("-lock-timeout=5m");
    expect(runs).toContain('-var-file="$VAR_FILE"');
    expect(runs).toContain("terraform output -raw image_tag");
  });

  it("build and scan the image without pushing it", () => {
    const image = job("pull-request.yml", "image");
    const build = stepsOf(image).find((s) => action(s) === "docker/build-push-action");
    expect(build?.with).toMatchObject({ push: false, load: true });
    const scan = stepsOf(image).find((s) => action(s) === "aquasecurity/trivy-action");
    expect(scan?.with).toMatchObject({
      severity: "HIGH,CRITICAL",
      "ignore-unfixed": true,
      "exit-code": "1",
    });
    expect(stepsOf(image).some((s) => s.run?.includes("docker push"))).toBe(false);
  });

  it("Terraform is 1.11.4 without the wrapper wherever it is set up", () => {
    const setups = runningJobs.flatMap(({ job: j }) =>
      stepsOf(j).filter((s) => action(s) === "hashicorp/setup-terraform"),
    );
    // Each plan, each deploy, and the validation of the state stack.
    expect(setups).toHaveLength(planLabels.length + deployLabels.length + 1);
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
    expect(stepsOf(build)[scan]!.with).toMatchObject({
      severity: "HIGH,CRITICAL",
      "ignore-unfixed": true,
      "exit-code": "1",
    });
    const built = stepIndex(build, (s) => action(s) === "docker/build-push-action");
    expect(stepsOf(build)[built]!.with).toMatchObject({ push: false, load: true });
    expect(built).toBeLessThan(scan);
    expect(scan).toBeLessThan(stepIndex(build, isAssumeRole));
    expect(scan).toBeLessThan(stepIndex(build, (s) => !!s.run?.includes("docker push")));
  });

  it("skip the push when the tag exists (immutable tags) instead of failing", () => {
    const push = stepsOf(job("release.yml", "build")).find((s) => s.run?.includes("docker push"))!;
    expect(push.run).toMatch(/describe-images[\s\S]*if tag_exists; then[\s\S]*docker push/);
  });

  it("deploy in the GitHub environments the manifest's deploy roles trust", () => {
    expect([...deployJobs.keys()].sort()).toEqual([...deployedStacks].sort());
    expect(releaseTargets.map((t) => t.stack).sort()).toEqual([...deployedStacks].sort());
    for (const name of deployedStacks) {
      const { label, job: j } = deployJobs.get(name)!;
      const expected = manifest.stacks[name]!.deploy!.githubEnvironment;
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

  it("deploy to production only after the non-production deploys, with the image the build pushed", () => {
    const nonProduction = job("release.yml", "deploy-non-production");
    const production = job("release.yml", "deploy-production");
    const mark = job("release.yml", "mark");
    expect(needsOf(nonProduction)).toContain("build");
    expect(needsOf(production)).toContain("deploy-non-production");
    // No `if:` overrides the default success(): a failed or skipped dependency skips the job.
    for (const j of [nonProduction, production]) expect(j.if).toBeUndefined();
    // The mark job runs whatever the deploys' results, once the image was pushed: an apply that
    // failed halfway leaves some services on the image.
    expect(needsOf(mark)).toEqual(
      expect.arrayContaining(["build", "deploy-non-production", "deploy-production"]),
    );
    expect(mark.if).toBe("${{ always() && needs.build.result == 'success' }}");
    const built = job("release.yml", "build").env?.IMAGE_TAG;
    expect(built).toBe("${{ github.sha }}");
    expect(nonProduction.with?.image_tag).toBe(built);
    expect(production.with?.image_tag).toBe(built);
    // What each called deploy job sees, the input substituted.
    for (const label of deployLabels) expect(runningJob(label).env?.IMAGE_TAG, label).toBe(built);
    expect(mark.env?.IMAGE_TAG).toBe(built);
  });

  it("every production deploy waits for every non-production deploy, and mark for all", () => {
    /** The labels of the running jobs a running job waits for (`needs`, transitively). */
    const waitsFor = (label: string): string[] => {
      const entry = runningJobs.find((e) => e.label === label)!;
      const { file, id } = entry.caller ?? entry;
      const ids = new Set<string>();
      const visit = (j: Job): void => {
        for (const n of needsOf(j).filter((n) => !ids.has(n))) {
          ids.add(n);
          visit(job(file, n));
        }
      };
      visit(job(file, id));
      // Needing a matrix job waits for all of its legs.
      return runningJobs
        .filter((e) => (e.caller ?? e).file === file && ids.has((e.caller ?? e).id))
        .map((e) => e.label);
    };
    expect(nonProductionLabels.length).toBeGreaterThan(0);
    expect(productionLabels.length).toBeGreaterThan(0);
    for (const label of productionLabels) {
      expect(waitsFor(label), label).toEqual(expect.arrayContaining(nonProductionLabels));
    }
    for (const label of nonProductionLabels) {
      expect(waitsFor(label), label).toContain("release.yml:build");
      expect(
        waitsFor(label).filter((l) => productionLabels.includes(l)),
        label,
      ).toEqual([]);
    }
    expect(waitsFor("release.yml:mark")).toEqual(expect.arrayContaining(deployLabels));
    // The waves are the manifest's tiers.
    expect(manifest.release.nonProduction.map((t) => t.tier)).not.toContain("production");
    expect(manifest.release.production.map((t) => t.tier)).not.toContain("non-production");
  });

  it("a failed deploy cancels no other environment's deploy halfway (fail-fast off)", () => {
    for (const id of ["deploy-non-production", "deploy-production"]) {
      expect(job("release.yml", id).strategy?.["fail-fast"], id).toBe(false);
    }
  });

  it("deploy every environment through one reusable workflow, in its wave of the manifest", () => {
    const calls = Object.entries(workflow("release.yml").jobs).filter(([, j]) => j.uses);
    const call = (wave: string) => ({
      uses: "./.github/workflows/deploy.yml",
      strategy: {
        "fail-fast": false,
        matrix: { target: `\${{ fromJSON(needs.synth.outputs.${wave}) }}` },
      },
      with: {
        stack: "${{ matrix.target.stack }}",
        environment: "${{ matrix.target.githubEnvironment }}",
        image_tag: "${{ github.sha }}",
      },
    });
    expect(calls.map(([id]) => id)).toEqual(["deploy-non-production", "deploy-production"]);
    expect(calls[0]![1]).toMatchObject(call("non-production-targets"));
    expect(calls[1]![1]).toMatchObject(call("production-targets"));
    // As they run: one called job per entry of the manifest's release lists, in their order.
    const called = runningJobs.filter((e) => e.caller?.file === "release.yml");
    expect(called.map((e) => [e.label, e.job.env?.STACK, e.job.env?.DEPLOY_ENVIRONMENT])).toEqual([
      ...manifest.release.nonProduction.map((t, i) => [
        nonProductionLabels[i],
        t.stack,
        t.githubEnvironment,
      ]),
      ...manifest.release.production.map((t, i) => [
        productionLabels[i],
        t.stack,
        t.githubEnvironment,
      ]),
    ]);
    // deploy.yml runs only when called, with these inputs, in one job whose environment, role
    // check and concurrency all come from the inputs, so a caller cannot set them apart.
    const deploy = workflow("deploy.yml");
    expect(Object.keys(deploy.on)).toEqual(["workflow_call"]);
    const inputs = deploy.on.workflow_call?.inputs ?? {};
    expect(Object.keys(inputs).sort()).toEqual(["environment", "image_tag", "stack"]);
    for (const [name, input] of Object.entries(inputs)) {
      expect(input, name).toMatchObject({ type: "string", required: true });
    }
    expect(Object.keys(deploy.jobs)).toEqual(["deploy"]);
    const j = job("deploy.yml", "deploy");
    expect(j.environment).toEqual({
      name: "${{ inputs.environment }}",
      url: "${{ steps.service.outputs.url }}",
    });
    expect(j.env).toEqual({
      STACK: "${{ inputs.stack }}",
      DEPLOY_ENVIRONMENT: "${{ inputs.environment }}",
      IMAGE_TAG: "${{ inputs.image_tag }}",
    });
    expect(j.concurrency).toEqual({
      group: "deploy-${{ inputs.stack }}",
      "cancel-in-progress": false,
    });
    // The steps read the stack from env, so every deploy runs the very same steps.
    expect(JSON.stringify(j.steps)).not.toContain("inputs.");
  });

  it("deploy every environment with exactly the same steps", () => {
    const first = runningJob(deployLabels[0]!).steps;
    for (const label of deployLabels) expect(runningJob(label).steps, label).toEqual(first);
  });

  it("time a deploy out before its role session ends", () => {
    for (const name of deployedStacks) {
      const { label, job: j } = deployJobs.get(name)!;
      // A first production apply (Multi-AZ RDS, ACM validation) takes about an hour.
      expect(j["timeout-minutes"], label).toBe(90);
      const session = Number(stepsOf(j).find(isAssumeRole)?.with?.["role-duration-seconds"]);
      expect(j["timeout-minutes"]! * 60, label).toBeLessThan(session);
    }
  });

  it("plan, apply that plan, then smoke-test the service", () => {
    const deploy = runningJob(deployLabels[0]!);
    const runs = stepsOf(deploy).map((s) => s.run ?? "");
    const at = (pattern: RegExp) => runs.findIndex((r) => pattern.test(r));
    expect(at(/terraform plan .*-var "image_tag=\$IMAGE_TAG" -out=tfplan/)).toBeGreaterThan(-1);
    expect(at(/terraform plan /)).toBeLessThan(at(/terraform apply .*tfplan/));
    expect(at(/terraform apply /)).toBeLessThan(at(/\/health/));
    expect(runs[at(/\/health/)]).toContain("/ready");
    const summary = stepIndex(deploy, (s) => s.name === "plan summary");
    expect(at(/terraform plan /)).toBeLessThan(summary);
    expect(summary).toBeLessThan(at(/terraform apply /));
  });
});

describe("plan summaries", () => {
  /**
   * A job's "plan summary" step, which uses the local action .github/actions/plan-summary: its
   * `with` evaluated as the runner would in that job (env, and the outputs of the plan and
   * manifest steps faked; the matrix is substituted already), then the action's steps run against a fake `terraform show`
   * printing `plan`. Returns the step summary written.
   */
  function summaryOf(j: Job, plan: string): string {
    const step = stepsOf(j).find((s) => s.name === "plan summary");
    const name = /^\.\/\.github\/actions\/([\w.-]+)$/.exec(step?.uses ?? "")?.[1];
    const used = name === undefined ? undefined : actions.get(name);
    if (!used) throw new Error("no plan summary step using a local action");
    const dir = mkdtempSync(join(tmpdir(), "plan-summary-"));
    try {
      mkdirSync(join(dir, "bin"));
      mkdirSync(join(dir, "stack"));
      writeFileSync(join(dir, "terraform-show.txt"), plan);
      writeFileSync(
        join(dir, "bin", "terraform"),
        `#!/bin/sh\n[ "$*" = "show -no-color tfplan" ] || exit 9\n[ "$PWD" = "${join(dir, "stack")}" ] || exit 8\ncat "${join(dir, "terraform-show.txt")}"\n`,
      );
      chmodSync(join(dir, "bin", "terraform"), 0o755);
      const env = { ...j.env, IMAGE_TAG: "0123456" };
      const given = evaluateAll(step!.with ?? {}, {
        env,
        steps: {
          plan: { outputs: { note: "image_tag 0123456" } },
          manifest: { outputs: { directory: join(dir, "stack") } },
        },
      });
      const inputs = Object.fromEntries(
        Object.entries(used.inputs ?? {}).map(([input, spec]) => {
          const value = given[input] ?? spec.default;
          if (value === undefined && spec.required) throw new Error(`input ${input} missing`);
          return [input, value ?? ""];
        }),
      );
      expect(Object.keys(given).filter((k) => !(k in inputs))).toEqual([]);
      const summary = join(dir, "summary.md");
      for (const s of used.runs.steps) {
        const run = evaluateAll(s, { inputs, env });
        const result = runAsRunner(run.run!, {
          cwd: run["working-directory"] ?? dir,
          env: {
            PATH: `${join(dir, "bin")}:${process.env.PATH}`,
            ...env,
            ...run.env,
            RUNNER_TEMP: dir,
            GITHUB_STEP_SUMMARY: summary,
          },
        });
        expect(result.status, result.stderr).toBe(0);
      }
      return readFileSync(summary, "utf8");
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  }
  /** The plan and the deploy of one stack, the first one released. */
  const summaryStack = releaseTargets[0]!.stack;
  const summaryJobs = [
    runningJob(`pull-request.yml:plan (${summaryStack})`),
    runningJob(deployLabels[0]!),
  ];
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

  it("the pull request plans and the deploys share one plan summary action", () => {
    const users = runningJobs.flatMap(({ label, job: j }) =>
      stepsOf(j)
        .filter((s) => s.name === "plan summary")
        .map((s) => [label, s.uses]),
    );
    expect(users).toEqual(
      [...planLabels, ...deployLabels].map((label) => [label, "./.github/actions/plan-summary"]),
    );
    // No other step summarises a plan by itself.
    const shows = runningJobs.flatMap(({ job: j }) =>
      stepsOf(j).filter((s) => s.run?.includes("terraform show")),
    );
    expect(shows).toEqual([]);
  });

  it.each(summaryJobs.map((j, i) => [i === 0 ? "pull request" : "deploy", j] as const))(
    "show the %s plan collapsed, with diff markers first on the line",
    (_, j) => {
      const summary = summaryOf(j, samplePlan);
      expect(summary.split("\n")[0]).toBe(
        `### terraform plan: \`${summaryStack}\` (image_tag 0123456)`,
      );
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
