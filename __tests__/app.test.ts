import { cpSync, existsSync, mkdtempSync, readdirSync, readFileSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { synthesize } from "../src/app";
import { ConfigError } from "../src/config/errors";
import { committedConfig, parseConfig } from "../src/config/load";
import { remoteStateStacks } from "../src/config/names";
import { committedEnvironment } from "./helpers";

const freshDir = () => mkdtempSync(join(tmpdir(), "synth-"));

let committed: string | undefined;
/**
 * The output directory of one `synthesize()` of the committed configuration, made on first use:
 * the tests read it, or copy it to have a previous output; none changes it.
 */
function committedOutput(): string {
  if (committed === undefined) {
    const outdir = join(freshDir(), "cdktf.out");
    synthesize({ outdir });
    committed = outdir;
  }
  return committed;
}

describe("synthesize", () => {
  it("writes one Terraform JSON document per stack into the output directory", () => {
    const outdir = committedOutput();
    // Every stack: state, shared and one per environment file, the committed ones among them.
    const config = parseConfig();
    const remote = remoteStateStacks(config);
    expect(remote).toEqual(expect.arrayContaining(["shared", "staging", "prod"]));
    expect(readdirSync(join(outdir, "stacks")).sort()).toEqual(["state", ...remote].sort());
    // The accounts CI identity is in: the shared account (in `shared`) and each other
    // environment account, in an identity stack of its own.
    const ciAccounts = new Set([
      config.project.sharedAccountIds[0],
      ...Object.values(config.environments).map((env) => env.allowedAccountIds[0]),
    ]);
    expect(ciAccounts.size).toBeGreaterThanOrEqual(2);
    expect(remote.filter((stack) => stack.startsWith("identity-"))).toEqual(
      [...ciAccounts].slice(1).map((account) => `identity-${account}`),
    );
    for (const stack of ["state", ...remote]) {
      const json = JSON.parse(readFileSync(join(outdir, "stacks", stack, "cdk.tf.json"), "utf8"));
      // Every stack acts in exactly one account, with that account's credentials.
      expect(json.provider.aws, stack).toHaveLength(1);
      expect(json.provider.aws[0].assume_role, stack).toBeUndefined();
    }
    // A plan's backend override and variables for every remote-state stack.
    expect(readdirSync(join(outdir, "pipeline")).sort()).toEqual(
      remote.flatMap((stack) => [`${stack}.plan.tfbackend`, `${stack}.plan.tfvars.json`]).sort(),
    );
    expect(JSON.parse(readFileSync(join(outdir, "pipeline.json"), "utf8")).version).toBe(1);
  });

  it("writes nothing, and leaves the previous output whole, when the configuration is invalid", () => {
    const parent = freshDir();
    const outdir = join(parent, "cdktf.out");
    cpSync(committedOutput(), outdir, { recursive: true });
    const before = readFileSync(join(outdir, "stacks", "prod", "cdk.tf.json"), "utf8");
    const broken = {
      ...committedConfig,
      environments: {
        ...committedConfig.environments,
        prod: { ...committedEnvironment("prod"), network: { cidr: "10.0.0.0/33" } },
      },
    };
    expect(() => synthesize({ outdir, input: broken })).toThrow(ConfigError);
    expect(readFileSync(join(outdir, "stacks", "prod", "cdk.tf.json"), "utf8")).toBe(before);
    expect(readdirSync(parent)).toEqual(["cdktf.out"]);
  });

  it("writes nothing when a guardrail fails, and names the rule", () => {
    const parent = freshDir();
    const outdir = join(parent, "cdktf.out");
    const tightBudget = {
      ...committedConfig,
      environments: {
        ...committedConfig.environments,
        prod: { ...committedEnvironment("prod"), guardrails: { deployBudgetSeconds: 60 } },
      },
    };
    let message = "";
    try {
      synthesize({ outdir, input: tightBudget });
    } catch (error) {
      message = (error as Error).message;
    }
    // Each service is checked on its own: the API drains through its target group, the worker
    // (no load balancer) within its container's stop timeout.
    expect(message.split("\n")).toEqual([
      "Guardrails failed (2 errors); nothing was written:",
      expect.stringMatching(
        /^ {2}- \[PLAT-7 Deploy-time budget\] prod: aws_ecs_service\.service_api_service: 710 s worst case \(budget 60 s\): canary/,
      ),
      expect.stringMatching(
        /^ {2}- \[PLAT-7 Deploy-time budget\] prod: aws_ecs_service\.service_worker_service: 90 s worst case \(budget 60 s\).*drain 30 s/,
      ),
    ]);
    expect(readdirSync(parent)).toEqual([]);
  });

  it("writes nothing when backend.tf.json is missing", () => {
    const outdir = join(freshDir(), "cdktf.out");
    expect(() => synthesize({ outdir, backendFile: join(freshDir(), "backend.tf.json") })).toThrow(
      /backend\.tf\.json: cannot be read \(ENOENT\)/,
    );
    expect(existsSync(outdir)).toBe(false);
  });

  it("refuses a malformed backend.tf.json before writing", () => {
    const dir = freshDir();
    const backendFile = join(dir, "backend.tf.json");
    writeFileSync(backendFile, JSON.stringify({ terraform: { backend: { s3: { bucket: "x" } } } }));
    const outdir = join(dir, "cdktf.out");
    expect(() => synthesize({ outdir, backendFile })).toThrow(ConfigError);
    expect(existsSync(outdir)).toBe(false);
  });
});
