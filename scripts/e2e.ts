// `npm run e2e`: applies the stacks to moto (a local AWS emulator) with the AWS provider from the
// local mirror, through the real S3 backend with DynamoDB locking:
//   1. `state` with its local backend (its state file in the temporary copy), which creates the
//      state bucket, lock table and state roles in moto;
//   2. `shared`, then each `identity-<account>` stack (CI's identity in another account, applied
//      with an operator key of that account, as its administrator would: no cross-account role),
//      then every environment, two at a time (they share only the foundation), each with the operator
//      key of its account, through the S3 backend in the state bucket, assuming the state role,
//      locking in that table;
//   3. a second `plan -detailed-exitcode` of each: it must show no changes, other than the
//      differences listed as moto's in scripts/e2e.exclusions.json;
//   4. a lock test: while one Terraform run holds shared's lock, a plan with -lock-timeout=0 from
//      a second copy must fail on the lock; once it is released, the same plan must run;
//   5. a pull request's plan of shared, the identity stacks and those environments as the workflow runs it: init with the plan
//      backend override from cdktf.out/pipeline/, which must assume the `-plan` state role;
//   6. on each applied environment, the workload driven through its stack (workload-drive.ts) and
//      a release's plan (release-plan.ts).
// Endpoints and keys exist only in override files written into temporary copies of the stacks.
// Resources moto cannot apply are left out by scripts/e2e.exclusions.json, with reasons.
// Every environment is applied, production included, each with its own account's credentials;
// CloudWatch goes through a protocol bridge (scripts/terraform/cloudwatch-bridge.ts).
//
//   --skip-if-no-provider (or TERRAFORM_SKIP_IF_NO_PROVIDER=1): exit 0 with "SKIPPED" when the
//   provider cache is not prepared.   --keep: keep the temporary directory (path printed).
import { spawn } from "node:child_process";
import { cpSync, readFileSync, rmSync } from "node:fs";
import { join } from "node:path";
import {
  classifyChanges,
  parseExclusions,
  planTargets,
  settingsOverride,
  type Excluded,
  type ExclusionList,
} from "./terraform/exclusions";
import { AutoScalingTags } from "./terraform/autoscaling-tags";
import { BudgetSubscribers } from "./terraform/budget-subscribers";
import {
  readCloudWatchModel,
  startCloudWatchBridge,
  type CloudWatchBridge,
} from "./terraform/cloudwatch-bridge";
import { startEmulatorFront, type EmulatorFront, type Gap } from "./terraform/emulator-front";
import { proxyEnv, startGuardProxy, type GuardProxy } from "./terraform/guard-proxy";
import {
  createHostedZone,
  createOperatorKey,
  getItem,
  installMoto,
  motoSitePackages,
  motoVersion,
  startMoto,
  type Moto,
} from "./terraform/moto";
import {
  formatDiagnostic,
  formatDifference,
  isLockHeldError,
  parseJsonLines,
  planDifferences,
  summarizeApply,
  summarizePlan,
} from "./terraform/output";
import { overrideFiles, type Emulator } from "./terraform/overrides";
import { QueryDefinitions } from "./terraform/query-definitions";
import { RedriveAllowPolicies } from "./terraform/redrive-allow-policy";
import {
  copyStack,
  PREPARE_CACHE,
  providerCache,
  readStack,
  ROOT,
  seconds,
  inParallel,
  synthesize,
  terraform,
  terraformEnv,
  track,
  workDir,
  writeJson,
  type RunResult,
} from "./terraform/run";
import { externalHostedZones, resourceAddresses, type StackJson } from "./terraform/stack-json";
import { releasePlan, type ReleasePlanResult } from "./terraform/release-plan";
import { driveWorkload, workloadStacks, type DriveResult } from "./terraform/workload-drive";

interface Scope {
  /** Applied one after the other: state, shared, the identity stacks. */
  readonly foundation: readonly string[];
  /** Then every environment, ENVIRONMENTS_AT_ONCE at a time. */
  readonly environments: readonly string[];
  /** All of them, in that order. */
  readonly stacks: readonly string[];
  /** Stacks planned again the way a pull request's workflow plans them (pipeline.json). */
  readonly ciPlanStacks: readonly string[];
}

/**
 * The bootstrap sequence of docs/ci-cd.md, from the pipeline manifest (so from the configuration):
 * state, shared, every identity stack (each in its own account, with that account's credentials),
 * then the environments in release order: the non-production ones, then the production ones.
 */
