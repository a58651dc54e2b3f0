import { describe, expect, it } from "vitest";
import { committedConfig, parseConfig } from "../../src/config/load";
import { configProblems, configWith } from "../helpers";

/**
 * Configurations AWS's API would refuse at apply, refused before synth with the field, the value,
 * what is allowed and the fix (issue 15, item 8).
 */
describe("what AWS would refuse at apply is refused at synth", () => {
  it.each([
    [
      "a region of the right shape that AWS does not run",
      () => configWith("staging", { region: "eu-west-9" }),
      /^staging\.region: "eu-west-9" is not a region AWS runs; allowed: .*; fix: .*KNOWN_REGIONS in src\/config\/fields\.ts/,
    ],
    [
      "a certificate of another region (a load balancer serves its own region's only)",
      () =>
        configWith("staging", {
          loadBalancer: {
            tls: {
              domainName: "staging.orbit.example.com",
              hostedZoneId: undefined,
              certificateArn:
                "arn:aws:acm:us-east-1:111111111111:certificate/0a1b2c3d-0a1b-0a1b-0a1b-0a1b2c3d4e5f",
            },
          },
        }),
      /^staging\.loadBalancer\.tls\.certificateArn: .* is a certificate of us-east-1; allowed: a certificate of eu-west-1/,
    ],
    [
      "a certificate of another account",
      () =>
        configWith("staging", {
          loadBalancer: {
            tls: {
              domainName: "staging.orbit.example.com",
              hostedZoneId: undefined,
              certificateArn:
                "arn:aws:acm:eu-west-1:222222222222:certificate/0a1b2c3d-0a1b-0a1b-0a1b-0a1b2c3d4e5f",
            },
          },
        }),
      /^staging\.loadBalancer\.tls\.certificateArn: .* belongs to account 222222222222; allowed: a certificate of account 111111111111/,
    ],
    [
      "a backup window shorter than RDS's 30 minutes",
      () => configWith("staging", { database: { backupWindow: "02:00-02:15" } }),
      /^staging\.database\.backupWindow: "02:00-02:15" is 15 minutes long; allowed: at least 30 minutes/,
    ],
    [
      "a daily backup window overlapping the weekly maintenance window",
      () =>
        configWith("staging", {
          database: { backupWindow: "03:00-04:00", maintenanceWindow: "wed:03:30-wed:04:30" },
        }),
      /^staging\.database\.backupWindow: "03:00-04:00" overlaps maintenanceWindow wed:03:30-wed:04:30 \(the backup runs every day\)/,
    ],
    [
      "a backup window across midnight overlapping a maintenance window early on a day",
      () =>
        configWith("staging", {
          database: { backupWindow: "23:30-00:30", maintenanceWindow: "mon:00:00-mon:00:45" },
        }),
      /^staging\.database\.backupWindow: "23:30-00:30" overlaps maintenanceWindow/,
    ],
    [
      "a maintenance window shorter than 30 minutes",
      () => configWith("staging", { database: { maintenanceWindow: "sun:03:30-sun:03:40" } }),
      /^staging\.database\.maintenanceWindow: "sun:03:30-sun:03:40" is 10 minutes long/,
    ],
  ])("refuses %s", (_, attempt, message) => {
    expect(configProblems(attempt)).toEqual([expect.stringMatching(message)]);
  });

  it("refuses a release branch given as a full ref", () => {
    const problems = configProblems(() =>
      parseConfig({
        ...committedConfig,
        project: {
          ...committedConfig.project,
          github: { ...committedConfig.project.github, releaseBranch: "refs/heads/main" },
        },
      }),
    );
    expect(problems).toEqual([
      expect.stringMatching(
        /^project\.github\.releaseBranch: "refs\/heads\/main" is a full ref, not a branch name; allowed: the branch's short name/,
      ),
    ]);
  });

  it("accepts the boundaries: 30-minute windows side by side, a certificate of the environment's region and account", () => {
    expect(() =>
      configWith("staging", {
        database: { backupWindow: "03:00-03:30", maintenanceWindow: "sun:03:30-sun:04:00" },
        loadBalancer: {
          tls: {
            domainName: "staging.orbit.example.com",
            hostedZoneId: undefined,
            certificateArn:
              "arn:aws:acm:eu-west-1:111111111111:certificate/0a1b2c3d-0a1b-0a1b-0a1b-0a1b2c3d4e5f",
          },
        },
      }),
    ).not.toThrow();
  });
});

describe("tags", () => {
  it("refuses a tag the platform sets on every resource, naming it and the fix", () => {
    expect(configProblems(() => configWith("staging", { tags: { Environment: "stage" } }))).toEqual(
      [
        expect.stringMatching(
          /^staging\.tags\.Environment: "stage" is a tag the platform sets on every resource; allowed: any key but Project, Environment, ManagedBy, Name; fix: remove it/,
        ),
      ],
    );
  });

  it("refuses more tags than AWS allows on a resource, counting the project's, the file's own and the platform's", () => {
    const many = Object.fromEntries(Array.from({ length: 47 }, (_, i) => [`Key${i}`, "v"]));
    expect(configProblems(() => configWith("staging", { tags: many }))).toEqual([
      expect.stringMatching(
        /^staging\.tags: 53 tags with project\.tags and the platform's are too many; allowed: at most 50/,
      ),
    ]);
  });
});
