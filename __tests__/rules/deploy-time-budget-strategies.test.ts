import { mkdtempSync, readdirSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { synthesize } from "../../src/app";
import { committedConfig } from "../../src/config/load";
import {
  deployTimeBudget,
  estimateDeployment,
  trafficShiftOf,
} from "../../src/rules/deploy-time-budget";
import type { StackJson as ModelJson } from "../../src/rules/model";
import { DEPLOYMENT_STRATEGIES } from "../../src/service/settings";
import { committedEnvironment, environmentJson } from "../helpers";
import { context, model, servicePath } from "./fixtures";

type Resources = Record<string, Record<string, Record<string, unknown>>>;

// A new task is healthy after max(30 s grace, 60 s start + 2 x 10 s) = 80 s; 30 s drain.
const base = {
  tasks: 10,
  minimumHealthyPercent: 100,
  maximumPercent: 200,
  taskStartSeconds: 60,
  healthCheckIntervalSeconds: 10,
  healthyThreshold: 2,
  gracePeriodSeconds: 30,
  deregistrationDelaySeconds: 30,
};

describe("estimateDeployment per strategy", () => {
  it("blue/green: the new set healthy at once, all traffic at once, the bake time, then the drain", () => {
    expect(
      estimateDeployment({ ...base, shift: { strategy: "BLUE_GREEN", bakeTimeMinutes: 10 } }),
    ).toMatchObject({ batches: 1, totalSeconds: 80 + 0 + 600 + 30 });
  });

  it("canary: adds one canary interval before the rest of the traffic moves", () => {
    expect(
      estimateDeployment({
        ...base,
        shift: {
          strategy: "CANARY",
          bakeTimeMinutes: 5,
          canaryPercent: 10,
          canaryIntervalMinutes: 5,
        },
      }).totalSeconds,
    ).toBe(80 + 300 + 300 + 30);
  });

  it("linear: adds at most one interval per step (25% steps: 4)", () => {
    const estimate = estimateDeployment({
      ...base,
      shift: { strategy: "LINEAR", bakeTimeMinutes: 0, stepPercent: 25, stepIntervalMinutes: 2 },
    });
    expect(estimate.totalSeconds).toBe(80 + 4 * 120 + 0 + 30);
    expect(estimate.explanation).toContain("4 step(s) of 25% x 2 min");
  });

  it("linear with a step that does not divide 100 rounds the steps up (30%: 4)", () => {
    expect(
      estimateDeployment({
        ...base,
        shift: { strategy: "LINEAR", bakeTimeMinutes: 0, stepPercent: 30, stepIntervalMinutes: 1 },
      }).totalSeconds,
    ).toBe(80 + 4 * 60 + 30);
  });

  it("the task count does not lengthen a traffic shift, as it does a rolling deployment with little headroom", () => {
    const shift = { strategy: "BLUE_GREEN", bakeTimeMinutes: 1 } as const;
    expect(
      estimateDeployment({ ...base, tasks: 100, maximumPercent: 110, shift }).totalSeconds,
    ).toBe(estimateDeployment({ ...base, tasks: 1, shift }).totalSeconds);
    expect(estimateDeployment({ ...base, tasks: 100, maximumPercent: 110 }).batches).toBe(10);
  });

  it("waits for the grace period when it is longer than becoming healthy", () => {
    expect(
      estimateDeployment({
        ...base,
        gracePeriodSeconds: 300,
        shift: { strategy: "BLUE_GREEN", bakeTimeMinutes: 0 },
      }).totalSeconds,
    ).toBe(300 + 30);
  });
});

describe("trafficShiftOf reads deployment_configuration", () => {
  const service = (values: Record<string, unknown>) => ({
    type: "aws_ecs_service",
    name: "s",
    address: "aws_ecs_service.s",
    path: "fixture/s",
    values,
  });

  it("a service without the block, or with ROLLING, has no shift", () => {
    expect(trafficShiftOf(service({}))).toBeUndefined();
    expect(
      trafficShiftOf(service({ deployment_configuration: { strategy: "ROLLING" } })),
    ).toBeUndefined();
  });

  it("takes the block's timings, and ECS's own defaults where it leaves them out", () => {
    expect(
      trafficShiftOf(
        service({
          deployment_configuration: {
            strategy: "CANARY",
            bake_time_in_minutes: "7",
            canary_configuration: { canary_percent: 20, canary_bake_time_in_minutes: "3" },
          },
        }),
      ),
    ).toEqual({
      strategy: "CANARY",
      bakeTimeMinutes: 7,
      canaryPercent: 20,
      canaryIntervalMinutes: 3,
    });
    expect(trafficShiftOf(service({ deployment_configuration: { strategy: "LINEAR" } }))).toEqual({
      strategy: "LINEAR",
      bakeTimeMinutes: 0,
      stepPercent: 10,
      stepIntervalMinutes: 6,
    });
  });
});

describe("PLAT-7 over a traffic-shifting service", () => {
  const shifting = (deploymentConfiguration: Record<string, unknown>) => {
    const json = servicePath();
    (json.resource as Resources).aws_ecs_service!.service!.deployment_configuration =
      deploymentConfiguration;
    return model(json);
  };

  it("reports the canary's worst case, step by step, within budget", () => {
    const result = deployTimeBudget.check(
      shifting({
        strategy: "CANARY",
        bake_time_in_minutes: "5",
        canary_configuration: { canary_percent: 10, canary_bake_time_in_minutes: "5" },
      }),
      context,
    );
    expect(result.verdict).toBe("compliant");
    expect(result.report).toEqual([
      "aws_ecs_service.service: 710 s worst case (budget 900 s): canary: 2 new tasks at once, " +
        "max(grace 30 s, start 60 s + 2 x 10 s) + canary 10% for 5 min (300 s) + bake 5 min + drain 30 s; " +
        "per strategy with its defaults: rolling 110 s, blueGreen 410 s, canary 710 s, linear 890 s",
    ]);
  });

  it("fails a blue/green whose bake time alone exceeds the budget, and says what to shorten", () => {
    const result = deployTimeBudget.check(
      shifting({ strategy: "BLUE_GREEN", bake_time_in_minutes: "60" }),
      context,
    );
    expect(result.verdict).toBe("non-compliant");
    expect(result.findings).toEqual([
      {
        paths: ["fixture/service", "fixture/targets"],
        message: expect.stringMatching(
          /^aws_ecs_service\.service: 3710 s worst case \(budget 900 s\): blue\/green: .* bake 60 min .*fix: shorten deployment\.bakeTimeMinutes, deployment\.canary \/ deployment\.linear interval/,
        ),
      },
    ]);
  });

  it("fails a linear deployment whose steps add up beyond the budget", () => {
    const result = deployTimeBudget.check(
      shifting({
        strategy: "LINEAR",
        bake_time_in_minutes: "0",
        linear_configuration: { step_percent: 10, step_bake_time_in_minutes: "2" },
      }),
      context,
    );
    // 80 s + 10 steps x 120 s + 30 s.
    expect(result.findings[0]!.message).toMatch(/^aws_ecs_service\.service: 1310 s worst case/);
  });
});

describe("each strategy's defaults fit the default budget", () => {
  it.each(DEPLOYMENT_STRATEGIES)(
    "%s with its defaults passes PLAT-7's 900 s on staging's API",
    (strategy) => {
      const json = environmentJson("staging", { services: { api: { deployment: { strategy } } } });
      const result = deployTimeBudget.check(
        model(json as unknown as ModelJson, "staging"),
        context,
      );
      expect(result.findings).toEqual([]);
      expect(result.report).toContainEqual(
        expect.stringMatching(
          /^aws_ecs_service\.service_api_service: \d+ s worst case \(budget 900 s\)/,
        ),
      );
    },
  );
});

describe("a long bake time fails synth", () => {
  it("prod's API with a 30-minute bake time: PLAT-7 names it and nothing is written", () => {
    const parent = mkdtempSync(join(tmpdir(), "synth-"));
    const prod = committedEnvironment("prod");
    const input = {
      ...committedConfig,
      environments: {
        ...committedConfig.environments,
        prod: {
          ...prod,
          services: {
            ...prod.services,
            api: {
              ...prod.services!.api!,
              deployment: { ...prod.services!.api!.deployment, bakeTimeMinutes: 30 },
            },
          },
        },
      },
    };
    expect(() => synthesize({ outdir: join(parent, "cdktf.out"), input })).toThrow(
      // 80 s healthy + 5 min canary + 30 min bake + 30 s drain.
      /\[PLAT-7 Deploy-time budget\] prod: aws_ecs_service\.service_api_service: 2210 s worst case \(budget 900 s\): canary: .*bake 30 min/,
    );
    expect(readdirSync(parent)).toEqual([]);
  });
});
