import { describe, expect, it } from "vitest";
import { formatIssues } from "../../src/config/errors";
import { LoadBalancerSchema } from "../../src/load-balancer/settings";

const problems = (input: Record<string, unknown>) => {
  const result = LoadBalancerSchema.safeParse(input);
  return result.success ? [] : formatIssues("loadBalancer", input, result.error.issues);
};

describe("a load balancer's settings", () => {
  it("GIVEN nothing WHEN parsed THEN no TLS, a 60 s idle timeout, deletion protection and 90 days of access logs", () => {
    expect(LoadBalancerSchema.parse({})).toMatchObject({
      idleTimeoutSeconds: 60,
      deletionProtection: true,
      accessLogRetentionDays: 90,
    });
    expect(LoadBalancerSchema.parse({}).tls).toBeUndefined();
  });

  it("TLS without a hosted zone and without a certificate is refused: nothing could issue or serve it", () => {
    expect(problems({ tls: { domainName: "app.example.com" } })).toEqual([
      expect.stringMatching(
        /^loadBalancer\.tls\.hostedZoneId: \(not set\) is missing, and so is certificateArn; allowed: a hostedZoneId .*, a certificateArn, or both; fix: /,
      ),
    ]);
  });

  it("TLS with a hosted zone, a certificate, or both is accepted", () => {
    const certificateArn =
      "arn:aws:acm:eu-west-1:111111111111:certificate/0f0e0d0c-0b0a-0908-0706-050403020100";
    const domainName = "app.example.com";
    expect(problems({ tls: { domainName, hostedZoneId: "Z0EXAMPLE" } })).toEqual([]);
    expect(problems({ tls: { domainName, certificateArn } })).toEqual([]);
    expect(problems({ tls: { domainName, certificateArn, hostedZoneId: "Z0EXAMPLE" } })).toEqual(
      [],
    );
  });
});
