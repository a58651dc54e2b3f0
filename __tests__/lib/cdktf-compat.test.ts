import { TerraformOutput } from "cdktf";
import { afterEach, describe, expect, it } from "vitest";
import "../../src/lib/cdktf-compat";
import { bareStack, synth } from "../helpers";

describe("cdktf on Node 22 and later", () => {
  const warnings: Error[] = [];
  const listen = (warning: Error) => warnings.push(warning);
  afterEach(() => {
    process.off("warning", listen);
  });

  it("synthesizes an output whose value is an object without a deprecation warning", async () => {
    process.on("warning", listen);
    const stack = bareStack();
    new TerraformOutput(stack, "settings", { value: { region: "eu-west-1", ids: ["a", "b"] } });

    expect(synth(stack).output).toMatchObject({
      settings: { value: { region: "eu-west-1", ids: ["a", "b"] } },
    });
    await new Promise((resolve) => setImmediate(resolve)); // warnings are emitted on next tick
    expect(warnings.map((w) => `${w.name}: ${w.message}`)).toEqual([]);
  });
});
