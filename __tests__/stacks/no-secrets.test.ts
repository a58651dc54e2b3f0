import { App } from "cdktf";
import { mkdtempSync, readdirSync, readFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { buildPlatform } from "../../src/app";
import { parseConfig } from "../../src/config/load";
import { remoteStateStacks } from "../../src/config/names";
import { committedBackend } from "../helpers";

describe("no password anywhere", () => {
  it("no synthesized stack holds a password literal, not even in a container's environment", () => {
    const outdir = mkdtempSync(join(tmpdir(), "no-password-"));
    const app = new App({ outdir });
    const config = parseConfig();
    buildPlatform(app, config, committedBackend);
    app.synth();
    const stacks = readdirSync(join(outdir, "stacks")).sort();
    // Every stack: state, shared and every environment's, the committed ones among them.
    expect(stacks).toEqual(["state", ...remoteStateStacks(config)].sort());
    expect(stacks).toEqual(expect.arrayContaining(["prod", "shared", "staging", "state"]));
    for (const stack of stacks) {
      const text = readFileSync(join(outdir, "stacks", stack, "cdk.tf.json"), "utf8");
      const literals: string[] = [];
      JSON.parse(text, (key, value) => {
        // A key naming a password may only hold a reference, never a value.
        if (/passw(or)?d/i.test(key) && typeof value === "string" && !value.startsWith("${")) {
          literals.push(`${key}=${value}`);
        }
        return value;
      });
      expect(literals, stack).toEqual([]);
      // Container definitions are a JSON string: a password there would hide in an environment entry.
      const json = JSON.parse(text) as {
        resource?: Record<string, Record<string, Record<string, unknown>>>;
      };
      for (const task of Object.values(json.resource?.aws_ecs_task_definition ?? {})) {
        for (const container of JSON.parse(task.container_definitions as string) as {
          environment?: { name: string }[];
        }[]) {
          const names = (container.environment ?? []).map((e) => e.name);
          expect(
            names.filter((name) => /PASS|SECRET(?!_ARN)|TOKEN|KEY$/.test(name)),
            stack,
          ).toEqual([]);
        }
      }
      expect(text, stack).not.toMatch(/"(password|master_password|password_wo)"\s*:/);
    }
  });
});
