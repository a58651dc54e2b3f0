import { Testing } from "cdktf";
import { describe, expect, it } from "vitest";
import { type StackFootprint } from "../../src/ci-identity/footprint";
import { parseConfig } from "../../src/config/load";
import { IDENTITY_STACK_PREFIX, identityStacks } from "../../src/config/names";
import { IdentityStack } from "../../src/stacks/identity-stack";
import { EnvironmentStack } from "../../src/stacks/environment-stack";
import {
  environmentFootprints,
  SharedStack,
  type EnvironmentFootprints,
} from "../../src/stacks/shared-stack";
import {
  committedBackend,
  environmentOf,
  resourcesOf,
  synth,
  type StackJson,
  platformJson,
} from "../helpers";

/**
 * The CI deploy roles and their boundary follow from what the environment stacks hold (their
 * footprints): these tests change a footprint and read the policies of the stacks that hold CI's
 * identity (`shared` for the shared account, `identity-<account>` for the others) back.
 */
const config = parseConfig();

interface Statement {
  Sid?: string;
  Effect?: "Allow" | "Deny";
  Action?: string | string[];
  NotAction?: string | string[];
  Resource?: string | string[];
  Condition?: Record<string, Record<string, string | string[]>>;
}

const statementsOf = (json: StackJson, type: string, address: string): Statement[] =>
  JSON.parse(resourcesOf(json, type)[address]!.policy as string).Statement as Statement[];
const bySid = (statements: Statement[]): Record<string, Statement> =>
  Object.fromEntries(statements.map((s) => [s.Sid ?? "", s]));
const deployPolicy = (json: StackJson, account: string, env: string) =>
  bySid(statementsOf(json, "aws_iam_role_policy", `ci_${account}_deploy_policy_${env}`));
const boundary = (json: StackJson, account: string) =>
  bySid(statementsOf(json, "aws_iam_policy", `ci_${account}_boundary`));
const actions = (s: Statement | undefined) => [s?.Action ?? []].flat();

const committed = environmentFootprints(config, committedBackend);
const sharedOnly = (footprints: EnvironmentFootprints) =>
  synth(new SharedStack(Testing.app(), "shared", config, committedBackend, footprints));
/** The resources of the shared and identity stacks in one document (their addresses differ). */
const sharedWith = (footprints: EnvironmentFootprints): StackJson => {
  const stacks = [
    sharedOnly(footprints),
    ...identityStacks(config).map((id) =>
      synth(
        new IdentityStack(
          Testing.app(),
          id.slice(IDENTITY_STACK_PREFIX.length),
          config,
          committedBackend,
          footprints,
        ),
      ),
    ),
  ];
  const resource: Record<string, Record<string, Record<string, unknown>>> = {};
  for (const json of stacks) {
    for (const [type, byAddress] of Object.entries(json.resource)) {
      resource[type] = { ...resource[type], ...byAddress };
    }
  }
  return { ...stacks[0]!, resource } as StackJson;
};
/** The committed footprints with staging's changed. */
const withStaging = (change: (f: StackFootprint) => StackFootprint) =>
  sharedWith({ ...committed, staging: change(committed.staging!) });
/** The environments that run in `account`, by the configuration. */
const environmentsIn = (account: string) =>
  Object.values(config.environments)
    .filter((env) => env.allowedAccountIds[0] === account)
    .map((env) => env.name);
/** The committed footprints with those of every environment in `account` changed. */
const withAccount = (account: string, change: (f: StackFootprint) => StackFootprint) =>
  sharedWith({
    ...committed,
    ...Object.fromEntries(environmentsIn(account).map((name) => [name, change(committed[name]!)])),
  });
const types = (f: StackFootprint, keep: (t: string) => boolean, ...add: string[]) => ({
  ...f,
  resourceTypes: [...f.resourceTypes.filter(keep), ...add],
});

describe("footprints of the environment stacks", () => {
  it("read the resource types and the services each role trusts from the construct tree", () => {
    const staging = committed.staging!;
    expect(staging.resourceTypes).toEqual(expect.arrayContaining(["aws_vpc", "aws_ecs_service"]));
    expect(staging.resourceTypes).toEqual([...staging.resourceTypes].sort());
    // Read independently from the synthesized stack: every role's Principal.Service.
    const json = synth(
      new EnvironmentStack(Testing.app(), environmentOf(config, "staging"), committedBackend),
    );
    expect(staging.resourceTypes).toEqual(Object.keys(json.resource).sort());
    const trusted = Object.values(resourcesOf(json, "aws_iam_role")).flatMap((r) =>
      (
        JSON.parse(r.assume_role_policy as string).Statement as { Principal: { Service: string } }[]
      ).map((s) => s.Principal.Service),
    );
    expect(staging.passedToServices).toEqual([...new Set(trusted)].sort());
    expect(staging.passedToServices).toEqual([
      "ecs-tasks.amazonaws.com",
      "monitoring.rds.amazonaws.com",
      "vpc-flow-logs.amazonaws.com",
    ]);
  });

  it("are what buildPlatform gives the shared stack: alone, it synthesizes the same", () => {
    const built = platformJson().shared;
    expect(built).toEqual(sharedOnly(committed));
    expect(built).toEqual(
      synth(new SharedStack(Testing.app(), "shared", config, committedBackend)),
    );
  });
});

