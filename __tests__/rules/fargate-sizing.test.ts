import { describe, expect, it } from "vitest";
import { fargateSizing } from "../../src/rules/fargate-sizing";
import { context, model, servicePath } from "./fixtures";

describe("PLAT-5 Fargate sizing", () => {
  it("passes a valid pair with headroom", () => {
    expect(
      fargateSizing.check(model(servicePath({ cpu: "512", memory: "1024" })), context).verdict,
    ).toBe("compliant");
  });

  it("refuses an invalid pair, listing the valid memory values", () => {
    const result = fargateSizing.check(model(servicePath({ cpu: "256", memory: "4096" })), context);
    expect(result.findings).toEqual([
      {
        paths: ["fixture/task"],
        message:
          "aws_ecs_task_definition.task memory: 4096 is not valid with cpu 256; allowed: 512, 1024 or 2048; fix: use one of those, or change aws_ecs_task_definition.task cpu (aws_ecs_task_definition.task)",
      },
    ]);
  });

  it("warns about seed 000's 512 MiB: valid for Fargate, too little for the runtime", () => {
    const result = fargateSizing.check(model(servicePath({ cpu: "256", memory: "512" })), context);
    expect(result.findings).toEqual([
      expect.objectContaining({
        level: "warning",
        message: expect.stringMatching(
          /512 MiB is below the 1024 MiB headroom for the runtime \(seed 000: 512 MiB was OOM-killed, exit 137\)/,
        ),
      }),
    ]);
  });
});
