import { describe, expect, it } from "vitest";
import { awsServiceMap } from "../../src/rules/aws-service-map";
import { PLATFORM_RULES, runRules } from "../../src/rules/pack";
import { context, model, servicePath } from "./fixtures";

describe("PLAT-9 AWS service map", () => {
  it("passes a stack whose every resource and data source type is in the map", () => {
    const stack = servicePath();
    const withData = {
      ...stack,
      data: { aws_caller_identity: { account: {} }, aws_elb_service_account: { main: {} } },
    };
    expect(awsServiceMap.check(model(withData), context).verdict).toBe("compliant");
  });

  it("fails a resource type the map does not list, naming the type, its resources and the file to add it to", () => {
    const stack = servicePath();
    const json = {
      ...stack,
      resource: {
        ...stack.resource,
        aws_lambda_function: {
          worker: { "//": { metadata: { path: "fixture/worker/function" } }, function_name: "w" },
        },
      },
    };
    const result = awsServiceMap.check(model(json), context);
    expect(result.verdict).toBe("non-compliant");
    expect(result.findings).toEqual([
      {
        paths: ["fixture/worker/function"],
        message: expect.stringMatching(
          /^resource type aws_lambda_function \(fixture\/worker\/function\) has no entry in AWS_RESOURCE_TYPES: add it to src\/lib\/aws-services\.ts/,
        ),
      },
    ]);
  });

  it("fails an AWS data source type the map does not list; other providers' data sources are not its business", () => {
    const json = {
      resource: { aws_vpc: { vpc: {} } },
      data: { aws_ami: { latest: {} }, external_program: { x: {} } },
    };
    const result = awsServiceMap.check(model(json, "prod"), context);
    expect(result.findings.map((f) => f.message)).toEqual([
      expect.stringMatching(
        /^data source type aws_ami \(prod\/latest\) has no entry in AWS_DATA_SOURCES/,
      ),
    ]);
  });

  it("is registered in the pack with the next id, and fails the synth", () => {
    expect(PLATFORM_RULES.map((r) => r.id)).toEqual(
      Array.from({ length: PLATFORM_RULES.length }, (_, i) => `PLAT-${i + 1}`),
    );
    expect(PLATFORM_RULES.find((r) => r.id === "PLAT-9")).toBe(awsServiceMap);
    const report = runRules(
      { ok: servicePath(), broken: { resource: { aws_bedrock_agent: { agent: {} } } } },
      () => context,
    );
    expect(report.errors).toEqual([
      expect.stringMatching(
        /^\[PLAT-9 AWS service map\] broken: resource type aws_bedrock_agent .*src\/lib\/aws-services\.ts/,
      ),
    ]);
  });
});
