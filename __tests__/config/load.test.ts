import { describe, expect, it } from "vitest";
import { committedConfig, parseConfig, type PlatformInput } from "../../src/config/load";
import { committedEnvironment, configProblems, configWith, environmentOf } from "../helpers";

describe("the committed configuration", () => {
  it("parses, and fills the defaults the environment files leave out", () => {
    const config = parseConfig();
    expect(environmentOf(config, "prod").network.availabilityZones).toEqual([
      "eu-west-1a",
      "eu-west-1b",
      "eu-west-1c",
    ]);
    expect(environmentOf(config, "staging").network.subnetPrefixLengths).toEqual({
      private: 20,
      public: 24,
      isolated: 24,
    });
    expect(environmentOf(config, "prod").project.name).toBe("orbit");
  });
});

describe("invalid configuration is rejected with the field, the value, what is allowed and the fix", () => {
  const cases: [string, () => unknown, RegExp][] = [
    [
      "a CIDR with a /33 prefix",
      () => configWith("prod", { network: { cidr: "10.0.0.0/33" } }),
      /^prod\.network\.cidr: "10\.0\.0\.0\/33" is not a valid IPv4 CIDR; allowed: .*; fix: /,
    ],
    [
      "a public VPC range",
      () => configWith("staging", { network: { cidr: "8.8.0.0/16" } }),
      /^staging\.network\.cidr: "8\.8\.0\.0\/16" is not usable as a VPC CIDR; allowed: .*10\.0\.0\.0\/8/,
    ],
    [
      "five AZs",
      () => configWith("staging", { network: { azCount: 5 as 2 } }),
      /^staging\.network\.azCount: 5 is not a supported AZ count; allowed: 2 or 3; fix: /,
    ],
    [
      "an unknown NAT mode",
      () => configWith("prod", { network: { natGateways: "double" as "single" } }),
      /^prod\.network\.natGateways: "double" is not a NAT mode; allowed: "none", "single", "perAz"/,
    ],
    [
      "subnets that do not fit the VPC",
      () => configWith("prod", { network: { cidr: "10.0.0.0/20" } }),
      /^prod\.network\.subnetPrefixLengths: .* do not fit in 10\.0\.0\.0\/20 .*; use longer prefix lengths or a larger VPC CIDR/,
    ],
    [
      "a subnet prefix beyond AWS's /28",
      () => configWith("staging", { network: { subnetPrefixLengths: { isolated: 29 } } }),
      /^staging\.network\.subnetPrefixLengths\.isolated: 29 is out of range; allowed: an integer from 16 to 28/,
    ],
    [
      "AZs of another region",
      () =>
        configWith("staging", {
          network: { availabilityZones: ["us-east-1a", "eu-west-1b"] },
        }),
      /^staging\.network\.availabilityZones\.0: "us-east-1a" is not a zone of the environment's region eu-west-1/,
    ],
    [
      "fewer AZ names than azCount",
      () => configWith("prod", { network: { availabilityZones: ["eu-west-1a", "eu-west-1b"] } }),
      /^prod\.network\.availabilityZones: \["eu-west-1a","eu-west-1b"\] names 2 zones but network\.azCount is 3/,
    ],
    [
      "an account id of 11 digits",
      () => configWith("prod", { allowedAccountIds: ["22222222222"] }),
      /^prod\.allowedAccountIds\.0: "22222222222" is not an AWS account id; allowed: exactly 12 digits/,
    ],
    [
      "no allowed accounts",
      () => configWith("prod", { allowedAccountIds: [] }),
      /^prod\.allowedAccountIds: \[\] is empty; allowed: exactly one 12-digit account id/,
    ],
    [
      "two accounts for one environment",
      () => configWith("prod", { allowedAccountIds: ["222222222222", "333333333333"] }),
      /^prod\.allowedAccountIds: \["222222222222","333333333333"\] lists more than one account; allowed: exactly one/,
    ],
    [
      "a region display name",
      () => configWith("staging", { region: "Ireland" }),
      /^staging\.region: "Ireland" is not an AWS region; allowed: .*eu-west-1/,
    ],
    [
      "a misspelt field",
      () => configWith("staging", { network: { natGateway: "none" } as never }),
      /^staging\.network\.natGateway: "none" is not a known field; .*fix: remove it or correct its spelling/,
    ],
    [
      "a privileged container port",
      () => configWith("prod", { services: { api: { public: { containerPort: 80 } } } }),
      /^prod\.services\.api\.public\.containerPort: 80 is out of range; allowed: an integer from 1024 to 32767/,
    ],
    [
      "the database's port as a container port",
      () => configWith("staging", { services: { api: { public: { containerPort: 5432 } } } }),
      /^staging\.services\.api\.public\.containerPort: 5432 is the database's port.*; allowed: .*; fix: /,
    ],
    [
      "a service using a table the environment does not declare",
      () => configWith("prod", { services: { worker: { uses: { tables: { orders: "write" } } } } }),
      /^prod\.services\.worker\.uses\.tables\.orders: "write" .*"orders".*; allowed: .*"items"; fix: /,
    ],
    [
      "a service using the database in an environment without one",
      () => configWith("staging", { database: undefined }),
      /^staging\.services\.api\.uses\.database: true .*declares none; allowed: .*; fix: /,
    ],
    [
      "a queue subscribing to a topic the environment does not declare",
      () => configWith("staging", { queues: { events: { subscribesTo: ["orders"] } } }),
      /^staging\.queues\.events\.subscribesTo\.0: "orders" .*topic.*; allowed: .*"events"; fix: /,
    ],
    [
      "backlog scaling on a service that consumes no queue",
      () =>
        configWith("staging", { services: { worker: { uses: { queues: { events: "send" } } } } }),
      /^staging\.services\.worker\.autoscaling\.backlogPerTask: 100 needs exactly one queue the service consumes/,
    ],
    [
      "request-count scaling on a service without a load balancer",
      () =>
        configWith("staging", {
          services: { worker: { autoscaling: { requestsPerTarget: 100 } } },
        }),
      /^staging\.services\.worker\.autoscaling\.requestsPerTarget: 100 needs the load balancer's request count/,
    ],
    [
      "two public services with the same paths and hosts",
      () =>
        configWith("staging", {
          services: {
            worker: {
              public: {},
              command: undefined,
              autoscaling: { backlogPerTask: undefined },
              capacity: { fargateBase: 1 },
            },
          },
        }),
      /^staging\.services\.worker\.public\.paths: .* service api's too/,
    ],
    [
      "an access a table does not offer",
      () =>
        configWith("staging", {
          services: { api: { uses: { tables: { items: "admin" as "read" } } } },
        }),
      /^staging\.services\.api\.uses\.tables\.items: "admin" is not a table access; allowed: "read", "write", "readWrite"/,
    ],
    [
      "a flow log retention CloudWatch does not offer",
      () => configWith("prod", { network: { flowLogs: { retentionDays: 10 } } }),
      /^prod\.network\.flowLogs\.retentionDays: 10 is not a retention CloudWatch Logs accepts; allowed: 1, 3, 5, 7, 14, 30/,
    ],
    [
      "a tag key in the aws: namespace",
      () => configWith("staging", { tags: { "aws:owner": "me" } }),
      /^staging\.tags\.aws:owner: "aws:owner" is not a valid tag key/,
    ],
    [
      "a missing region",
      () => configWith("staging", { region: undefined }),
      /^staging\.region: \(not set\) is missing; allowed: a string; fix: add the field/,
    ],
    [
      "a project name too long for load balancer names",
      () =>
        parseConfig({
          ...committedConfig,
          project: { ...committedConfig.project, name: "a-very-long-project-name" },
        } satisfies PlatformInput),
      /^project\.name: "a-very-long-project-name" is not a valid project name; allowed: 3 to 12 characters/,
    ],
    [
      "a wildcard GitHub repository",
      () => withGitHub({ repository: "*" }),
      /^project\.github\.repository: "\*" is not an exact GitHub repository; allowed: the GitHub repository itself: no \*, \? or other wildcard; fix: .*a wildcard would let workflows of other repositories/,
    ],
    [
      "a wildcard GitHub owner",
      () => withGitHub({ owner: "example-*" }),
      /^project\.github\.owner: "example-\*" is not an exact GitHub owner/,
    ],
    [
      "a wildcard release branch",
      () => withGitHub({ releaseBranch: "release/*" }),
      /^project\.github\.releaseBranch: "release\/\*" is not an exact branch name/,
    ],
    [
      "a repository given as a URL",
      () => withGitHub({ repository: "github.com/example-org/orbit" }),
      /^project\.github\.repository: "github\.com\/example-org\/orbit" is not a GitHub repository name/,
    ],
    [
      "a wildcard GitHub environment",
      () => configWith("prod", { githubEnvironment: "prod*" }),
      /^prod\.githubEnvironment: "prod\*" is not an exact GitHub environment name/,
    ],
    [
      "prod deployed from staging's GitHub environment",
      () => configWith("prod", { githubEnvironment: "Staging" }),
      /^prod\.githubEnvironment: "Staging" is also staging's GitHub environment \(names are case-insensitive\); allowed: a GitHub environment of its own/,
    ],
    [
      "one hosted zone for environments in two accounts",
      () =>
        configWith("staging", {
          loadBalancer: {
            tls: { domainName: "staging.orbit.example.com", hostedZoneId: "Z0EXAMPLE0ORBIT0ZONE" },
          },
        }),
      /^prod\.loadBalancer\.tls\.hostedZoneId: "Z0EXAMPLE0ORBIT0ZONE" is also staging's zone, but staging and prod run in different accounts/,
    ],
  ];

  it.each(cases)("rejects %s", (_, attempt, expected) => {
    const problems = configProblems(attempt);
    expect(problems).toHaveLength(1);
    expect(problems[0]).toMatch(expected);
  });

  it("reports every problem of every environment at once", () => {
    const problems = configProblems(() =>
      parseConfig({
        ...committedConfig,
        environments: {
          staging: { ...committedEnvironment("staging"), region: "Ireland" },
          prod: {
            ...committedEnvironment("prod"),
            network: { cidr: "10.0.0.0/33", azCount: 4 as 3 },
          },
        },
      }),
    );
    expect(problems.map((p) => p.split(":")[0])).toEqual(
      expect.arrayContaining(["staging.region", "prod.network.cidr", "prod.network.azCount"]),
    );
  });
});

function withGitHub(github: Partial<PlatformInput["project"]["github"]>) {
  return parseConfig({
    ...committedConfig,
    project: {
      ...committedConfig.project,
      github: { ...committedConfig.project.github, ...github },
    },
  });
}
