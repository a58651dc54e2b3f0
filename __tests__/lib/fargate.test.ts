import { describe, expect, it } from "vitest";
import { ConfigError } from "../../src/config/errors";
import { describeMemoryValues, isValidFargateSize, validMemoryFor } from "../../src/lib/fargate";
import { configWith } from "../helpers";

describe("Fargate task sizes", () => {
  it.each([
    [256, 512, true],
    [256, 2048, true],
    [256, 4096, false],
    [512, 1024, true],
    [512, 512, false],
    [1024, 8192, true],
    [4096, 30720, true],
    [8192, 20480, true],
    [8192, 18432, false],
    [16384, 122880, true],
    [300, 1024, false],
  ])("cpu %i with %i MiB valid: %s", (cpu, memory, valid) => {
    expect(isValidFargateSize(cpu, memory)).toBe(valid);
  });

  it("describes short and long lists of memory values", () => {
    expect(describeMemoryValues(validMemoryFor(256))).toBe("512, 1024 or 2048");
    expect(describeMemoryValues(validMemoryFor(2048))).toBe("4096 to 16384 in steps of 1024");
  });
});

describe("invalid cpu/memory pairs are rejected with the valid values", () => {
  it.each([
    [256, 300, "512, 1024 or 2048"],
    [256, 4096, "512, 1024 or 2048"],
    [512, 512, "1024, 2048, 3072 or 4096"],
    [1024, 1024, "2048 to 8192 in steps of 1024"],
    [4096, 4096, "8192 to 30720 in steps of 1024"],
  ])("cpu %i with %i MiB", (cpu, memoryMiB, allowed) => {
    expect(() =>
      configWith("prod", { services: { api: { cpu: cpu as 256, memoryMiB } } }),
    ).toThrowError(ConfigError);
    try {
      configWith("prod", { services: { api: { cpu: cpu as 256, memoryMiB } } });
    } catch (error) {
      expect((error as ConfigError).problems).toEqual([
        `prod.services.api.memoryMiB: ${memoryMiB} is not valid with cpu ${cpu}; allowed: ${allowed}; fix: use one of those, or change cpu`,
      ]);
    }
  });

  it("rejects a CPU value Fargate does not offer", () => {
    expect(() => configWith("staging", { services: { worker: { cpu: 300 as 256 } } })).toThrowError(
      /staging\.services\.worker\.cpu: 300 is not a Fargate CPU size; allowed: 256, 512, 1024, 2048, 4096, 8192, 16384/,
    );
  });

  it("rejects ARM64 on Fargate Spot, which does not run it", () => {
    expect(() =>
      configWith("staging", {
        services: { api: { cpuArchitecture: "ARM64", capacity: { fargateSpotWeight: 1 } } },
      }),
    ).toThrowError(
      /staging\.services\.api\.capacity\.fargateSpotWeight: 1 cannot be used with ARM64 tasks/,
    );
  });

  it("rejects a desired count outside the autoscaling bounds", () => {
    expect(() => configWith("prod", { services: { api: { desiredCount: 12 } } })).toThrowError(
      /prod\.services\.api\.desiredCount: 12 is outside the autoscaling bounds; allowed: 2 to 10/,
    );
  });

  it("rejects deployment percentages that could never start a new task", () => {
    expect(() =>
      configWith("prod", {
        services: {
          worker: { deployment: { minimumHealthyPercent: 100, maximumPercent: 100 } },
        },
      }),
    ).toThrowError(
      /prod\.services\.worker\.deployment\.maximumPercent: 100 is not above minimumHealthyPercent 100/,
    );
  });
});