describe("deploy roles and boundary derived from the footprints", () => {
  it("drop what the stack no longer holds: no database, no rds:*, no managed secret, no RDS roles", () => {
    const noDatabase = (f: StackFootprint) => ({
      ...types(f, (t) => !t.startsWith("aws_db_")),
      passedToServices: f.passedToServices.filter((s) => s !== "monitoring.rds.amazonaws.com"),
    });
    // Staging's deploy role follows its own footprint alone...
    const stagingOnly = deployPolicy(withStaging(noDatabase), "111111111111", "staging");
    expect(actions(stagingOnly.PlatformServicesInRegion)).not.toContain("rds:*");
    expect(stagingOnly.DatabaseManagedSecret).toBeUndefined();
    // ...the boundary of its account, the footprints of every environment in that account.
    expect(environmentsIn("111111111111")).toContain("staging");
    expect(environmentsIn("111111111111")).not.toContain("prod");
    const json = withAccount("111111111111", noDatabase);
    for (const name of environmentsIn("111111111111")) {
      const deploy = deployPolicy(json, "111111111111", name);
      expect(actions(deploy.PlatformServicesInRegion), name).not.toContain("rds:*");
      expect(deploy.DatabaseManagedSecret, name).toBeUndefined();
      expect(
        deploy.ServiceLinkedRoles!.Condition!.StringEquals!["iam:AWSServiceName"],
        name,
      ).not.toContain("rds.amazonaws.com");
      expect(
        deploy.PassEnvironmentRoles!.Condition!.StringEquals!["iam:PassedToService"],
        name,
      ).toEqual(["ecs-tasks.amazonaws.com", "vpc-flow-logs.amazonaws.com"]);
    }
    // Staging's account boundary follows; prod (its own account, unchanged) keeps its database.
    expect(actions(boundary(json, "111111111111").PlatformServices)).not.toContain("rds:*");
    expect(actions(boundary(json, "111111111111").PlatformServices)).not.toContain(
      "secretsmanager:*",
    );
    expect(actions(boundary(json, "222222222222").PlatformServices)).toContain("rds:*");
    expect(deployPolicy(json, "222222222222", "prod").DatabaseManagedSecret).toBeDefined();
  });

  it("add what a new type needs: a listener rule needs nothing new, a role trusting a new service is passed to it", () => {
    expect(withStaging((f) => types(f, () => true, "aws_lb_listener_rule"))).toEqual(
      sharedWith(committed),
    );
    const json = withStaging((f) => ({
      ...f,
      passedToServices: [...f.passedToServices, "scheduler.amazonaws.com"].sort(),
    }));
    expect(
      deployPolicy(json, "111111111111", "staging").PassEnvironmentRoles!.Condition!.StringEquals![
        "iam:PassedToService"
      ],
    ).toContain("scheduler.amazonaws.com");
  });

  it("grant a queue without a topic only the queue", () => {
    const json = withStaging((f) => types(f, (t) => !t.startsWith("aws_sns_")));
    expect(deployPolicy(json, "111111111111", "staging").EnvironmentQueuesAndTopics).toEqual({
      Sid: "EnvironmentQueuesAndTopics",
      Effect: "Allow",
      Action: ["sqs:*"],
      Resource: ["arn:aws:sqs:eu-west-1:111111111111:orbit-staging-*"],
    });
  });

  it("refuse a type of a data or identity service that no statement of the deploy role covers", () => {
    for (const [type, service] of [
      ["aws_iam_policy", "iam"],
      ["aws_ecr_repository", "ecr"],
    ]) {
      expect(() => withStaging((f) => types(f, () => true, type!))).toThrow(
        new RegExp(
          `staging: ${type} needs ${service}, which a deploy role gets only on resources named after its environment, and no statement .* src/ci-identity/ci-identity\\.ts`,
        ),
      );
    }
  });

  it("keep the boundary's denies whatever the stacks hold", () => {
    // Every environment stack empty.
    const empty = sharedWith(
      Object.fromEntries(
        Object.keys(config.environments).map((name) => [
          name,
          { resourceTypes: [], passedToServices: [] },
        ]),
      ),
    );
    const denies = (json: StackJson) =>
      Object.values(boundary(json, "111111111111")).filter((s) => s.Effect === "Deny");
    expect(denies(empty).map((s) => s.Sid)).toEqual([
      "OnlyTheseRegions",
      "NoRoleWithoutThisBoundary",
      "NoBoundaryRemoval",
      "NoBoundaryChanges",
      "NoChangesToCiIdentity",
      "NoLongLivedCredentials",
    ]);
    // The same denies as with the committed stacks, but for the global services they use.
    expect(denies(empty).slice(1)).toEqual(denies(sharedWith(committed)).slice(1));
    expect(boundary(empty, "111111111111").OnlyTheseRegions!.NotAction).toEqual(["sts:*"]);
    // With nothing to deploy, a deploy role reaches its state and nothing else.
    for (const env of Object.values(config.environments)) {
      expect(
        Object.keys(deployPolicy(empty, env.allowedAccountIds[0]!, env.name)),
        env.name,
      ).toEqual(["OwnState"]);
    }
  });
});
