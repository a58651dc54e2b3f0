import { type App, TerraformOutput, TerraformStack, Testing } from "cdktf";
import { invokeAspects } from "cdktf/lib/synthesize/synthesizer";
import { createHash } from "node:crypto";
import {
  closeSync,
  existsSync,
  openSync,
  readFileSync,
  renameSync,
  rmSync,
  writeFileSync,
} from "node:fs";
import { join } from "node:path";
import { parseBackend, type BackendConfig } from "../src/config/backend";
import type { z } from "zod";
import { ConfigError, formatIssues } from "../src/config/errors";
import { committedConfig, parseConfig, type PlatformInput } from "../src/config/load";
import { environmentOf } from "../src/config/names";
import {
  EnvironmentSchema,
  type EnvironmentInput,
  type PlatformConfig,
} from "../src/config/schema";
import { buildPlatform } from "../src/app";
import { EnvironmentStack } from "../src/stacks/environment-stack";
import { SharedStack } from "../src/stacks/shared-stack";
import { PlatformStack } from "../src/stacks/platform-stack";
import { IamRolePolicy } from "@cdktf/provider-aws/lib/iam-role-policy";
import { policyDocument, type Grantee, type PolicyStatement } from "../src/lib/iam";
import backendJson from "../backend.tf.json";

/** The synthesized Terraform JSON of one stack. */
export interface StackJson {
  terraform: { backend?: Record<string, Record<string, unknown>> };
  provider: { aws: Record<string, unknown>[] };
  resource: Record<string, Record<string, Record<string, unknown>>>;
  data?: Record<string, Record<string, Record<string, unknown>>>;
  output?: Record<string, { value: unknown }>;
  /** `moved` blocks: where Terraform moves state from before it plans. */
  moved?: { from: string; to: string }[];
}

/**
 * The stack's Terraform JSON as `app.synth()` writes it: every stack of the app is prepared first,
 * which turns references between stacks into outputs and `terraform_remote_state` data sources;
 * then its aspects run and it is rendered, as `Testing.synth` does. The result is what
 * `JSON.parse(Testing.synth(stack))` returns, keys sorted and cdktf's "//" metadata left out,
 * made in one pass (`plainJson`) instead of three: Testing.synth copies every object once per key,
 * then writes the JSON text that this would parse again.
 */
export function synth(stack: TerraformStack): StackJson {
  for (const child of stack.node.root.node.children) {
    if (TerraformStack.isStack(child)) child.prepareStack();
  }
  return rendered(stack);
}

/**
 * Every stack of `app` by name, as `synth` gives each, in `app.synth()`'s order: all stacks
 * prepared once, then each rendered (synth on each stack would prepare them all once per stack).
 */
export function synthApp(app: App): Record<string, StackJson> {
  const stacks = app.node.children.filter((child) => TerraformStack.isStack(child));
  for (const stack of stacks) stack.prepareStack();
  return Object.fromEntries(stacks.map((stack) => [stack.node.id, rendered(stack)]));
}

function rendered(stack: TerraformStack): StackJson {
  invokeAspects(stack);
  return plainJson(stack.toTerraform()) as StackJson;
}

/**
 * `value` as JSON.parse(JSON.stringify(value)) with every object's keys sorted and every "//" key
 * left out: what Testing.synth's removeMetadata and json-stable-stringify make of cdktf's output.
 */
export function plainJson(value: unknown): unknown {
  if (typeof value === "number") return Number.isFinite(value) ? value : null;
  if (value === null || typeof value !== "object") return value;
  if (Array.isArray(value)) {
    return value.map((item) => {
      const plain = plainJson(item);
      return plain === undefined || typeof plain === "function" ? null : plain;
    });
  }
  const out: Record<string, unknown> = {};
  for (const key of Object.keys(value).sort()) {
    if (key === "//") continue;
    const plain = plainJson((value as Record<string, unknown>)[key]);
    if (plain !== undefined && typeof plain !== "function") out[key] = plain;
  }
  return out;
}

/**
 * An empty stack in a fresh app, to build one construct alone (GIVEN): addresses are derived as
 * in every stack of the project (`aws_sqs_queue.queue_events_queue`).
 */
export function bareStack(): PlatformStack {
  return new PlatformStack(Testing.app(), "test", {
    project: "orbit",
    region: "eu-west-1",
    allowedAccountIds: ["111111111111"],
    tags: {},
    backend: { kind: "local" },
  });
}

let probes = 0;

