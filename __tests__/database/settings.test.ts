import { describe, expect, it } from "vitest";
import { checkDatabase, DatabaseSchema } from "../../src/database/settings";
import { ruleProblems } from "../helpers";

const database = (input: Record<string, unknown> = {}) => DatabaseSchema.parse(input);

describe("a database's settings", () => {
  it("GIVEN nothing WHEN parsed THEN a single-AZ db.t4g.micro of 20 GiB growing to 100, protected from deletion", () => {
    expect(database()).toMatchObject({
      instanceClass: "db.t4g.micro",
      allocatedStorageGiB: 20,
      maxAllocatedStorageGiB: 100,
      multiAz: false,
      deletionProtection: true,
      monitoringIntervalSeconds: 60,
    });
  });

  it("refuses a reserved master user name", () => {
    expect(DatabaseSchema.safeParse({ masterUsername: "postgres" }).success).toBe(false);
    expect(DatabaseSchema.safeParse({ masterUsername: "app" }).success).toBe(true);
  });
});

describe("checkDatabase, the rules across a database's fields", () => {
  it("a storage ceiling below the allocated storage is refused", () => {
    expect(
      ruleProblems(
        checkDatabase,
        database({ allocatedStorageGiB: 50, maxAllocatedStorageGiB: 40 }),
      ),
    ).toEqual([
      "x.maxAllocatedStorageGiB: 40 is below allocatedStorageGiB 50; allowed: at least 50; fix: raise the ceiling or lower the initial size",
    ]);
  });

  it("a ceiling equal to the allocated storage (no autoscaling headroom) is accepted", () => {
    expect(
      ruleProblems(
        checkDatabase,
        database({ allocatedStorageGiB: 50, maxAllocatedStorageGiB: 50 }),
      ),
    ).toEqual([]);
    expect(ruleProblems(checkDatabase, database())).toEqual([]);
  });
});
