import { describe, expect, it } from "vitest";
import { crossEnvironmentProblems, pairs } from "../../src/config/cross-environment";
import type { EnvironmentConfig } from "../../src/config/schema";
import { configWith } from "../helpers";

/**
 * The checks over every pair of environments, on the parsed committed environments. The same
 * checks through parseConfig, with a third environment, are in config/environments.test.ts.
 */
describe("cross-environment checks", () => {
  const { staging, prod } = configWith("prod", {}).environments as Record<
    string,
    EnvironmentConfig
  >;

  it("pairs are every two items once, in order", () => {
    expect(pairs(["a", "b", "c"])).toEqual([
      ["a", "b"],
      ["a", "c"],
      ["b", "c"],
    ]);
    expect(pairs(["a"])).toEqual([]);
  });

  it("find nothing between the committed environments", () => {
    expect(crossEnvironmentProblems([staging!, prod!])).toEqual([]);
  });

  it("find two environments in one VPC range, naming the second and the first", () => {
    const clash = { ...prod!, network: { ...prod!.network, cidr: staging!.network.cidr } };
    expect(crossEnvironmentProblems([staging!, clash])).toEqual([
      expect.stringMatching(/^prod\.network\.cidr: .* overlaps staging\.network\.cidr/),
    ]);
  });

  it("find a production environment in a non-production environment's account", () => {
    const shared = { ...prod!, allowedAccountIds: staging!.allowedAccountIds };
    expect(crossEnvironmentProblems([staging!, shared])).toContainEqual(
      expect.stringMatching(
        /^prod\.allowedAccountIds: .* shares account .* with the non-production environment staging/,
      ),
    );
  });
});
