import { describe, expect, it } from "vitest";
import { variableName } from "../../src/lib/variables";

describe("variableName", () => {
  it("is KIND_NAME_ATTRIBUTE in upper case, the names the workload reads", () => {
    expect(variableName("TABLE", "items", "NAME")).toBe("TABLE_ITEMS_NAME");
    expect(variableName("QUEUE", "events", "URL")).toBe("QUEUE_EVENTS_URL");
    expect(variableName("TOPIC", "events", "ARN")).toBe("TOPIC_EVENTS_ARN");
  });

  it("turns a hyphen of a name into an underscore, which a variable name needs", () => {
    expect(variableName("QUEUE", "order-events", "URL")).toBe("QUEUE_ORDER_EVENTS_URL");
  });
});
