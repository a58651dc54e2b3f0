import { describe, expect, it } from "vitest";
import { deployTimeBudget, estimateDeployment } from "../../src/rules/deploy-time-budget";
import { context, model, servicePath } from "./fixtures";

describe("estimateDeployment", () => {
  const base = {
    taskStartSeconds: 60,
    healthCheckIntervalSeconds: 10,
    healthyThreshold: 2,
    gracePeriodSeconds: 30,
    deregistrationDelaySeconds: 30,
  };

  it("replaces every task in one batch with max 200% and min 100%", () => {
    expect(
      estimateDeployment({ ...base, tasks: 10, minimumHealthyPercent: 100, maximumPercent: 200 }),
    ).toMatchObject({
      batches: 1,
      secondsPerBatch: 110,
      totalSeconds: 110,
    });
  });

  it("needs several batches when little extra capacity is allowed", () => {
    // 10 tasks, up to 12 running, 10 must stay healthy: 2 per batch, 5 batches.
    expect(
      estimateDeployment({ ...base, tasks: 10, minimumHealthyPercent: 100, maximumPercent: 120 })
        .batches,
    ).toBe(5);
  });

  it("waits for the grace period when it is longer than becoming healthy", () => {
    expect(
      estimateDeployment({
        ...base,
        tasks: 1,
        minimumHealthyPercent: 100,
        maximumPercent: 200,
        gracePeriodSeconds: 300,
      }).secondsPerBatch,
    ).toBe(330);
  });
});

describe("PLAT-7 deploy-time budget", () => {
  it("passes and reports the estimate when within budget", () => {
    const result = deployTimeBudget.check(model(servicePath()), context);
    expect(result.verdict).toBe("compliant");
    expect(result.report).toEqual([
      expect.stringMatching(/^aws_ecs_service\.service: 110 s worst case \(budget 900 s\)/),
    ]);
  });

  it("fails AWS's defaults (300 s deregistration delay) against a tight budget", () => {
    const json = servicePath();
    const tg = (json.resource as Record<string, Record<string, Record<string, unknown>>>)
      .aws_lb_target_group!.targets!;
    tg.deregistration_delay = "300";
    tg.health_check = { interval: 30, healthy_threshold: 5 };
    const result = deployTimeBudget.check(model(json), { ...context, deployBudgetSeconds: 300 });
    expect(result.verdict).toBe("non-compliant");
    expect(result.findings[0]!.message).toMatch(
      /510 s worst case \(budget 300 s\).*allowed: at most fixture\.guardrails\.deployBudgetSeconds \(300 s\); fix: shorten public\.deregistrationDelaySeconds/,
    );
  });

  it("estimates a service without a load balancer with its container's stop timeout as the drain", () => {
    const result = deployTimeBudget.check(
      model(servicePath({ worker: { stopTimeout: 120 } })),
      context,
    );
    expect(result.verdict).toBe("compliant");
    expect(result.report).toContainEqual(
      expect.stringMatching(
        /^aws_ecs_service\.worker: 180 s worst case \(budget 900 s\): .*grace 0 s, start 60 s \+ 0 x 0 s\) \+ drain 120 s\)/,
      ),
    );
  });

  it("fails a worker whose stop timeout makes the deployment exceed the budget, naming only the service", () => {
    const result = deployTimeBudget.check(model(servicePath({ worker: { stopTimeout: 120 } })), {
      ...context,
      deployBudgetSeconds: 150,
    });
    expect(result.findings).toEqual([
      {
        paths: ["fixture/worker"],
        message: expect.stringMatching(
          /^aws_ecs_service\.worker: 180 s worst case \(budget 150 s\)/,
        ),
      },
    ]);
  });
});
