import { describe, expect, it } from "vitest";
import { ConfigError } from "../../src/config/errors";
import { parseConfig, committedConfig } from "../../src/config/load";
import { PublicSchema, rulePriority } from "../../src/service/settings";
import { LoadBalancer, type ServiceTargetProps } from "../../src/load-balancer/load-balancer";
import {
  bareStack,
  committedEnvironment,
  onlyResource,
  resolved,
  resourcesOf,
  synth,
  type StackJson,
  environmentJson,
} from "../helpers";

type Resource = Record<string, unknown>;
const listeners = (json: StackJson) => Object.values(resourcesOf(json, "aws_lb_listener"));
const byPort = (json: StackJson, port: number) => listeners(json).find((l) => l.port === port)!;

/** What a request no service's rule matches gets. */
const NOT_FOUND = {
  type: "fixed-response",
  fixed_response: {
    content_type: "application/json",
    status_code: "404",
    message_body: JSON.stringify({ error: "Not Found", message: "No service answers this path" }),
  },
};

const HEALTH = {
  path: "/health",
  intervalSeconds: 10,
  timeoutSeconds: 5,
  healthyThreshold: 2,
  unhealthyThreshold: 3,
};

/** GIVEN a bare stack with a load balancer (with TLS unless `tls` is false) and the services `add`s. */
function loadBalancer(
  tls: boolean,
  add: (lb: LoadBalancer) => void = () => {},
  namePrefix = "orbit-test",
) {
  const stack = bareStack();
  const lb = new LoadBalancer(stack, "load-balancer", {
    namePrefix,
    region: "eu-west-1",
    accountId: "111111111111",
    vpcId: "vpc-1",
    subnetIds: ["subnet-a", "subnet-b"],
    idleTimeoutSeconds: 60,
    deletionProtection: false,
    accessLogRetentionDays: 30,
    tls: tls
      ? {
          domainName: "app.example.com",
          certificateArn: "arn:aws:acm:eu-west-1:111111111111:certificate/1",
        }
      : undefined,
  });
  add(lb);
  return synth(stack);
}

const service = (
  name: string,
  overrides: Partial<ServiceTargetProps> = {},
): ServiceTargetProps => ({
  name,
  containerPort: 8080,
  healthCheck: HEALTH,
  deregistrationDelaySeconds: 30,
  paths: ["/*"],
  priority: 100,
  ...overrides,
});

