import { describe, expect, it } from "vitest";
import { defaultZones, EnvironmentSchema } from "../../src/config/schema";
import { environmentProblems, minimalEnvironment } from "../helpers";

/**
 * The rules across an environment's fields (EnvironmentSchema's superRefine), each with the
 * smallest environment that breaks it and the nearest one that passes. The rules across one
 * service's or the database's fields have their own tests beside their settings.
 */
describe("an environment's settings", () => {
  it("GIVEN one public service and nothing else WHEN parsed THEN two zones of its region, no database, no data", () => {
    const env = EnvironmentSchema.parse(minimalEnvironment);
    expect(env.network).toMatchObject({
      azCount: 2,
      availabilityZones: ["eu-west-1a", "eu-west-1b"],
    });
    expect(env.database).toBeUndefined();
    expect([env.tables, env.queues, env.topics]).toEqual([{}, {}, {}]);
    expect(environmentProblems()).toEqual([]);
  });

  it("refuses an environment without services", () => {
    expect(environmentProblems({ services: undefined }).join()).toMatch(/^env\.services: /);
    expect(
      EnvironmentSchema.safeParse({ ...minimalEnvironment, services: {} }).error?.issues[0]
        ?.message,
    ).toMatch(/^is empty; allowed: at least one service/);
  });
});

describe("availability zones", () => {
  it("a zone listed twice is refused", () => {
    expect(
      environmentProblems({ network: { availabilityZones: ["eu-west-1a", "eu-west-1a"] } }),
    ).toEqual([
      'env.network.availabilityZones.1: "eu-west-1a" is listed twice; allowed: distinct zones; fix: remove the duplicate',
    ]);
    expect(
      environmentProblems({ network: { availabilityZones: ["eu-west-1a", "eu-west-1c"] } }),
    ).toEqual([]);
  });

  it("a list whose length is not azCount is refused", () => {
    expect(
      environmentProblems({
        network: { azCount: 3, availabilityZones: ["eu-west-1a", "eu-west-1b"] },
      }),
    ).toEqual([
      expect.stringMatching(
        /^env\.network\.availabilityZones: \["eu-west-1a","eu-west-1b"\] names 2 zones but network\.azCount is 3; allowed: exactly 3 distinct zones of eu-west-1/,
      ),
    ]);
    expect(
      environmentProblems({
        network: { azCount: 3, availabilityZones: ["eu-west-1a", "eu-west-1b", "eu-west-1c"] },
      }),
    ).toEqual([]);
  });

  it("a zone of another region is refused", () => {
    expect(
      environmentProblems({ network: { availabilityZones: ["eu-west-1a", "us-east-1b"] } }),
    ).toEqual([
      expect.stringMatching(
        /^env\.network\.availabilityZones\.1: "us-east-1b" is not a zone of the environment's region eu-west-1/,
      ),
    ]);
  });

  it("without a list, the region's a, b (and c) zones", () => {
    expect(defaultZones("us-east-1", 3)).toEqual(["us-east-1a", "us-east-1b", "us-east-1c"]);
    expect(defaultZones("eu-west-1", 2)).toEqual(["eu-west-1a", "eu-west-1b"]);
  });
});

describe("subnets", () => {
  it("subnets that do not fit the VPC range are refused, naming the prefix lengths", () => {
    expect(environmentProblems({ network: { cidr: "10.0.0.0/22" } })).toEqual([
      expect.stringMatching(/^env\.network\.subnetPrefixLengths: .* do not fit in 10\.0\.0\.0\/22/),
    ]);
    expect(environmentProblems({ network: { cidr: "10.0.0.0/16" } })).toEqual([]);
  });
});

describe("references between declarations", () => {
  it("a service using the database is refused when the environment declares none", () => {
    const usesDatabase = { services: { api: { uses: { database: true } } } };
    expect(environmentProblems(usesDatabase)).toEqual([
      expect.stringMatching(
        /^env\.services\.api\.uses\.database: true asks for the database, and the environment declares none/,
      ),
    ]);
    expect(environmentProblems({ ...usesDatabase, database: {} })).toEqual([]);
  });

  it.each([
    [
      "table",
      { services: { api: { uses: { tables: { items: "read" } } } } },
      { tables: { items: {} } },
    ],
    [
      "queue",
      { services: { api: { uses: { queues: { jobs: "send" } } } } },
      { queues: { jobs: {} } },
    ],
    [
      "topic",
      { services: { api: { uses: { topics: { events: "publish" } } } } },
      { topics: { events: {} } },
    ],
    ["topic", { queues: { jobs: { subscribesTo: ["events"] } } }, { topics: { events: {} } }],
  ] as const)(
    "a %s used but not declared is refused; declared, it is accepted",
    (kind, use, declared) => {
      expect(environmentProblems(use as never)).toEqual([
        expect.stringMatching(
          new RegExp(
            `refers to ${kind} ".*", which this environment does not declare; allowed: none`,
          ),
        ),
      ]);
      expect(environmentProblems({ ...use, ...declared } as never)).toEqual([]);
    },
  );

  it("backlog scaling is refused unless the service consumes exactly one queue", () => {
    const worker = (queues: Record<string, "consume" | "send">) => ({
      queues: { jobs: {}, mail: {} },
      services: { worker: { uses: { queues }, autoscaling: { backlogPerTask: 10 } } },
    });
    expect(environmentProblems(worker({ jobs: "consume", mail: "consume" }))).toEqual([
      expect.stringMatching(
        /^env\.services\.worker\.autoscaling\.backlogPerTask: 10 needs exactly one queue the service consumes, and it consumes 2/,
      ),
    ]);
    expect(environmentProblems(worker({ jobs: "send" }))).toHaveLength(1);
    expect(environmentProblems(worker({ jobs: "consume", mail: "send" }))).toEqual([]);
  });
});

describe("public services share one listener", () => {
  it("two public services with one priority are refused", () => {
    const two = (adminPriority: number) => ({
      services: {
        api: { public: { priority: 10, paths: ["/api/*"] } },
        admin: { public: { priority: adminPriority, paths: ["/admin/*"] } },
      },
    });
    expect(environmentProblems(two(10))).toEqual([
      expect.stringMatching(
        /^env\.services\.admin\.public\.priority: 10 is also service api's listener rule priority/,
      ),
    ]);
    expect(environmentProblems(two(11))).toEqual([]);
  });

  it("two public services with the same paths and hosts are refused: one would never get a request", () => {
    const two = (adminPaths: string[]) => ({
      services: { api: { public: {} }, admin: { public: { paths: adminPaths } } },
    });
    expect(environmentProblems(two(["/*"]))).toEqual([
      expect.stringMatching(/^env\.services\.admin\.public\.paths: .* are service api's too/),
    ]);
    expect(environmentProblems(two(["/admin/*"]))).toEqual([]);
  });
});