function e2eScope(): Scope {
  const manifest = JSON.parse(readFileSync(join(ROOT, "cdktf.out", "pipeline.json"), "utf8")) as {
    planStacks: string[];
    release: Record<"nonProduction" | "production", { stack: string }[]>;
  };
  const identity = manifest.planStacks.filter((stack) => stack.startsWith("identity-"));
  const environments = [...manifest.release.nonProduction, ...manifest.release.production].map(
    (target) => target.stack,
  );
  const foundation = ["state", "shared", ...identity];
  return {
    foundation,
    environments,
    stacks: [...foundation, ...environments],
    ciPlanStacks: ["shared", ...identity, ...environments],
  };
}
/** The stack whose lock is contended in the lock test (small, so the test is quick). */
const LOCK_STACK = "shared";
/** Values for variables without a default. */
const VARIABLES: Record<string, string> = { image_tag: "0123abc" };
const TIMEOUT_SECONDS = 15 * 60;
/** Environments applied at the same time (their order is then the release's only in the summary). */
const ENVIRONMENTS_AT_ONCE = 2;

const skipAllowed =
  process.argv.includes("--skip-if-no-provider") ||
  process.env.TERRAFORM_SKIP_IF_NO_PROVIDER === "1";
const keep = process.argv.includes("--keep");

interface StackResult {
  stack: string;
  total: number;
  applied: number;
  excluded: Excluded[];
  /** exclusion and known-difference entries that matched something in this stack */
  used: object[];
  /** resources the second plan changes; undefined when it did not run */
  secondPlanChanges: number | undefined;
  /** of those, known moto differences */
  knownChanges: number;
  details: string[];
  /** resources the second plan's refresh read back differently than written (not changes) */
  drift: number;
  durations: { init: number; apply: number; plan: number };
  failure?: string;
}

const log = (line: string) => console.log(`e2e: ${line}`);

function accountOf(stack: StackJson, name: string): string {
  const accounts = stack.provider?.aws?.[0]?.allowed_account_ids;
  if (!Array.isArray(accounts) || accounts.length !== 1 || typeof accounts[0] !== "string") {
    throw new Error(`${name}: expected exactly one allowed account id in its default provider`);
  }
  return accounts[0];
}

function variableArgs(stack: StackJson, name: string): string[] {
  return Object.entries(stack.variable ?? {})
    .filter(([, v]) => !("default" in v))
    .map(([key]) => {
      const value = VARIABLES[key];
      if (value === undefined) throw new Error(`${name}: no e2e value for variable ${key}`);
      return `-var=${key}=${value}`;
    });
}

function failureText(run: RunResult): string {
  const diagnostics = summarizeApply(parseJsonLines(run.stdout)).errors.map(formatDiagnostic);
  return diagnostics.length > 0
    ? diagnostics.join("\n    ")
    : (run.stderr || run.stdout).trim().split("\n").slice(-15).join("\n    ");
}

