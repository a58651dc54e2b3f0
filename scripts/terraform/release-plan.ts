// A release as CI does it, on an applied environment stack: the deploy job of
// .github/workflows/deploy.yml plans `-var "image_tag=$IMAGE_TAG"` (the commit SHA the build job
// pushed) with the synthesized backend and no var file. A release must touch nothing but the task
// definitions (replaced: a new revision with the new image) and the ECS services (updated in
// place to run it): a plan that would create, replace or change anything else is a release that
// is not one. The classification is pure; `releasePlan` runs Terraform.
import { z } from "zod";
import { classifyChanges, type Excluded, type KnownDifference } from "./exclusions";
import { planDifferences } from "./output";
import { readStack, seconds, terraform } from "./run";
import { stateResources, taskDefinitions, type StateResource } from "./workload-drive";

/** The tag the release plans: a 40-digit commit SHA, as release.yml passes `github.sha`. */
export const RELEASE_IMAGE_TAG = "89abcdef0123456789abcdef0123456789abcdef";

/** What a release may change, and how. */
const RELEASED: Readonly<Record<string, { actions: readonly string[]; why: string }>> = {
  aws_ecs_task_definition: {
    actions: ["replace"],
    why: "a new revision with the new image (container definitions force a new one)",
  },
  aws_ecs_service: {
    actions: ["update"],
    why: "in place, to run the new revision",
  },
};

const PlanJson = z.looseObject({
  resource_changes: z
    .array(
      z.looseObject({
        address: z.string(),
        mode: z.string(),
        type: z.string(),
        change: z.looseObject({ actions: z.array(z.string()), after: z.unknown().optional() }),
      }),
    )
    .default([]),
  output_changes: z
    .record(z.string(), z.looseObject({ actions: z.array(z.string()), after: z.unknown() }))
    .default({}),
});

/** Terraform's action list as one word: `["delete","create"]` and `["create","delete"]` are a replace. */
export function actionOf(actions: readonly string[]): string {
  if (actions.length === 2 && actions.includes("create") && actions.includes("delete")) {
    return "replace";
  }
  return actions.join(",");
}

export interface ReleaseRow {
  readonly address: string;
  readonly type: string;
  readonly action: string;
  /**
   * released: a release's change; moto: a known moto difference, which every plan of the copy
   * shows (as the second plan did); pending: left out of the e2e apply, so every plan creates it;
   * unexpected: anything else
   */
  readonly verdict: "released" | "moto" | "pending" | "unexpected";
  readonly note: string;
}

export interface ReleaseClassification {
  readonly rows: ReleaseRow[];
  /** what makes the plan not a release; empty when it is one */
  readonly problems: string[];
}

const baseAddress = (address: string) => address.replace(/\[[^\]]*\]$/, "");

/**
 * Classifies `terraform show -json` of a release plan. Each managed resource with an action is a
 * row: a task definition replaced or a service updated in place is the release; a change that is
 * entirely a known moto difference (`moto`: addresses, judged attribute by attribute by
 * classifyChanges, as for the second plan) is moto's; a resource the e2e left out of the apply
 * (`excluded`, not in the state) that the plan creates is pending, not the release's doing;
 * anything else is unexpected. It is a release when nothing is unexpected,
 * at least one task definition is replaced, and each replaced task definition runs `tag`.
 */
export function classifyReleasePlan(
  planJson: unknown,
  tag: string,
  excluded: readonly Pick<Excluded, "address">[],
  moto: ReadonlySet<string> = new Set(),
): ReleaseClassification {
  const plan = PlanJson.parse(planJson);
  const left = new Set(excluded.map((e) => e.address));
  const rows: ReleaseRow[] = [];
  const problems: string[] = [];
  for (const rc of plan.resource_changes) {
    if (rc.mode !== "managed") continue;
    const action = actionOf(rc.change.actions);
    if (action === "no-op" || action === "read") continue;
    const allowed = RELEASED[rc.type];
    if (allowed?.actions.includes(action)) {
      const images = rc.type === "aws_ecs_task_definition" ? plannedImages(rc.change.after) : [];
      const stale = images.filter((image) => !image.endsWith(`:${tag}`));
      if (rc.type === "aws_ecs_task_definition" && (images.length === 0 || stale.length > 0)) {
        problems.push(`${rc.address} is replaced but does not run ${tag}: ${images.join(", ")}`);
      }
      const note = images.length > 0 ? `${allowed.why}: ${images.join(", ")}` : allowed.why;
      rows.push({ address: rc.address, type: rc.type, action, verdict: "released", note });
    } else if (moto.has(rc.address)) {
      rows.push({
        address: rc.address,
        type: rc.type,
        action,
        verdict: "moto",
        note: "a known moto difference (scripts/e2e.exclusions.json), as in the second plan",
      });
    } else if (action === "create" && left.has(baseAddress(rc.address))) {
      rows.push({
        address: rc.address,
        type: rc.type,
        action,
        verdict: "pending",
        note: "left out of the e2e apply (scripts/e2e.exclusions.json), so every plan creates it",
      });
    } else {
      const expected = allowed
        ? `a release may only ${allowed.actions.join(" or ")} a ${rc.type}`
        : "a release changes only task definitions and ECS services";
      rows.push({
        address: rc.address,
        type: rc.type,
        action,
        verdict: "unexpected",
        note: expected,
      });
      problems.push(`${rc.address}: ${action} (${expected})`);
    }
  }
  if (!rows.some((r) => r.type === "aws_ecs_task_definition" && r.verdict === "released")) {
    problems.push("no task definition is replaced: the new image would not run");
  }
  const output = plan.output_changes.image_tag;
  if (output && output.after !== tag) {
    problems.push(`the image_tag output would be ${JSON.stringify(output.after)}, not ${tag}`);
  }
  return { rows: rows.sort((a, b) => a.address.localeCompare(b.address)), problems };
}

