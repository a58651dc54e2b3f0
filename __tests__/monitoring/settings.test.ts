import { describe, expect, it } from "vitest";
import { MonitoringSchema } from "../../src/monitoring/settings";

describe("monitoring settings", () => {
  it("GIVEN nothing THEN no recipients, and the alarm thresholds' defaults", () => {
    const monitoring = MonitoringSchema.parse({});
    expect(monitoring.alarmEmails).toEqual([]);
    expect(monitoring.alarmWebhookUrl).toBeUndefined();
    expect(monitoring.alarms).toMatchObject({
      target5xxPerMinute: 50,
      latencyP99Seconds: 1,
      memoryPercent: 85,
      cpuPercent: 85,
      queueVisibleMessages: 100,
      queueOldestMessageSeconds: 600,
    });
  });

  it("refuses a webhook that is not HTTPS, and an address that is not an email", () => {
    expect(
      MonitoringSchema.safeParse({ alarmWebhookUrl: "http://hooks.example.com" }).success,
    ).toBe(false);
    expect(
      MonitoringSchema.safeParse({ alarmWebhookUrl: "https://hooks.example.com" }).success,
    ).toBe(true);
    expect(MonitoringSchema.safeParse({ alarmEmails: ["ops"] }).success).toBe(false);
  });

  it("refuses a percentage threshold above 100", () => {
    const result = MonitoringSchema.safeParse({ alarms: { cpuPercent: 120 } });
    expect(result.error?.issues[0]?.message).toMatch(/^is too high; allowed: 1 to 100/);
  });
});