describe("load balancer with TLS", () => {
  const json = environmentJson("prod");

  it("serves HTTPS on 443 with a TLS 1.2+ policy and a DNS-validated certificate", () => {
    const https = byPort(json, 443);
    expect(https).toMatchObject({
      protocol: "HTTPS",
      ssl_policy: "ELBSecurityPolicy-TLS13-1-2-2021-06",
      certificate_arn:
        "${aws_acm_certificate_validation.load_balancer_certificate_validation.certificate_arn}",
      default_action: [NOT_FOUND],
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
    // 443, 80 and the test listener of the API's canary deployments.
    expect(listeners(json)).toHaveLength(3);
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

  it("admits 443 and 80 from the internet and nothing else; the test listener from the VPC only", () => {
    const albSg = "${aws_security_group.load_balancer_sg.id}";
    const ingress = Object.values(resourcesOf(json, "aws_vpc_security_group_ingress_rule")).filter(
      (r) => r.security_group_id === albSg,
    );
    expect(ingress.map((r) => [r.from_port, r.to_port, r.cidr_ipv4]).sort()).toEqual([
      [443, 443, "0.0.0.0/0"],
      [80, 80, "0.0.0.0/0"],
      [9443, 9443, "10.20.0.0/16"],
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
    const withArn = environmentJson("prod", {
      loadBalancer: {
        tls: { domainName: "orbit.example.com", certificateArn: arn, hostedZoneId: undefined },
      },
    });
    expect(resourcesOf(withArn, "aws_acm_certificate")).toEqual({});
    expect(byPort(withArn, 443).certificate_arn).toBe(arn);
    expect(resourcesOf(withArn, "aws_route53_record")).toEqual({});
  });
});

describe("a public service behind the load balancer", () => {
  it("gets its own IP target group on its container port, health-checking its path on the traffic port", () => {
    const json = loadBalancer(true, (lb) => {
      lb.addService(
        service("api", {
          containerPort: 3001,
          healthCheck: {
            ...HEALTH,
            path: "/livez",
            intervalSeconds: 15,
            healthyThreshold: 3,
            unhealthyThreshold: 4,
          },
          deregistrationDelaySeconds: 10,
        }),
      );
    });
    const targetGroup = resourcesOf(json, "aws_lb_target_group").load_balancer_target_api!;
    expect(targetGroup).toMatchObject({
      target_type: "ip",
      port: 3001,
      protocol: "HTTP",
      vpc_id: "vpc-1",
      deregistration_delay: "10",
      health_check: {
        enabled: true,
        path: "/livez",
        port: "traffic-port",
        matcher: "200",
        interval: 15,
        timeout: 5,
        healthy_threshold: 3,
        unhealthy_threshold: 4,
      },
      lifecycle: { create_before_destroy: true },
    });
    expect(targetGroup.name).toMatch(/^orbit-test-api-[0-9a-f]{6}$/);
  });

  it("changes its target group's name with its port, so a replacement can be created before the old one goes", () => {
    const nameWith = (containerPort: number) =>
      onlyResource(
        loadBalancer(true, (lb) => {
          lb.addService(service("api", { containerPort }));
        }),
        "aws_lb_target_group",
      ).name as string;
    expect(nameWith(8080)).toBe(nameWith(8080));
    expect(nameWith(8080)).not.toBe(nameWith(3001));
  });

  it("keeps a target group name within 32 characters by dropping the prefix", () => {
    const json = loadBalancer(
      true,
      (lb) => {
        lb.addService(service("notifications"));
      },
      "longproject-production",
    );
    const name = onlyResource(json, "aws_lb_target_group").name as string;
    expect(name).toMatch(/^notifications-[0-9a-f]{6}$/);
    expect(name.length).toBeLessThanOrEqual(32);
  });

  it("gets a listener rule on the HTTPS listener forwarding its paths and hosts, at its priority", () => {
    const json = loadBalancer(true, (lb) => {
      lb.addService(service("api", { paths: ["/api/*"], hosts: ["api.example.com"], priority: 7 }));
      lb.addService(service("admin", { paths: ["/admin/*"], priority: 9 }));
    });
    const rules = resourcesOf(json, "aws_lb_listener_rule");
    expect(Object.keys(rules).sort()).toEqual([
      "load_balancer_rule_admin",
      "load_balancer_rule_api",
    ]);
    expect(rules.load_balancer_rule_api).toMatchObject({
      listener_arn: "${aws_lb_listener.load_balancer_https.arn}",
      priority: 7,
      action: [
        {
          type: "forward",
          target_group_arn: "${aws_lb_target_group.load_balancer_target_api.arn}",
        },
      ],
      condition: [
        { path_pattern: { values: ["/api/*"] } },
        { host_header: { values: ["api.example.com"] } },
      ],
    });
    expect(rules.load_balancer_rule_admin).toMatchObject({
      listener_arn: "${aws_lb_listener.load_balancer_https.arn}",
      priority: 9,
      action: [
        {
          type: "forward",
          target_group_arn: "${aws_lb_target_group.load_balancer_target_admin.arn}",
        },
      ],
      condition: [{ path_pattern: { values: ["/admin/*"] } }],
    });
    // Anything no rule matches is a 404 from the load balancer itself.
    expect(byPort(json, 443).default_action).toEqual([NOT_FOUND]);
  });

  it("without TLS, gets its rule on the HTTP listener, which answers 404 otherwise", () => {
    const json = loadBalancer(false, (lb) => {
      lb.addService(service("api"));
    });
    expect(listeners(json)).toEqual([
      expect.objectContaining({ port: 80, protocol: "HTTP", default_action: [NOT_FOUND] }),
    ]);
    expect(onlyResource(json, "aws_lb_listener_rule").listener_arn).toBe(
      "${aws_lb_listener.load_balancer_http.arn}",
    );
  });

  it("gives autoscaling the request-count label <alb>/<target group>", () => {
    const stack = bareStack();
    const lb = new LoadBalancer(stack, "load-balancer", {
      namePrefix: "orbit-test",
      region: "eu-west-1",
      accountId: "111111111111",
      vpcId: "vpc-1",
      subnetIds: ["subnet-a"],
      idleTimeoutSeconds: 60,
      deletionProtection: false,
      accessLogRetentionDays: 30,
    });
    const target = lb.addService(service("api"));
    expect(resolved(stack, target.resourceLabel)).toBe(
      "${aws_lb.load_balancer_alb.arn_suffix}/${aws_lb_target_group.load_balancer_target_api.arn_suffix}",
    );
  });
});

describe("the environment's load balancer", () => {
  it("has a target group and a rule for each public service, none for the worker, at the derived priority", () => {
    const json = environmentJson("staging");
    expect(Object.keys(resourcesOf(json, "aws_lb_target_group"))).toEqual([
      "load_balancer_target_api",
    ]);
    expect(onlyResource(json, "aws_lb_target_group")).toMatchObject({
      port: 8080,
      deregistration_delay: "30",
      health_check: {
        path: "/health",
        interval: 10,
        timeout: 5,
        healthy_threshold: 2,
        unhealthy_threshold: 3,
      },
    });
    expect(onlyResource(json, "aws_lb_listener_rule")).toMatchObject({
      listener_arn: "${aws_lb_listener.load_balancer_https.arn}",
      priority: rulePriority("api", PublicSchema.parse({})),
      condition: [{ path_pattern: { values: ["/*"] } }],
    });
  });

  it("takes each public service's health check, deregistration delay, paths and priority from its settings", () => {
    const json = environmentJson("staging", {
      services: {
        api: {
          public: {
            healthCheck: {
              path: "/livez",
              intervalSeconds: 15,
              healthyThreshold: 3,
              unhealthyThreshold: 4,
            },
            deregistrationDelaySeconds: 10,
            paths: ["/items/*"],
            priority: 42,
          },
        },
      },
    });
    expect(onlyResource(json, "aws_lb_target_group")).toMatchObject({
      deregistration_delay: "10",
      health_check: { path: "/livez", interval: 15, healthy_threshold: 3, unhealthy_threshold: 4 },
    });
    expect(onlyResource(json, "aws_lb_listener_rule")).toMatchObject({
      priority: 42,
      condition: [{ path_pattern: { values: ["/items/*"] } }],
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
    const json = environmentJson("staging", { loadBalancer: { tls: undefined } });
    expect(listeners(json)).toEqual([
      expect.objectContaining({ port: 80, protocol: "HTTP", default_action: [NOT_FOUND] }),
    ]);
    expect(onlyResource(json, "aws_lb_listener_rule").listener_arn).toBe(
      "${aws_lb_listener.load_balancer_http.arn}",
    );
    expect(resourcesOf(json, "aws_acm_certificate")).toEqual({});
    const output = json.output?.service_url?.value as string;
    expect(output).toBe("http://${aws_lb.load_balancer_alb.dns_name}");
  });
});