async function applyStack(
  name: string,
  dir: string,
  emulator: Emulator,
  list: ExclusionList,
  env: NodeJS.ProcessEnv,
): Promise<StackResult> {
  const stack = readStack(name);
  const copy = copyStack(name, dir);
  for (const [file, content] of Object.entries(overrideFiles(stack, emulator))) {
    writeJson(join(copy, file), content);
  }
  const settings = settingsOverride(stack, list.settings);
  if (settings.content)
    writeJson(join(copy, "emulator_settings_override.tf.json"), settings.content);
  const plan = planTargets(stack, name, list.exclusions);
  const targets = plan.excluded.length > 0 ? plan.targets.map((t) => `-target=${t}`) : [];
  const vars = variableArgs(stack, name);
  const result: StackResult = {
    stack: name,
    total: plan.total,
    applied: 0,
    excluded: plan.excluded,
    used: [...plan.used, ...settings.used],
    secondPlanChanges: undefined,
    knownChanges: 0,
    details: [],
    drift: 0,
    durations: { init: 0, apply: 0, plan: 0 },
  };

  const init = await terraform(copy, ["init", "-input=false", "-no-color"], env, TIMEOUT_SECONDS);
  result.durations.init = init.seconds;
  if (init.code !== 0) {
    result.failure = `init failed: ${failureText(init)}`;
    return result;
  }
  log(`${name}: init ${seconds(init.seconds)}; applying ${plan.targets.length}/${plan.total}`);

  const common = ["-input=false", "-no-color", "-lock-timeout=60s", ...targets, ...vars];
  const apply = await terraform(
    copy,
    ["apply", "-auto-approve", "-json", ...common],
    env,
    TIMEOUT_SECONDS,
  );
  result.durations.apply = apply.seconds;
  const inState = await terraform(copy, ["state", "list", "-no-color"], env, 120);
  const known = new Set(resourceAddresses(stack));
  result.applied = new Set(
    inState.stdout
      .split("\n")
      .map((line) => line.trim().replace(/\[.*\]$/, ""))
      .filter((address) => known.has(address)),
  ).size;
  if (apply.code !== 0) {
    result.failure = `apply failed (exit ${apply.code}): ${failureText(apply)}`;
    return result;
  }
  const slowest = summarizeApply(parseJsonLines(apply.stdout))
    .slowest.slice(0, 3)
    .map((s) => `${s.address} ${s.seconds} s`);
  log(
    `${name}: applied ${result.applied}/${result.total} in ${seconds(apply.seconds)} (slowest: ${slowest.join(", ")})`,
  );

  const second = await terraform(
    copy,
    ["plan", "-detailed-exitcode", "-json", "-out=second.tfplan", ...common],
    env,
    TIMEOUT_SECONDS,
  );
  result.durations.plan = second.seconds;
  if (second.code !== 0 && second.code !== 2) {
    result.failure = `second plan failed (exit ${second.code}): ${failureText(second)}`;
    return result;
  }
  const summary = summarizePlan(parseJsonLines(second.stdout));
  // Resources with a planned change (a replacement counts once; the summary counts it twice).
  result.secondPlanChanges = summary.changes.length;
  result.drift = summary.drift.length;
  if ((second.code === 2) !== summary.changeCount > 0) {
    result.failure = `second plan: exit ${second.code} but ${summary.changeCount} changes in its summary`;
    return result;
  }
  if (summary.changeCount > 0) {
    const show = await terraform(copy, ["show", "-json", "-no-color", "second.tfplan"], env, 300);
    if (show.code !== 0) {
      result.failure = `terraform show of the second plan failed: ${show.stderr.trim()}`;
      return result;
    }
    const classified = classifyChanges(
      planDifferences(show.stdout).changes,
      name,
      list.knownDifferences,
      stack,
    );
    result.knownChanges = classified.known.length;
    result.used.push(...classified.known.flatMap((k) => k.entries));
    for (const k of classified.known) {
      for (const line of formatDifference(k.difference)) result.details.push(`${line}  [known]`);
      result.details.push(`  known moto difference: ${k.reasons.join("; ")}`);
    }
    for (const u of classified.unexpected) {
      for (const line of formatDifference(u)) result.details.push(`${line}  [UNEXPECTED]`);
    }
  }
  log(
    `${name}: second plan: ${summary.changes.length} resources to change (${summary.add} to add, ${summary.change} to change, ${summary.remove} to destroy), ${result.knownChanges} of them known moto differences, in ${seconds(second.seconds)}`,
  );
  return result;
}

interface LockResult {
  outcome: string;
  ok: boolean;
  seconds: number;
}

/**
 * One Terraform run holds the stack's lock: `terraform console`, which takes the state lock for
 * as long as it runs and reads expressions from stdin. The lock item is read from the table. A
 * plan from a second copy of the stack (another user) with -lock-timeout=0 must fail on the lock.
 * The holder's stdin is closed, it exits, the lock item must be gone, and the same plan must then
 * run.
 */
