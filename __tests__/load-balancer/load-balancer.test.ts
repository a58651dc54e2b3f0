import { describe, expect, it } from "vitest";
import { ConfigError } from "../../src/config/errors";
import { parseConfig, committedConfig } from "../../src/config/load";
import {
  committedEnvironment,
  environmentStack,
  onlyResource,
  resourcesOf,
  synth,
  type StackJson,
} from "../helpers";

type Resource = Record<string, unknown>;
const listeners = (json: StackJson) => Object.values(resourcesOf(json, "aws_lb_listener"));
const byPort = (json: StackJson, port: number) => listeners(json).find((l) => l.port === port)!;

describe("load balancer with TLS", () => {
  const json = synth(environmentStack("prod"));

  it("serves HTTPS on 443 with a TLS 1.2+ policy and a DNS-validated certificate", () => {
    const https = byPort(json, 443);
    expect(https).toMatchObject({
      protocol: "HTTPS",
      ssl_policy: "ELBSecurityPolicy-TLS13-1-2-2021-06",
      certificate_arn:
        "${aws_acm_certificate_validation.load_balancer_certificate_validation.certificate_arn}",
      default_action: [
        { type: "forward", target_group_arn: "${aws_lb_target_group.load_balancer_targets.arn}" },
      ],
    });
    expect(onlyResource(json, "aws_acm_certificate")).toMatchObject({
      domain_name: "orbit.example.com",
      validation_method: "DNS",
    });
  });

  it("answers HTTP only with a permanent redirect to HTTPS", () => {
    expect(byPort(json, 80)).toMatchObject({
      protocol: "HTTP",
      default_action: [
        { type: "redirect", redirect: { protocol: "HTTPS", port: "443", status_code: "HTTP_301" } },
      ],
    });
    expect(listeners(json)).toHaveLength(2);
  });

  it("points the domain at the load balancer with an alias record", () => {
    expect(resourcesOf(json, "aws_route53_record").load_balancer_alias).toMatchObject({
      zone_id: "Z0EXAMPLE0ORBIT0ZONE",
      name: "orbit.example.com",
      type: "A",
      alias: {
        name: "${aws_lb.load_balancer_alb.dns_name}",
        zone_id: "${aws_lb.load_balancer_alb.zone_id}",
      },
    });
  });

  it("is internet-facing in the public subnets, drops invalid headers, logs access and resists deletion in prod", () => {
    expect(onlyResource(json, "aws_lb")).toMatchObject({
      internal: false,
      load_balancer_type: "application",
      subnets: ["a", "b", "c"].map((z) => `\${aws_subnet.network_public_${z}.id}`),
      drop_invalid_header_fields: true,
      idle_timeout: 60,
      enable_deletion_protection: true,
      access_logs: {
        enabled: true,
        prefix: "alb",
        bucket: "${aws_s3_bucket.load_balancer_access_logs_bucket.bucket}",
      },
    });
  });

  it("admits 443 and 80 from the internet and nothing else", () => {
    const albSg = "${aws_security_group.load_balancer_sg.id}";
    const ingress = Object.values(resourcesOf(json, "aws_vpc_security_group_ingress_rule")).filter(
      (r) => r.security_group_id === albSg,
    );
    expect(ingress.map((r) => [r.from_port, r.to_port, r.cidr_ipv4]).sort()).toEqual([
      [443, 443, "0.0.0.0/0"],
      [80, 80, "0.0.0.0/0"],
    ]);
  });

  it("lets the region's ELB log delivery write access logs, for this account only, over TLS only", () => {
    const bucket = "${aws_s3_bucket.load_balancer_access_logs_bucket.arn}";
    const policy = JSON.parse(
      resourcesOf(json, "aws_s3_bucket_policy").load_balancer_access_logs_policy!.policy as string,
    );
    expect(policy.Statement[0]).toEqual({
      Sid: "LoadBalancerLogDelivery",
      Effect: "Allow",
      Principal: {
        AWS: "${data.aws_elb_service_account.load_balancer_access_logs_elb_account.arn}",
      },
      Action: "s3:PutObject",
      Resource: `${bucket}/alb/AWSLogs/\${data.aws_caller_identity.account.account_id}/*`,
    });
    expect(policy.Statement[1]).toMatchObject({
      Effect: "Deny",
      Condition: { Bool: { "aws:SecureTransport": "false" } },
    });
    expect(onlyResource(json, "aws_s3_bucket_public_access_block")).toMatchObject({
      block_public_acls: true,
      block_public_policy: true,
      ignore_public_acls: true,
      restrict_public_buckets: true,
    });
    expect(onlyResource(json, "aws_s3_bucket_server_side_encryption_configuration")).toMatchObject({
      rule: [{ apply_server_side_encryption_by_default: { sse_algorithm: "AES256" } }],
    });
  });

  it("puts a WAF web ACL with the managed common and bad-input rules and a rate limit in front, with its logs", () => {
    const acl = onlyResource(json, "aws_wafv2_web_acl");
    expect(acl).toMatchObject({ scope: "REGIONAL", default_action: { allow: {} } });
    const rules = acl.rule as Resource[];
    expect(rules.map((r) => r.name)).toEqual([
      "rate-limit-per-ip",
      "AWSManagedRulesCommonRuleSet",
      "AWSManagedRulesKnownBadInputsRuleSet",
    ]);
    expect(rules[0]).toMatchObject({
      action: { block: {} },
      statement: { rate_based_statement: { limit: 2000, aggregate_key_type: "IP" } },
    });
    expect(rules[2]).toMatchObject({
      override_action: { none: {} },
      statement: {
        managed_rule_group_statement: {
          name: "AWSManagedRulesKnownBadInputsRuleSet",
          vendor_name: "AWS",
        },
      },
    });
    expect(onlyResource(json, "aws_wafv2_web_acl_logging_configuration")).toMatchObject({
      resource_arn: "${aws_wafv2_web_acl.load_balancer_waf.arn}",
      log_destination_configs: ["${aws_cloudwatch_log_group.load_balancer_waf_logs.arn}"],
    });
    expect(resourcesOf(json, "aws_cloudwatch_log_group").load_balancer_waf_logs).toMatchObject({
      name: "aws-waf-logs-orbit-prod",
      kms_key_id: "${aws_kms_key.data_key_key.arn}",
    });
    expect(onlyResource(json, "aws_wafv2_web_acl_association")).toEqual(
      expect.objectContaining({
        resource_arn: "${aws_lb.load_balancer_alb.arn}",
        web_acl_arn: "${aws_wafv2_web_acl.load_balancer_waf.arn}",
      }),
    );
  });

  it("uses a given certificate instead of issuing one", () => {
    const arn =
      "arn:aws:acm:eu-west-1:222222222222:certificate/0f5bd0a6-2f4e-4d43-9f3e-8d7c0b1a2b3c";
    const withArn = synth(
      environmentStack("prod", {
        loadBalancer: {
          tls: { domainName: "orbit.example.com", certificateArn: arn, hostedZoneId: undefined },
        },
      }),
    );
    expect(resourcesOf(withArn, "aws_acm_certificate")).toEqual({});
    expect(byPort(withArn, 443).certificate_arn).toBe(arn);
    expect(resourcesOf(withArn, "aws_route53_record")).toEqual({});
  });
});

