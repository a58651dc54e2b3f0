import { App, TerraformStack } from "cdktf";
import { Construct } from "constructs";
import { describe, expect, it } from "vitest";
import { formatReport, runRules } from "../../src/rules/pack";
import { collectSuppressions, suppressRule } from "../../src/rules/suppressions";
import { context, servicePath } from "./fixtures";

describe("the rule pack", () => {
  it("fails on errors, keeps warnings apart, and prints a table of rule x stack", () => {
    const report = runRules(
      {
        ok: servicePath(),
        broken: servicePath({ portVariable: "3000", memory: "512", cpu: "256" }),
      },
      () => context,
    );
    expect(report.errors).toEqual([
      expect.stringMatching(
        /^\[PLAT-1 Port alignment\] broken: PORT in aws_ecs_task_definition\.task is 3000/,
      ),
    ]);
    expect(report.warnings).toEqual([
      expect.stringMatching(/^\[PLAT-5 Fargate sizing\] broken: .*512 MiB is below/),
    ]);
    const text = formatReport(report);
    expect(text).toMatch(/^rule\s+ok\s+broken/);
    expect(text).toMatch(/PLAT-1 Port alignment\s+ok\s+FAIL/);
    expect(text).toMatch(/PLAT-5 Fargate sizing\s+ok\s+warn/);
  });

  it("sets a suppressed finding aside and lists the suppression with its reason", () => {
    const suppressions = [
      {
        ruleId: "PLAT-1",
        path: "fixture/task",
        reason: "the sidecar listens elsewhere on purpose",
      },
    ];
    const report = runRules(
      { broken: servicePath({ portVariable: "3000" }) },
      () => context,
      suppressions,
    );
    expect(report.errors).toEqual([]);
    const outcome = report.outcomes.find((o) => o.rule.id === "PLAT-1")!;
    expect(outcome.verdict).toBe("suppressed");
    expect(outcome.suppressed).toHaveLength(1);
    expect(formatReport(report)).toMatch(
      /suppressions in force:\n {2}PLAT-1 on fixture\/task: the sidecar listens elsewhere on purpose/,
    );
  });

  it("does not report a suppression in force where it set nothing aside", () => {
    const suppression = { ruleId: "PLAT-1", path: "fixture/task", reason: "not needed here" };
    const report = runRules({ ok: servicePath() }, () => context, [suppression]);
    expect(report.suppressions).toEqual([]);
    expect(formatReport(report)).not.toMatch(/suppressions in force/);
  });
});

describe("suppressions", () => {
  it("are attached to a construct and found below it", () => {
    const stack = new TerraformStack(new App(), "prod");
    const logs = new Construct(stack, "access-logs");
    suppressRule(logs, "PLAT-8", "access logs expire and are expendable");
    expect(collectSuppressions(stack)).toEqual([
      {
        ruleId: "PLAT-8",
        reason: "access logs expire and are expendable",
        path: "prod/access-logs",
      },
    ]);
  });

  it("need a reason of at least 10 characters", () => {
    const stack = new TerraformStack(new App(), "prod");
    expect(() => suppressRule(stack, "PLAT-8", "because")).toThrowError(
      /needs a reason of at least 10 characters/,
    );
  });
});