async function lockTest(
  dir: string,
  moto: Moto,
  account: string,
  env: NodeJS.ProcessEnv,
): Promise<LockResult> {
  const started = performance.now();
  const elapsed = () => (performance.now() - started) / 1000;
  const fail = (outcome: string): LockResult => ({
    outcome: `FAILED: ${outcome}`,
    ok: false,
    seconds: elapsed(),
  });
  const stack = readStack(LOCK_STACK);
  const vars = variableArgs(stack, LOCK_STACK);
  const s3 = stack.terraform?.backend?.s3;
  const table = s3?.dynamodb_table;
  if (typeof table !== "string" || typeof s3?.bucket !== "string" || typeof s3.key !== "string") {
    return fail("the stack has no DynamoDB-locked s3 backend");
  }
  const lockId = `${s3.bucket}/${s3.key}`;
  const lockItem = () => getItem(moto.url, account, table, { LockID: { S: lockId } });
  const holderDir = join(dir, LOCK_STACK);
  const contenderDir = join(dir, `${LOCK_STACK}-second-user`);
  cpSync(holderDir, contenderDir, { recursive: true, verbatimSymlinks: true });

  const holder = spawn("terraform", [`-chdir=${holderDir}`, "console", "-no-color", ...vars], {
    env,
    stdio: ["pipe", "pipe", "pipe"],
  });
  track(holder, "SIGINT");
  let holderOutput = "";
  holder.stdout.setEncoding("utf8").on("data", (d: string) => (holderOutput += d));
  holder.stderr.setEncoding("utf8").on("data", (d: string) => (holderOutput += d));
  const holderExit = new Promise<number>((resolve) => holder.on("close", (c) => resolve(c ?? 1)));
  try {
    let held: unknown;
    for (let i = 0; i < 300 && !held && holder.exitCode === null; i++) {
      held = await lockItem();
      if (!held) await new Promise((r) => setTimeout(r, 200));
    }
    if (!held) return fail(`the holder never took the lock: ${holderOutput.trim().slice(-300)}`);
    log(`lock: ${lockId} is held in ${table} by terraform console`);

    const plan = ["plan", "-input=false", "-no-color", "-lock-timeout=0s", ...vars];
    const blocked = await terraform(contenderDir, plan, env, 300);
    const output = blocked.stdout + blocked.stderr;
    if (blocked.code === 0 || !isLockHeldError(output)) {
      return fail(
        `the contending plan exited ${blocked.code} without a lock error: ${output.trim().slice(-400)}`,
      );
    }
    log(`lock: the contending plan failed on the lock in ${seconds(blocked.seconds)}`);

    holder.stdin.end();
    const code = await holderExit;
    if (await lockItem()) return fail(`the lock item remains after the holder exited (${code})`);
    const free = await terraform(contenderDir, plan, env, 300);
    if (free.code !== 0) {
      return fail(
        `after the release the plan exited ${free.code}: ${(free.stdout + free.stderr).trim().slice(-400)}`,
      );
    }
    return {
      outcome:
        "ok: the contending plan failed on the lock while it was held, and ran after release",
      ok: true,
      seconds: elapsed(),
    };
  } finally {
    if (holder.exitCode === null) holder.kill("SIGTERM");
  }
}

interface CiPlanResult {
  stack: string;
  ok: boolean;
  outcome: string;
  seconds: number;
}

/**
 * A pull request's plan, as the workflow runs it: `terraform init -reconfigure` with the plan
 * backend override that synth writes (cdktf.out/pipeline/<stack>.plan.tfbackend), then a plan with
 * the plan variables. It must run, and the backend Terraform initialized must assume the stack's
 * `-plan` state role (read from .terraform/terraform.tfstate, where init records it).
 */
async function ciPlanTest(
  name: string,
  dir: string,
  env: NodeJS.ProcessEnv,
): Promise<CiPlanResult> {
  const started = performance.now();
  const done = (ok: boolean, outcome: string): CiPlanResult => ({
    stack: name,
    ok,
    outcome: ok ? `ok: ${outcome}` : `FAILED: ${outcome}`,
    seconds: (performance.now() - started) / 1000,
  });
  const manifest = JSON.parse(readFileSync(join(ROOT, "cdktf.out", "pipeline.json"), "utf8")) as {
    stacks: Record<string, { plan: { backendConfigFile: string; varFile: string } | null }>;
  };
  const plan = manifest.stacks[name]?.plan;
  if (!plan) return done(false, `cdktf.out/pipeline.json has no plan for ${name}`);
  const copy = join(dir, `${name}-ci-plan`);
  cpSync(join(dir, name), copy, { recursive: true, verbatimSymlinks: true });
  rmSync(join(copy, "second.tfplan"), { force: true });
  const backendConfig = join(ROOT, "cdktf.out", plan.backendConfigFile);
  const init = await terraform(
    copy,
    ["init", "-reconfigure", "-input=false", "-no-color", `-backend-config=${backendConfig}`],
    env,
    300,
  );
  if (init.code !== 0)
    return done(false, `init with ${plan.backendConfigFile}: ${failureText(init)}`);
  const recorded = JSON.parse(
    readFileSync(join(copy, ".terraform", "terraform.tfstate"), "utf8"),
  ) as {
    backend?: { config?: { assume_role?: { role_arn?: string } } };
  };
  const role = recorded.backend?.config?.assume_role?.role_arn ?? "(none)";
  if (!role.endsWith(`-${name}-plan`)) {
    return done(false, `the backend assumes ${role}, not ${name}'s plan state role`);
  }
  const run = await terraform(
    copy,
    [
      "plan",
      "-input=false",
      "-no-color",
      "-lock-timeout=60s",
      `-var-file=${join(ROOT, "cdktf.out", plan.varFile)}`,
      ...variableArgs(readStack(name), name),
    ],
    env,
    TIMEOUT_SECONDS,
  );
  if (run.code !== 0) return done(false, `plan: ${failureText(run)}`);
  return done(
    true,
    `init with ${plan.backendConfigFile} (backend assumes ${role.split("/")[1]}), plan ran`,
  );
}

