import { describe, expect, it } from "vitest";
import { GuardrailsSchema } from "../../src/rules/settings";

describe("guardrail settings", () => {
  it("GIVEN nothing THEN 1 GiB of memory headroom, a 60 s task start and a 15-minute deploy budget", () => {
    expect(GuardrailsSchema.parse({})).toEqual({
      memoryHeadroomMiB: 1024,
      taskStartSeconds: 60,
      deployBudgetSeconds: 900,
    });
  });

  it("refuses a deploy budget under a minute", () => {
    expect(GuardrailsSchema.safeParse({ deployBudgetSeconds: 30 }).success).toBe(false);
  });
});
