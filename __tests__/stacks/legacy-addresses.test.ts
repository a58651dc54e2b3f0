import { describe, expect, it } from "vitest";
import { LEGACY_ADDRESSES } from "../../src/stacks/legacy-addresses";
import { environmentJson } from "../helpers";

describe("round-1 addresses", () => {
  it("each moves from one round-1 address, once", () => {
    const from = LEGACY_ADDRESSES.map((a) => a.from);
    expect(new Set(from).size).toBe(from.length);
    for (const address of from) expect(address).toMatch(/^aws_[a-z0-9_]+\.[a-z0-9_]+$/);
  });

  it("each names a resource the committed staging environment holds, of the same type", () => {
    const staging = environmentJson("staging");
    for (const { from, to } of LEGACY_ADDRESSES) {
      const type = from.split(".")[0]!;
      const name = `${to.construct}_${to.child}`.replace(/-/g, "_");
      expect(Object.keys(staging.resource[type] ?? {}), from).toContain(name);
    }
  });
});