function table(rows: string[][]): string {
  const widths = rows[0]!.map((_, i) => Math.max(...rows.map((r) => (r[i] ?? "").length)));
  return rows
    .map((r) =>
      r
        .map((c, i) => c.padEnd(widths[i]!))
        .join("  ")
        .trimEnd(),
    )
    .join("\n");
}

async function main(): Promise<number> {
  const started = performance.now();
  const cache = providerCache();
  if (!cache.ready) {
    log(`SKIPPED: ${cache.reason}`);
    log(`prepare the provider cache once with: ${PREPARE_CACHE} (~33 min cold)`);
    return skipAllowed ? 0 : 1;
  }
  log(cache.reason);
  if (cache.note) log(`note: ${cache.note}`);

  const installStarted = performance.now();
  const motoServer = installMoto();
  const installSeconds = (performance.now() - installStarted) / 1000;
  log(`moto ${motoVersion(motoServer)} ready in ${seconds(installSeconds)} (${motoServer})`);
  log(`synthesized in ${seconds(synthesize())} (npx tsx main.ts)`);

  const list = parseExclusions(
    JSON.parse(readFileSync(join(ROOT, "scripts", "e2e.exclusions.json"), "utf8")),
  );
  const scope = e2eScope();
  const stacks = scope.stacks.map((name) => ({ name, json: readStack(name) }));
  // Each stack acts in one account, with credentials of that account: the shared account's first.
  const accountOfStack = new Map(stacks.map((s) => [s.name, accountOf(s.json, s.name)]));
  const account = accountOfStack.get("shared")!;
  const accounts = [...new Set([account, ...accountOfStack.values()])];
  // Hosted zones the stacks write into, each created beforehand in the stack's own account.
  const zones = stacks.flatMap((s) =>
    externalHostedZones(s.json).map((zone) => ({ ...zone, account: accountOfStack.get(s.name)! })),
  );

  const dir = workDir("terraform-e2e");
  const moto = await startMoto({
    motoServer,
    zones,
    logFile: join(dir, "moto.log"),
  });
  log(`moto listening on ${moto.url} (pid ${moto.pid})`);
  const results: StackResult[] = [];
  let lock: LockResult = { outcome: "not run", ok: false, seconds: 0 };
  const ciPlans: CiPlanResult[] = [];
  // Step 6 runs on these (scripts/terraform/workload-drive.ts, release-plan.ts).
  const workloads = workloadStacks(scope.stacks);
  const drives: DriveResult[] = [];
  const releases: ReleasePlanResult[] = [];
  let guard: GuardProxy | undefined;
  let bridge: CloudWatchBridge | undefined;
  const fronts = new Map<string, EmulatorFront>();
  try {
    guard = await startGuardProxy(Number(new URL(moto.url).port), (r) =>
      log(`guard proxy REFUSED ${r}`),
    );
    bridge = await startCloudWatchBridge(
      moto.url,
      readCloudWatchModel(motoSitePackages(motoServer)),
    );
    log(`CloudWatch RPC v2 CBOR -> JSON protocol bridge to moto on ${bridge.url}`);
    // Operations moto 5.2.5 lacks, answered in front of it (by the provider's endpoint key).
    const gaps: Record<string, Gap> = {
      appautoscaling: new AutoScalingTags(),
      budgets: new BudgetSubscribers(),
      logs: new QueryDefinitions(),
      sqs: new RedriveAllowPolicies(),
    };
    for (const [service, gap] of Object.entries(gaps)) {
      fronts.set(service, await startEmulatorFront(moto.url, gap));
    }
    log(`in front of moto, for operations it lacks: ${[...fronts.keys()].join(", ")}`);
    const serviceUrls = {
      cloudwatch: bridge.url,
      ...Object.fromEntries([...fronts].map(([service, front]) => [service, front.url])),
    };
    // One operator per account, as each account's administrator acts with its own credentials.
    const emulators = new Map<string, Emulator>();
    for (const a of accounts) {
      const keys = await createOperatorKey(moto.url, a, "e2e-operator");
      emulators.set(a, { url: moto.url, serviceUrls, ...keys });
      log(`precondition: IAM user e2e-operator with an access key in account ${a}`);
    }
    for (const zone of zones) {
      const id = await createHostedZone(moto.url, zone.account, zone.name);
      if (id !== zone.id) throw new Error(`hosted zone ${zone.name} got id ${id}, not ${zone.id}`);
      log(`precondition: hosted zone ${zone.name} (${zone.id}) in account ${zone.account}`);
    }
    const env = terraformEnv(cache, proxyEnv(guard.url));
    const apply = async (name: string) => {
      const emulator = emulators.get(accountOfStack.get(name)!)!;
      if (name !== "state" && name !== "shared" && accountOfStack.get(name) !== account) {
        log(`${name}: applied with the operator key of account ${accountOfStack.get(name)}`);
      }
      const result = await applyStack(name, dir, emulator, list, env);
      if (result.failure) log(`${name}: ${result.failure}`);
      return result;
    };
    // The foundation one after the other (each needs the one before); then the environments at
    // the same time: they share nothing but the foundation, and most of an apply is the
    // provider's waiters (RDS, S3 lifecycle), so two overlap well on 2 cores.
    for (const name of scope.foundation) {
      const result = await apply(name);
      results.push(result);
      if (result.failure) break;
    }
    if (results.every((r) => !r.failure)) {
      results.push(
        ...(await inParallel(
          scope.environments.map((name) => () => apply(name)),
          ENVIRONMENTS_AT_ONCE,
        )),
      );
    }
    if (results.length === stacks.length && results.every((r) => !r.failure)) {
      lock = await lockTest(dir, moto, account, env);
      log(`lock: ${lock.outcome}`);
      for (const name of scope.ciPlanStacks) {
        const result = await ciPlanTest(name, dir, env);
        ciPlans.push(result);
        log(`CI plan of ${name}: ${result.outcome}`);
      }
      for (const name of workloads) {
        const emulator = emulators.get(accountOfStack.get(name)!)!;
        drives.push(await driveWorkload({ stack: name, dir: join(dir, name), emulator, env, log }));
        const { excluded } = results.find((r) => r.stack === name)!;
        const { knownDifferences } = list;
        const release = { stack: name, dir: join(dir, name), env, excluded, knownDifferences, log };
        releases.push(await releasePlan(release));
      }
    }
  } finally {
    await guard?.close();
    await bridge?.close();
    for (const front of fronts.values()) await front.close();
    moto.stop();
    if (keep) log(`kept ${dir}`);
    else rmSync(dir, { recursive: true, force: true });
  }

  console.log("\ne2e: left out (scripts/e2e.exclusions.json, and what refers to it):");
  const excluded = results.flatMap((r) => r.excluded.map((e) => ({ stack: r.stack, ...e })));
  for (const e of excluded) console.log(`  ${e.stack} ${e.address}: ${e.reason}`);
  if (excluded.length === 0) console.log("  nothing");
  console.log("\ne2e: set differently for the emulator (scripts/e2e.exclusions.json settings):");
  for (const s of list.settings) {
    const args = Object.entries(s.set).map(([k, v]) => `${k} = ${JSON.stringify(v)}`);
    console.log(`  ${s.match} ${args.join(", ")}: ${s.reason}`);
  }
  if (results.length === stacks.length && results.every((r) => !r.failure)) {
    const used = new Set(results.flatMap((r) => r.used));
    for (const entry of [...list.exclusions, ...list.knownDifferences, ...list.settings].filter(
      (e) => !used.has(e),
    )) {
      log(
        `entry ${entry.match} of scripts/e2e.exclusions.json matched nothing: remove it if moto no longer needs it`,
      );
    }
  }

  console.log("\ne2e: summary");
  const rows = [
    [
      "stack",
      "applied/total",
      "excluded",
      "2nd-plan changes",
      "init",
      "apply",
      "2nd plan",
      "result",
    ],
  ];
  for (const r of results) {
    const changes =
      r.secondPlanChanges === undefined
        ? "-"
        : `${r.secondPlanChanges} (${r.secondPlanChanges - r.knownChanges} unexpected)`;
    const unexpected = (r.secondPlanChanges ?? 0) - r.knownChanges;
    rows.push([
      r.stack,
      `${r.applied}/${r.total}`,
      String(r.excluded.length),
      changes,
      seconds(r.durations.init),
      seconds(r.durations.apply),
      seconds(r.durations.plan),
      r.failure ? "FAILED" : unexpected > 0 ? "CHANGES" : "ok",
    ]);
  }
  for (const stack of scope.stacks.slice(results.length))
    rows.push([stack, "-", "-", "-", "-", "-", "-", "not run"]);
  console.log(table(rows).replace(/^/gm, "  "));
  for (const r of results) {
    for (const d of r.details) console.log(`  ${r.stack} second plan: ${d}`);
    if (r.drift > 0) {
      console.log(
        `  ${r.stack} second plan: ${r.drift} resources read back differently than Terraform recorded them (drift: shown, not changes)`,
      );
    }
  }
  console.log(`  lock test (${LOCK_STACK}): ${lock.outcome} (${seconds(lock.seconds)})`);
  for (const name of scope.ciPlanStacks) {
    const result = ciPlans.find((r) => r.stack === name);
    console.log(
      `  CI plan (${name}): ${result ? `${result.outcome} (${seconds(result.seconds)})` : "not run"}`,
    );
  }
  for (const name of workloads) {
    const drive = drives.find((r) => r.stack === name);
    const release = releases.find((r) => r.stack === name);
    console.log(
      `  workload drive (${name}): ${drive ? `${drive.outcome} (${seconds(drive.seconds)})` : "not run"}`,
    );
    console.log(
      `  release, planned and applied (${name}): ${release ? `${release.outcome} (${seconds(release.seconds)})` : "not run"}`,
    );
  }
  console.log(
    `  guard proxy: ${guard?.forwarded ?? 0} account-prefixed requests passed to moto, ${guard?.refused.length ?? 0} refused`,
  );
  for (const r of guard?.refused ?? []) console.log(`    refused: ${r}`);
  const bridged = Object.entries(bridge?.calls ?? {}).map(([op, n]) => `${op} ${n}`);
  console.log(
    `  CloudWatch bridge: ${bridged.length > 0 ? bridged.join(", ") : "no calls"} (RPC v2 CBOR re-encoded as JSON protocol for moto)`,
  );
  for (const [service, front] of fronts) {
    const answered = Object.entries(front.answered).map(([op, n]) => `${op} ${n}`);
    console.log(
      `  answered in front of moto (${service}): ${answered.length > 0 ? answered.join(", ") : "none"}`,
    );
  }
  console.log(
    `  moto install/check ${seconds(installSeconds)}; total ${seconds((performance.now() - started) / 1000)}`,
  );
  if (cache.note) log(`note: ${cache.note}`);

  const failed =
    results.length !== stacks.length ||
    results.some((r) => r.failure || (r.secondPlanChanges ?? 0) - r.knownChanges > 0) ||
    !lock.ok ||
    ciPlans.length !== scope.ciPlanStacks.length ||
    ciPlans.some((r) => !r.ok) ||
    drives.length !== workloads.length ||
    drives.some((r) => !r.ok) ||
    releases.length !== workloads.length ||
    releases.some((r) => !r.ok) ||
    (guard?.refused.length ?? 0) > 0;
  if (failed) {
    for (const r of results.filter((x) => x.failure)) log(`${r.stack}: ${r.failure}`);
    log("FAILED");
    return 1;
  }
  log("passed");
  return 0;
}

main().then(
  (code) => process.exit(code),
  (error: unknown) => {
    console.error(
      `e2e: ${error instanceof Error ? (error.stack ?? error.message) : String(error)}`,
    );
    process.exit(1);
  },
);
