import { describe, expect, it } from "vitest";
import { configProblems, configWith } from "../helpers";

/**
 * A public service whose every task is on Fargate Spot goes dark on one reclaim, and the smoke
 * test that gates every production release fails with it (issue 15, item 13): the schema refuses
 * it; one on-demand base task, the rest on Spot, is the cheap shape that survives.
 */
describe("a public service's capacity survives a Spot reclaim", () => {
  it("refuses a public service with every task on Spot, naming the field and the fix", () => {
    const problems = configProblems(() =>
      configWith("staging", {
        services: { api: { capacity: { fargateBase: 0, fargateWeight: 0, fargateSpotWeight: 1 } } },
      }),
    );
    expect(problems).toEqual([
      expect.stringMatching(
        /^staging\.services\.api\.capacity\.fargateBase: 0 leaves every task of a public service on Fargate Spot .*allowed: at least 1 when fargateWeight is 0, for a public service; fix: set capacity\.fargateBase: 1/,
      ),
    ]);
  });

  it("accepts one on-demand base task with the rest on Spot, and a worker entirely on Spot", () => {
    const config = configWith("staging", {
      services: {
        api: { capacity: { fargateBase: 1, fargateWeight: 1, fargateSpotWeight: 3 } },
        worker: { capacity: { fargateBase: 0, fargateWeight: 0, fargateSpotWeight: 1 } },
      },
    });
    expect(config.environments.staging!.services.api!.capacity.fargateBase).toBe(1);
  });

  it("the committed staging API keeps its first task on-demand", () => {
    const config = configWith("staging", {});
    expect(config.environments.staging!.services.api!.capacity).toMatchObject({ fargateBase: 1 });
  });
});