/** `value` as the synthesized stack writes it: tokens become `${type.name.attribute}`. */
export function resolved(stack: TerraformStack, value: unknown): unknown {
  const id = `resolved-${probes++}`;
  new TerraformOutput(stack, id, { value });
  return synth(stack).output![id.replace("-", "_")]!.value;
}

/** A grantee that writes each grant as an inline policy of one role, for `grantedPolicies`. */
export function policyGrantee(stack: TerraformStack): Grantee {
  return {
    grant(id: string, ...statements: PolicyStatement[]) {
      new IamRolePolicy(stack, `granted-${id}`, {
        role: "grantee",
        name: id,
        policy: policyDocument(...statements),
      });
    },
  };
}

/** The statements of every inline policy in the stack, by policy name. */
export function grantedPolicies(json: StackJson): Record<string, Record<string, unknown>[]> {
  return Object.fromEntries(
    Object.values(resourcesOf(json, "aws_iam_role_policy")).map((p) => [
      p.name as string,
      JSON.parse(p.policy as string).Statement,
    ]),
  );
}

/** All resources of one type, keyed by their Terraform name. */
export function resourcesOf(
  json: StackJson,
  type: string,
): Record<string, Record<string, unknown>> {
  return json.resource[type] ?? {};
}

/** The one resource of a type; fails the test if there are none or several. */
export function onlyResource(json: StackJson, type: string): Record<string, unknown> {
  const all = Object.values(resourcesOf(json, type));
  if (all.length !== 1) throw new Error(`expected exactly one ${type}, found ${all.length}`);
  return all[0]!;
}

/** Every resource address (`type.name`) in the stack. */
export function addresses(json: StackJson): string[] {
  return Object.entries(json.resource).flatMap(([type, byName]) =>
    Object.keys(byName).map((name) => `${type}.${name}`),
  );
}

export const committedBackend: BackendConfig = parseBackend(backendJson);

/** backend.tf.json with some of its S3 settings changed (a value of undefined removes one). */
export function backendWith(s3: Record<string, unknown>): BackendConfig {
  return parseBackend({
    terraform: { backend: { s3: { ...backendJson.terraform.backend.s3, ...s3 } } },
  });
}

/** A committed environment file's input; fails the test when there is no such file. */
export function committedEnvironment(name: string): EnvironmentInput {
  const env = committedConfig.environments[name];
  if (env === undefined) throw new Error(`no committed environment ${name}`);
  return env;
}

/** One parsed environment of `config`; throws when it has none of that name. */
export { environmentOf };

type DeepPartial<T> = { [K in keyof T]?: T[K] extends object ? DeepPartial<T[K]> : T[K] };

function merge<T>(base: T, patch: DeepPartial<T> | undefined): T {
  if (patch === undefined) return base;
  if (typeof base !== "object" || base === null || Array.isArray(patch)) return patch as T;
  const out: Record<string, unknown> = { ...(base as Record<string, unknown>) };
  for (const [key, value] of Object.entries(patch as Record<string, unknown>)) {
    // A key patched to undefined removes the value.
    out[key] =
      value === undefined
        ? undefined
        : merge((base as Record<string, unknown>)[key], value as never);
  }
  return out as T;
}

/** The committed configuration with one environment's input patched. */
export function configWith(name: string, patch: DeepPartial<EnvironmentInput>): PlatformConfig {
  const input: PlatformInput = {
    ...committedConfig,
    environments: {
      ...committedConfig.environments,
      [name]: merge(committedEnvironment(name), patch),
    },
  };
  return parseConfig(input);
}

/**
 * A fresh app holding the shared stack and one environment stack, built from the committed
 * configuration with `patch` applied to that environment.
 */
export function environmentStack(
  name = "staging",
  patch: DeepPartial<EnvironmentInput> = {},
): EnvironmentStack {
  const config = configWith(name, patch);
  const app = Testing.app();
  new SharedStack(app, "shared", config, committedBackend);
  return new EnvironmentStack(app, environmentOf(config, name), committedBackend);
}

const synthesized = new Map<string, StackJson>();

const pause = new Int32Array(new SharedArrayBuffer(4));

/**
 * `build()`, computed by one test worker of the run and read by the others: a stack synthesized in
 * one worker is not synthesized again in the other. The first worker to need `key` takes a lock
 * file and writes the JSON to the run's directory (global-setup.ts); another waits for that file,
 * or builds it itself if the first failed (and so fails the same way) or took over a minute.
 * Without that directory (a run without the global setup), each worker builds its own.
 */