describe("target group", () => {
  it("targets task IPs on the container port and health-checks /health on the traffic port", () => {
    const json = synth(environmentStack("staging"));
    expect(onlyResource(json, "aws_lb_target_group")).toMatchObject({
      target_type: "ip",
      port: 8080,
      protocol: "HTTP",
      deregistration_delay: "30",
      health_check: {
        path: "/health",
        port: "traffic-port",
        matcher: "200",
        interval: 10,
        timeout: 5,
        healthy_threshold: 2,
        unhealthy_threshold: 3,
      },
    });
  });

  it("takes path, interval, thresholds and deregistration delay from config", () => {
    const json = synth(
      environmentStack("staging", {
        service: {
          healthCheck: {
            path: "/livez",
            intervalSeconds: 15,
            healthyThreshold: 3,
            unhealthyThreshold: 4,
          },
          deregistrationDelaySeconds: 10,
        },
      }),
    );
    expect(onlyResource(json, "aws_lb_target_group")).toMatchObject({
      deregistration_delay: "10",
      health_check: { path: "/livez", interval: 15, healthy_threshold: 3, unhealthy_threshold: 4 },
    });
  });
});

describe("without TLS", () => {
  const noTls = (name: "staging" | "prod") => ({
    ...committedConfig,
    environments: {
      ...committedConfig.environments,
      [name]: {
        ...committedEnvironment(name),
        loadBalancer: { deletionProtection: name === "prod" },
      },
    },
  });

  it("prod refuses to synthesize, saying what to set", () => {
    try {
      parseConfig(noTls("prod"));
      expect.unreachable("prod without TLS was accepted");
    } catch (error) {
      expect(error).toBeInstanceOf(ConfigError);
      expect((error as ConfigError).problems).toEqual([
        expect.stringMatching(
          /^prod\.loadBalancer\.tls: \(not set\) is required in a production tier, .*fix: set loadBalancer\.tls/,
        ),
      ]);
    }
  });

  it("staging is accepted with a warning, and serves plain HTTP on 80 only", () => {
    const config = parseConfig(noTls("staging"));
    expect(config.warnings).toEqual([
      expect.stringMatching(/^staging\.loadBalancer\.tls is not set: staging serves plain HTTP/),
    ]);
    const json = synth(environmentStack("staging", { loadBalancer: { tls: undefined } }));
    expect(listeners(json)).toEqual([
      expect.objectContaining({
        port: 80,
        protocol: "HTTP",
        default_action: [expect.objectContaining({ type: "forward" })],
      }),
    ]);
    expect(resourcesOf(json, "aws_acm_certificate")).toEqual({});
    const output = json.output?.service_url?.value as string;
    expect(output).toBe("http://${aws_lb.load_balancer_alb.dns_name}");
  });
});
