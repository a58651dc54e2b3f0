import { describe, expect, it } from "vitest";
import {
  checkService,
  rulePriority,
  ServiceSchema,
  type ServiceSettings,
} from "../../src/service/settings";
import { ruleProblems } from "../helpers";

/** A service's settings from its input, defaults filled by the schema. */
const service = (input: Record<string, unknown> = {}): ServiceSettings =>
  ServiceSchema.parse(input);
const problems = (input: Record<string, unknown>) => ruleProblems(checkService, service(input));

describe("a service's settings", () => {
  it("GIVEN nothing WHEN parsed THEN a worker of 0.5 vCPU and 1 GiB, one task, on-demand Fargate", () => {
    expect(service()).toMatchObject({
      cpu: 512,
      memoryMiB: 1024,
      cpuArchitecture: "X86_64",
      desiredCount: 1,
      capacity: { fargateBase: 0, fargateWeight: 1, fargateSpotWeight: 0 },
      stopTimeoutSeconds: 30,
      logRetentionDays: 30,
      uses: { database: false, tables: {}, queues: {}, topics: {} },
    });
    expect(service().public).toBeUndefined();
    expect(problems({})).toEqual([]);
  });
});

/** Each rule across fields: the smallest settings that break it, and the nearest that pass. */
describe("checkService, the rules across a service's fields", () => {
  it("memory must be a Fargate size for the CPU", () => {
    expect(problems({ cpu: 256, memoryMiB: 4096 })).toEqual([
      expect.stringMatching(
        /^x\.memoryMiB: 4096 is not valid with cpu 256; allowed: .*512.*; fix: use one of those, or change cpu$/,
      ),
    ]);
    expect(problems({ cpu: 256, memoryMiB: 2048 })).toEqual([]);
  });

  it("Fargate Spot is refused for ARM64 tasks", () => {
    expect(
      problems({ cpuArchitecture: "ARM64", capacity: { fargateSpotWeight: 1 } }),
    ).toEqual([
      expect.stringMatching(
        /^x\.capacity\.fargateSpotWeight: 1 cannot be used with ARM64 tasks; allowed: 0 with ARM64/,
      ),
    ]);
    expect(problems({ cpuArchitecture: "ARM64", capacity: { fargateSpotWeight: 0 } })).toEqual(
      [],
    );
    expect(problems({ cpuArchitecture: "X86_64", capacity: { fargateSpotWeight: 1 } })).toEqual(
      [],
    );
  });

  it("both capacity weights 0 are refused: no task could be placed", () => {
    expect(problems({ capacity: { fargateWeight: 0, fargateSpotWeight: 0 } })).toEqual([
      expect.stringMatching(
        /^x\.capacity\.fargateWeight: 0 and fargateSpotWeight are both 0; allowed: at least one positive weight; fix: set fargateWeight to 1$/,
      ),
    ]);
    expect(problems({ capacity: { fargateWeight: 0, fargateSpotWeight: 1 } })).toEqual([]);
  });

  it("autoscaling minCount above maxCount is refused", () => {
    expect(problems({ desiredCount: 3, autoscaling: { minCount: 4, maxCount: 3 } })).toEqual([
      expect.stringMatching(
        /^x\.autoscaling\.minCount: 4 is above maxCount 3; allowed: at most 3; fix: lower minCount or raise maxCount$/,
      ),
    ]);
    expect(problems({ desiredCount: 3, autoscaling: { minCount: 3, maxCount: 3 } })).toEqual([]);
  });

  it("desiredCount outside the autoscaling bounds is refused", () => {
    expect(problems({ desiredCount: 5, autoscaling: { minCount: 1, maxCount: 4 } })).toEqual([
      expect.stringMatching(
        /^x\.desiredCount: 5 is outside the autoscaling bounds; allowed: 1 to 4 \(autoscaling\.minCount\.\.maxCount\)/,
      ),
    ]);
    expect(problems({ desiredCount: 1, autoscaling: { minCount: 2, maxCount: 4 } })).toEqual([
      expect.stringMatching(/^x\.desiredCount: 1 is outside the autoscaling bounds/),
    ]);
    expect(problems({ desiredCount: 4, autoscaling: { minCount: 1, maxCount: 4 } })).toEqual([]);
  });

  it("maximumPercent not above minimumHealthyPercent is refused: a deploy could never start a task", () => {
    expect(
      problems({ deployment: { minimumHealthyPercent: 100, maximumPercent: 100 } }),
    ).toEqual([
      expect.stringMatching(
        /^x\.deployment\.maximumPercent: 100 is not above minimumHealthyPercent 100, so a deploy could never start a new task/,
      ),
    ]);
    expect(problems({ deployment: { minimumHealthyPercent: 100, maximumPercent: 200 } })).toEqual(
      [],
    );
  });

  it("a health-check timeout not below its interval is refused", () => {
    const withHealthCheck = (timeoutSeconds: number, intervalSeconds: number) =>
      problems({ public: { healthCheck: { timeoutSeconds, intervalSeconds } } });
    expect(withHealthCheck(10, 10)).toEqual([
      expect.stringMatching(
        /^x\.public\.healthCheck\.timeoutSeconds: 10 is not below intervalSeconds 10; allowed: less than 10/,
      ),
    ]);
    expect(withHealthCheck(15, 10)).toHaveLength(1);
    expect(withHealthCheck(9, 10)).toEqual([]);
  });

  it("request-count scaling is refused on a service without the load balancer", () => {
    expect(problems({ autoscaling: { requestsPerTarget: 100 } })).toEqual([
      expect.stringMatching(
        /^x\.autoscaling\.requestsPerTarget: 100 needs the load balancer's request count, and this service is not public/,
      ),
    ]);
    expect(problems({ public: {}, autoscaling: { requestsPerTarget: 100 } })).toEqual([]);
  });

  it("the database's port is refused as a container port", () => {
    expect(problems({ public: { containerPort: 5432 } })).toEqual([
      expect.stringMatching(/^x\.public\.containerPort: 5432 is the database's port/),
    ]);
    expect(problems({ public: { containerPort: 5433 } })).toEqual([]);
  });

  it("reports every broken rule at once", () => {
    expect(
      problems({
        cpu: 256,
        memoryMiB: 4096,
        capacity: { fargateWeight: 0, fargateSpotWeight: 0 },
        public: { healthCheck: { timeoutSeconds: 30, intervalSeconds: 10 } },
      }).map((p) => p.split(":")[0]),
    ).toEqual(["x.memoryMiB", "x.capacity.fargateWeight", "x.public.healthCheck.timeoutSeconds"]);
  });
});

describe("rulePriority", () => {
  it("is the configured priority when there is one", () => {
    const settings = service({ public: { priority: 7 } }).public!;
    expect(rulePriority("api", settings)).toBe(7);
  });

  it("is derived from the service's name, the same on every synth, when none is set", () => {
    const settings = service({ public: {} }).public!;
    expect(rulePriority("api", settings)).toBe(rulePriority("api", settings));
    expect(rulePriority("api", settings)).not.toBe(rulePriority("admin", settings));
  });
});