function sharedAcrossWorkers<T>(key: string, build: () => T): T {
  const dir = process.env.FARGATE_PLATFORM_TEST_SYNTHESIZED;
  if (dir === undefined || !existsSync(dir)) return build();
  const file = join(dir, `${createHash("sha256").update(key).digest("hex")}.json`);
  const lock = `${file}.lock`;
  let mine = false;
  try {
    closeSync(openSync(lock, "wx"));
    mine = true;
  } catch {
    // Another worker is building it, or has built it.
  }
  if (mine) {
    try {
      const value = build();
      writeFileSync(`${file}.tmp`, JSON.stringify(value));
      renameSync(`${file}.tmp`, file);
      return value;
    } finally {
      if (!existsSync(file)) rmSync(lock, { force: true });
    }
  }
  for (const deadline = Date.now() + 60_000; Date.now() < deadline; Atomics.wait(pause, 0, 0, 20)) {
    if (existsSync(file)) return JSON.parse(readFileSync(file, "utf8")) as T;
    if (!existsSync(lock)) break;
  }
  return build();
}

function deepFreeze<T>(value: T): T {
  if (typeof value === "object" && value !== null && !Object.isFrozen(value)) {
    Object.freeze(value);
    for (const child of Object.values(value)) deepFreeze(child);
  }
  return value;
}

/**
 * `synth(environmentStack(name, patch))`, built once per test run for each distinct
 * `(name, patch)` (`sharedAcrossWorkers`) and frozen, so a test that changed it would throw
 * instead of leaking into the next one. A whole environment takes about half a second to build and
 * synthesize, and the stack tests read the committed ones dozens of times.
 */
export function environmentJson(
  name = "staging",
  patch: DeepPartial<EnvironmentInput> = {},
): StackJson {
  const key = `${name} ${JSON.stringify(patch)}`;
  let json = synthesized.get(key);
  if (json === undefined) {
    json = deepFreeze(
      sharedAcrossWorkers(`environment ${key}`, () => synth(environmentStack(name, patch))),
    );
    synthesized.set(key, json);
  }
  return json;
}

const platforms = new Map<string, Record<string, StackJson>>();

/**
 * Every stack of the committed configuration (`buildPlatform`, as `npm run synth` builds them) with
 * `backend`, by stack name: synthesized once per test run for each backend, and frozen.
 */
export function platformJson(backend: BackendConfig = committedBackend): Record<string, StackJson> {
  const key = JSON.stringify(backend);
  let stacks = platforms.get(key);
  if (stacks === undefined) {
    stacks = deepFreeze(
      sharedAcrossWorkers(`platform ${key}`, () => {
        const app = Testing.app();
        buildPlatform(app, parseConfig(), backend);
        return synthApp(app);
      }),
    );
    platforms.set(key, stacks);
  }
  return stacks;
}

/** The problems of the `ConfigError` that `attempt` throws; fails if it throws nothing. */
export function configProblems(attempt: () => unknown): readonly string[] {
  try {
    attempt();
  } catch (error) {
    if (error instanceof ConfigError) return error.problems;
    throw error;
  }
  throw new Error("the configuration was accepted");
}

type CrossFieldRule<T> = (value: T, ctx: z.RefinementCtx, at: readonly (string | number)[]) => void;

/**
 * The problems a cross-field rule (`checkService`, `checkDatabase`) finds in `value`, as
 * `x.<path>: <value> <message>` lines: the rule alone, on settings its schema has parsed.
 */
export function ruleProblems<T>(check: CrossFieldRule<T>, value: T): string[] {
  const issues: z.core.$ZodIssue[] = [];
  const ctx = { value, addIssue: (issue: z.core.$ZodIssue) => issues.push(issue) };
  check(value, ctx as unknown as z.RefinementCtx, []);
  return formatIssues("x", value, issues);
}

/** A minimal non-production environment: one public service, nothing else declared. */
export const minimalEnvironment = {
  tier: "non-production",
  region: "eu-west-1",
  allowedAccountIds: ["111111111111"],
  services: { api: { public: {} } },
  cost: { monthlyBudgetUsd: 100 },
} as const satisfies EnvironmentInput;

/**
 * The problems `EnvironmentSchema` finds in `minimalEnvironment` with `patch` applied, as
 * `env.<path>: <value> <message>` lines; empty when it parses.
 */
export function environmentProblems(patch: DeepPartial<EnvironmentInput> = {}): string[] {
  const input = merge(minimalEnvironment as EnvironmentInput, patch);
  const result = EnvironmentSchema.safeParse(input);
  return result.success ? [] : formatIssues("env", input, result.error.issues);
}
