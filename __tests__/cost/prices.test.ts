import { describe, expect, it } from "vitest";
import {
  DATABASE_INSTANCE_HOUR,
  isPricedRegion,
  PRICED_REGIONS,
  PRICES,
} from "../../src/cost/prices";

describe("the price table", () => {
  it("has a price in every priced region for every row, each with a source and the month it was read", () => {
    for (const [sku, row] of Object.entries(PRICES)) {
      for (const region of PRICED_REGIONS)
        expect(row.usd[region], `${sku} ${region}`).toBeGreaterThan(0);
      expect(row.source).toMatch(/^https:\/\/aws\.amazon\.com\/.+ \(Price List offer \w+\)$/);
      expect(row.read).toMatch(/^\d{4}-\d{2}$/);
    }
  });

  it("prices database classes the same way, a Multi-AZ standby being a second instance", () => {
    for (const [instanceClass, row] of Object.entries(DATABASE_INSTANCE_HOUR)) {
      expect(row.unit).toBe(`${instanceClass} instance-hour`);
      for (const region of PRICED_REGIONS) expect(row.usd[region]).toBeGreaterThan(0);
    }
  });

  it("knows which regions it has a column for", () => {
    expect(isPricedRegion("eu-west-1")).toBe(true);
    expect(isPricedRegion("ap-south-2")).toBe(false);
  });
});