/** The images of a planned task definition's containers (its `after.container_definitions`). */
function plannedImages(after: unknown): string[] {
  const definitions = (after as { container_definitions?: unknown } | null)?.container_definitions;
  if (typeof definitions !== "string") return [];
  const containers = JSON.parse(definitions) as { image?: unknown }[];
  return containers.map((c) => c.image).filter((i): i is string => typeof i === "string");
}

/**
 * After the release's apply: every ECS service must run a task definition revision whose
 * essential container runs the released tag. Pure; returns the problems (none: released).
 */
export function releasedState(resources: readonly StateResource[], tag: string): string[] {
  const images = new Map(taskDefinitions(resources).map((t) => [t.arn, t.container.image]));
  const services = resources.filter((x) => x.type === "aws_ecs_service");
  if (services.length === 0) return ["no ECS service in the state"];
  return services.flatMap((service) => {
    const arn = String(service.values.task_definition);
    const image = images.get(arn);
    if (image === undefined) return [`${service.address} runs ${arn}, not a revision in the state`];
    return image.endsWith(`:${tag}`) ? [] : [`${service.address} runs ${arn} with ${image}`];
  });
}

export interface ReleasePlanResult {
  readonly stack: string;
  readonly ok: boolean;
  readonly outcome: string;
  readonly rows: ReleaseRow[];
  readonly seconds: number;
}

/**
 * Plans a release on the applied copy `dir` of `stack` as deploy.yml does (`terraform plan
 * -input=false -lock-timeout=5m -var "image_tag=<sha>" -out=tfplan`, through the stack's own
 * backend and state role), reads it with `terraform show -json`, and classifies it; then applies
 * that plan as the deploy job's next step does, and checks in the state that every ECS service
 * runs a revision with the new tag. (It applies what the plan holds, moto's known differences
 * included, as the deploy job would.)
 */
export async function releasePlan(options: {
  stack: string;
  dir: string;
  env: NodeJS.ProcessEnv;
  excluded: readonly Excluded[];
  knownDifferences: readonly KnownDifference[];
  log: (line: string) => void;
  tag?: string;
}): Promise<ReleasePlanResult> {
  const { stack, dir, env, log } = options;
  const tag = options.tag ?? RELEASE_IMAGE_TAG;
  const started = performance.now();
  const done = (ok: boolean, outcome: string, rows: ReleaseRow[] = []): ReleasePlanResult => ({
    stack,
    ok,
    outcome: ok ? `ok: ${outcome}` : `FAILED: ${outcome}`,
    rows,
    seconds: (performance.now() - started) / 1000,
  });
  const plan = await terraform(
    dir,
    [
      "plan",
      "-input=false",
      "-no-color",
      "-lock-timeout=5m",
      "-var",
      `image_tag=${tag}`,
      "-out=release.tfplan",
    ],
    env,
    900,
  );
  if (plan.code !== 0) {
    return done(
      false,
      `plan -var image_tag=${tag}: ${plan.stderr.trim().split("\n").slice(-10).join(" ")}`,
    );
  }
  const show = await terraform(dir, ["show", "-json", "-no-color", "release.tfplan"], env, 300);
  if (show.code !== 0) return done(false, `terraform show -json: ${show.stderr.trim()}`);
  const moto = classifyChanges(
    planDifferences(show.stdout).changes,
    stack,
    options.knownDifferences,
    readStack(stack),
  ).known.map((k) => k.difference.address);
  const { rows, problems } = classifyReleasePlan(
    JSON.parse(show.stdout),
    tag,
    options.excluded,
    new Set(moto),
  );
  log(
    `release (${stack}): plan -var image_tag=${tag} in ${seconds(plan.seconds)}; ${rows.length} resources with an action:`,
  );
  for (const row of rows)
    log(
      `release (${stack}):   ${row.action.padEnd(7)} ${row.address}  [${row.verdict}] ${row.note}`,
    );
  const count = (verdict: ReleaseRow["verdict"], type?: string) =>
    rows.filter((r) => r.verdict === verdict && (!type || r.type === type)).length;
  const summary = `${count("released", "aws_ecs_task_definition")} task definitions replaced, ${count("released", "aws_ecs_service")} services updated in place, ${count("moto")} known moto differences, ${count("pending")} left out of the e2e apply and created by any plan, ${count("unexpected")} other changes`;
  if (problems.length > 0) return done(false, `${summary}: ${problems.join("; ")}`, rows);

  // The deploy job's next step: `terraform apply -input=false -lock-timeout=5m tfplan`.
  const apply = await terraform(
    dir,
    ["apply", "-input=false", "-no-color", "-lock-timeout=5m", "release.tfplan"],
    env,
    900,
  );
  if (apply.code !== 0) {
    const tail = (apply.stderr || apply.stdout).trim().split("\n").slice(-10).join(" ");
    return done(false, `${summary}; apply of the plan: ${tail}`, rows);
  }
  const state = await terraform(dir, ["show", "-json", "-no-color"], env, 300);
  if (state.code !== 0) return done(false, `terraform show -json (state): ${state.stderr.trim()}`);
  const notReleased = releasedState(stateResources(JSON.parse(state.stdout)), tag);
  if (notReleased.length > 0) {
    return done(false, `${summary}; after the apply: ${notReleased.join("; ")}`, rows);
  }
  log(
    `release (${stack}): applied in ${seconds(apply.seconds)}; every ECS service runs a revision with image tag ${tag}`,
  );
  return done(true, `${summary}; applied, every service runs the new revision`, rows);
}
