import { AcmCertificate } from "@cdktf/provider-aws/lib/acm-certificate";
import { AcmCertificateValidation } from "@cdktf/provider-aws/lib/acm-certificate-validation";
import { Lb } from "@cdktf/provider-aws/lib/lb";
import { LbListener, type LbListenerDefaultAction } from "@cdktf/provider-aws/lib/lb-listener";
import {
  LbListenerRule,
  type LbListenerRuleAction,
} from "@cdktf/provider-aws/lib/lb-listener-rule";
import { LbTargetGroup } from "@cdktf/provider-aws/lib/lb-target-group";
import { Route53Record } from "@cdktf/provider-aws/lib/route53-record";
import type { SecurityGroup } from "@cdktf/provider-aws/lib/security-group";
import { VpcSecurityGroupIngressRule } from "@cdktf/provider-aws/lib/vpc-security-group-ingress-rule";
import { Wafv2WebAcl } from "@cdktf/provider-aws/lib/wafv2-web-acl";
import { Wafv2WebAclAssociation } from "@cdktf/provider-aws/lib/wafv2-web-acl-association";
import { Wafv2WebAclLoggingConfiguration } from "@cdktf/provider-aws/lib/wafv2-web-acl-logging-configuration";
import { CloudwatchLogGroup } from "@cdktf/provider-aws/lib/cloudwatch-log-group";
import { Construct } from "constructs";
import { createHash } from "node:crypto";
import { suppressRule } from "../rules/suppressions";
import { AccessLogBucket } from "./access-log-bucket";
import { securityGroup } from "../network/security-group";

/** Six hex digits of a stable hash of `values`, to make a name unique per configuration. */
export function digest(values: Readonly<Record<string, unknown>>): string {
  return createHash("sha256").update(JSON.stringify(values)).digest("hex").slice(0, 6);
}

/** What a request no service's rule matches gets: a 404 in the services' own error shape. */
const NOT_FOUND: LbListenerDefaultAction = {
  type: "fixed-response",
  fixedResponse: {
    contentType: "application/json",
    statusCode: "404",
    messageBody: JSON.stringify({ error: "Not Found", message: "No service answers this path" }),
  },
};

/**
 * The test listener's port: where ECS sends test traffic to the new tasks of a blue/green, canary
 * or linear deployment before production traffic moves. Its security group rule admits only the
 * VPC's own range, so it is never reachable from the internet. Above 1024, so the network ACLs'
 * return-traffic ranges already carry it between the private and public subnets.
 */
export const TEST_LISTENER_PORT = 9443;

/** TLS 1.3 and 1.2 only, forward-secret ciphers; AWS's recommended policy for new listeners. */
export const TLS_POLICY = "ELBSecurityPolicy-TLS13-1-2-2021-06";

export interface HealthCheckSettings {
  /** Liveness path; answered without touching the database. */
  readonly path: string;
  readonly intervalSeconds: number;
  readonly timeoutSeconds: number;
  readonly healthyThreshold: number;
  readonly unhealthyThreshold: number;
}

export interface TlsSettings {
  readonly domainName: string;
  /** Validates a new certificate by DNS and holds the alias record. */
  readonly hostedZoneId?: string;
  /** An existing certificate; skips issuing one. */
  readonly certificateArn?: string;
}

export interface LoadBalancerProps {
  readonly namePrefix: string;
  readonly region: string;
  /** The account, for the access-log bucket's name and policy. */
  readonly accountId: string;
  readonly vpcId: string;
  /** Public subnets, one per AZ. */
  readonly subnetIds: readonly string[];
  readonly idleTimeoutSeconds: number;
  readonly deletionProtection: boolean;
  readonly accessLogRetentionDays: number;
  /**
   * HTTPS on 443, with port 80 answering only with a redirect.
   * @default - plain HTTP on port 80 (refused for prod by the configuration)
   */
  readonly tls?: TlsSettings;
  /**
   * A WAFv2 web ACL in front of the load balancer.
   * @default - none
   */
  readonly waf?: { readonly rateLimitPer5Minutes: number };
  /**
   * Encrypts the WAF log group.
   * @default - CloudWatch's own encryption
   */
  readonly kmsKeyArn?: string;
  /**
   * Days WAF logs are kept.
   * @default 90
   */
  readonly wafLogRetentionDays?: number;
  /**
   * The VPC's range: the only source the test listener admits.
   * @default - no test listener can be created (`addService` with `alternate` throws)
   */
  readonly vpcCidr?: string;
}

/** A public service's place behind the load balancer: `addService`. */
export interface ServiceTargetProps {
  /** The service's name: the target group's and the rule's. */
  readonly name: string;
  /** The container port: the target group's port and the health check's (`traffic-port`). */
  readonly containerPort: number;
  readonly healthCheck: HealthCheckSettings;
  readonly deregistrationDelaySeconds: number;
  /** Path patterns the rule forwards. */
  readonly paths: readonly string[];
  /** Host headers the rule forwards. @default - any host */
  readonly hosts?: readonly string[];
  /** The rule's priority, distinct per listener. */
  readonly priority: number;
  /**
   * A second target group and a test listener rule for ECS's blue/green, canary and linear
   * deployments, which move traffic between the two groups by changing the rules' weights.
   * @default false - one target group, one rule (rolling deployments)
   */
  readonly alternate?: boolean;
}

/** What a public service needs from the load balancer. */
export interface ServiceTarget {
  readonly targetGroup: LbTargetGroup;
  readonly rule: LbListenerRule;
  /** With `alternate`: the group the new tasks of a deployment register in first. */
  readonly alternateTargetGroup?: LbTargetGroup;
  /** With `alternate`: the same paths and hosts on the test listener. */
  readonly testRule?: LbListenerRule;
  /** `<alb arn_suffix>/<target group arn_suffix>`: the request-count metric's label. */
  readonly resourceLabel: string;
}

/**
 * An internet-facing Application Load Balancer in the public subnets, shared by the
 * environment's public services: each gets its own IP target group on its container port and a
 * listener rule for its paths and hosts (`addService`); anything no rule matches answers 404.
 *
 * - HTTPS on 443 with an ACM certificate (issued and DNS-validated in the hosted zone, or given)
 *   and a TLS 1.2+ policy; port 80 only redirects (301) to HTTPS.
 * - Its security group admits 443 and 80 from anywhere; its egress to the service is added by the
 *   stack, together with the service's ingress (`TrafficRule`).
 * - Drops invalid header fields, writes access logs to their own bucket, optionally sits behind
 *   WAF (AWS common and known-bad-inputs rules and a per-IP rate limit).
 * - The target group health-checks `path` on the traffic port every `intervalSeconds`; a new task
 *   is in service after `healthyThreshold` passing checks: 2 x 10 s = ~20 s with the defaults, and
 *   out after `unhealthyThreshold` x interval = ~30 s. Deregistration waits
 *   `deregistrationDelaySeconds` (30 s, not AWS's 300 s) for in-flight requests.
 *
 * Cost per month: ~$16.40 for the ALB plus ~$5.84 per LCU-month of traffic; the certificate is
 * free; WAF ~$5 per ACL + $1 per rule (3) + $0.60 per million requests.
 */
export class LoadBalancer extends Construct {
  public readonly securityGroup: SecurityGroup;
  public readonly alb: Lb;
  /** The listener that serves requests (HTTPS, or HTTP without TLS); the services' rules sit on it. */
  public readonly listener: LbListener;
  /** Every listener. */
  public readonly listeners: LbListener[] = [];
  /** The certificate of the HTTPS listeners; none without TLS. */
  private certificateArn?: string;
  /** Created with the first service that has an alternate target group. */
  private testListener?: LbListener;
  public readonly accessLogs: AccessLogBucket;
  /** `https://<domain>` with TLS, else `http://<alb dns name>`. */
  public readonly url: string;
  public readonly webAcl?: Wafv2WebAcl;

  constructor(
    scope: Construct,
    id: string,
    private readonly props: LoadBalancerProps,
  ) {
    super(scope, id);
    this.securityGroup = this.createSecurityGroup();
    this.accessLogs = new AccessLogBucket(this, "access-logs", {
      namePrefix: props.namePrefix,
      region: props.region,
      accountId: props.accountId,
      logPrefix: "alb",
      retentionDays: props.accessLogRetentionDays,
    });
    suppressRule(
      this.accessLogs,
      "PLAT-8",
      "Access logs are expendable diagnostics that expire by lifecycle; versioning would store each log twice and prevent_destroy would block tearing down the load balancer.",
    );
    this.alb = this.createLoadBalancer();
    if (props.tls) {
      this.listener = this.createHttpsListeners(props.tls);
      this.url = `https://${props.tls.domainName}`;
    } else {
      this.listener = this.createListener("http", 80, NOT_FOUND);
      this.url = `http://${this.alb.dnsName}`;
    }
    if (props.waf) this.webAcl = this.createWebAcl(props.waf.rateLimitPer5Minutes);
  }

  private createSecurityGroup(): SecurityGroup {
    const sg = securityGroup(this, "sg", {
      name: `${this.props.namePrefix}-alb`,
      description: "Load balancer: HTTPS (and HTTP, which only redirects) from the internet",
      vpcId: this.props.vpcId,
    });
    const ports = this.props.tls ? [443, 80] : [80];
    for (const port of ports) {
      new VpcSecurityGroupIngressRule(this, `ingress-${port}`, {
        securityGroupId: sg.id,
        description: port === 443 ? "HTTPS from the internet" : "HTTP from the internet",
        ipProtocol: "tcp",
        fromPort: port,
        toPort: port,
        cidrIpv4: "0.0.0.0/0",
      });
    }
    return sg;
  }

  private createLoadBalancer(): Lb {
    return new Lb(this, "alb", {
      name: `${this.props.namePrefix}-alb`,
      loadBalancerType: "application",
      internal: false,
      subnets: [...this.props.subnetIds],
      securityGroups: [this.securityGroup.id],
      dropInvalidHeaderFields: true,
      idleTimeout: this.props.idleTimeoutSeconds,
      enableDeletionProtection: this.props.deletionProtection,
      accessLogs: { bucket: this.accessLogs.bucket.bucket, prefix: "alb", enabled: true },
      dependsOn: [this.accessLogs.policy],
    });
  }

  /**
   * A target group for one public service and the listener rule that forwards its paths and
   * hosts to it; with `alternate`, a second target group and a rule on the test listener, both
   * rules forwarding by weight (100 to the first group, 0 to the second) for ECS to shift.
   */
  public addService(props: ServiceTargetProps): ServiceTarget {
    const targetGroup = this.createTargetGroup(props, `target-${props.name}`, false);
    const alternateTargetGroup = props.alternate
      ? this.createTargetGroup(props, `target-${props.name}-alternate`, true)
      : undefined;
    const forward = alternateTargetGroup
      ? this.weightedForward(targetGroup, alternateTargetGroup)
      : { type: "forward", targetGroupArn: targetGroup.arn };
    const rule = this.createRule(
      props,
      `rule-${props.name}`,
      this.listener,
      forward,
      !!alternateTargetGroup,
    );
    const testRule = alternateTargetGroup
      ? this.createRule(props, `test-rule-${props.name}`, this.ensureTestListener(), forward, true)
      : undefined;
    return {
      targetGroup,
      rule,
      alternateTargetGroup,
      testRule,
      resourceLabel: `${this.alb.arnSuffix}/${targetGroup.arnSuffix}`,
    };
  }

  private createTargetGroup(
    props: ServiceTargetProps,
    id: string,
    alternate: boolean,
  ): LbTargetGroup {
    const { containerPort, healthCheck } = props;
    const forceNew = { port: containerPort, protocol: "HTTP", targetType: "ip" };
    const suffix = digest({
      namePrefix: this.props.namePrefix,
      service: props.name,
      ...forceNew,
      ...(alternate ? { alternate } : {}),
    });
    const full = `${this.props.namePrefix}-${props.name}-${suffix}`;
    return new LbTargetGroup(this, id, {
      // Replacing a target group (a new port, say) creates the new one before destroying the old,
      // so the rule always has one to forward to; the name carries a digest of every attribute
      // that forces replacement, so the two never collide. Target group names fit 32 characters.
      name: full.length <= 32 ? full : `${props.name}-${suffix}`,
      targetType: forceNew.targetType,
      port: forceNew.port,
      protocol: forceNew.protocol,
      vpcId: this.props.vpcId,
      deregistrationDelay: String(props.deregistrationDelaySeconds),
      healthCheck: {
        enabled: true,
        path: healthCheck.path,
        port: "traffic-port",
        protocol: "HTTP",
        matcher: "200",
        interval: healthCheck.intervalSeconds,
        timeout: healthCheck.timeoutSeconds,
        healthyThreshold: healthCheck.healthyThreshold,
        unhealthyThreshold: healthCheck.unhealthyThreshold,
      },
      tags: { Name: `${this.props.namePrefix}-${props.name}${alternate ? "-alternate" : ""}` },
      lifecycle: { createBeforeDestroy: true },
    });
  }

  /** Forward by weight: all traffic to `primary` until ECS moves it during a deployment. */
  private weightedForward(primary: LbTargetGroup, alternate: LbTargetGroup): LbListenerRuleAction {
    return {
      type: "forward",
      forward: {
        targetGroup: [
          { arn: primary.arn, weight: 100 },
          { arn: alternate.arn, weight: 0 },
        ],
      },
    };
  }

  private createRule(
    props: ServiceTargetProps,
    id: string,
    listener: LbListener,
    action: LbListenerRuleAction,
    ecsShiftsTraffic: boolean,
  ): LbListenerRule {
    return new LbListenerRule(this, id, {
      listenerArn: listener.arn,
      priority: props.priority,
      action: [action],
      condition: [
        { pathPattern: { values: [...props.paths] } },
        ...(props.hosts ? [{ hostHeader: { values: [...props.hosts] } }] : []),
      ],
      tags: {
        Name: `${this.props.namePrefix}-${props.name}${listener === this.listener ? "" : "-test"}`,
      },
      // ECS moves the weights (and which group is "primary") with every deployment; Terraform
      // must not move them back, or the next apply would send traffic to the drained tasks.
      ...(ecsShiftsTraffic ? { lifecycle: { ignoreChanges: ["action"] } } : {}),
    });
  }

  /**
   * The test listener on `TEST_LISTENER_PORT`, answering 404 to anything no test rule matches,
   * and admitting the VPC's own range only: tests reach a new task set before customers do.
   */
  private ensureTestListener(): LbListener {
    if (this.testListener) return this.testListener;
    const { vpcCidr } = this.props;
    if (!vpcCidr) {
      throw new Error(
        "LoadBalancer: a service with an alternate target group needs a test listener, which admits only the VPC's range, and vpcCidr is not set; pass vpcCidr to the LoadBalancer",
      );
    }
    new VpcSecurityGroupIngressRule(this, `ingress-${TEST_LISTENER_PORT}`, {
      securityGroupId: this.securityGroup.id,
      description: "Test listener: deployment test traffic from inside the VPC only",
      ipProtocol: "tcp",
      fromPort: TEST_LISTENER_PORT,
      toPort: TEST_LISTENER_PORT,
      cidrIpv4: vpcCidr,
    });
    this.testListener = this.createListener(
      "test",
      TEST_LISTENER_PORT,
      NOT_FOUND,
      this.certificateArn,
    );
    return this.testListener;
  }

  private createHttpsListeners(tls: TlsSettings): LbListener {
    const certificateArn =
      tls.certificateArn ?? this.issueCertificate(tls.domainName, tls.hostedZoneId!);
    this.certificateArn = certificateArn;
    const https = this.createListener("https", 443, NOT_FOUND, certificateArn);
    this.createListener("http", 80, {
      type: "redirect",
      redirect: { protocol: "HTTPS", port: "443", statusCode: "HTTP_301" },
    });
    if (tls.hostedZoneId) {
      new Route53Record(this, "alias", {
        zoneId: tls.hostedZoneId,
        name: tls.domainName,
        type: "A",
        alias: { name: this.alb.dnsName, zoneId: this.alb.zoneId, evaluateTargetHealth: true },
      });
    }
    return https;
  }

  /** A DNS-validated certificate; the listener waits until it is issued. */
  private issueCertificate(domainName: string, hostedZoneId: string): string {
    const certificate = new AcmCertificate(this, "certificate", {
      domainName,
      validationMethod: "DNS",
      keyAlgorithm: "EC_prime256v1",
      lifecycle: { createBeforeDestroy: true },
    });
    const option = certificate.domainValidationOptions.get(0);
    const record = new Route53Record(this, "certificate-validation-record", {
      zoneId: hostedZoneId,
      name: option.resourceRecordName,
      type: option.resourceRecordType,
      records: [option.resourceRecordValue],
      ttl: 60,
      allowOverwrite: true,
    });
    return new AcmCertificateValidation(this, "certificate-validation", {
      certificateArn: certificate.arn,
      validationRecordFqdns: [record.fqdn],
    }).certificateArn;
  }

  private createListener(
    id: string,
    port: number,
    action: LbListenerDefaultAction,
    certificateArn?: string,
  ): LbListener {
    const listener = new LbListener(this, id, {
      loadBalancerArn: this.alb.arn,
      port,
      protocol: certificateArn ? "HTTPS" : "HTTP",
      ...(certificateArn ? { certificateArn, sslPolicy: TLS_POLICY } : {}),
      defaultAction: [action],
    });
    this.listeners.push(listener);
    return listener;
  }

  private createWebAcl(rateLimit: number): Wafv2WebAcl {
    const prefix = this.props.namePrefix;
    const visibility = (metric: string) => ({
      cloudwatchMetricsEnabled: true,
      sampledRequestsEnabled: true,
      metricName: `${prefix}-${metric}`,
    });
    // `statement` is untyped in the bindings (its nesting is recursive): it is written as
    // Terraform's own snake_case blocks.
    const managed = (priority: number, name: string) => ({
      name,
      priority,
      overrideAction: { none: {} },
      statement: { managed_rule_group_statement: { name, vendor_name: "AWS" } },
      visibilityConfig: visibility(name),
    });
    const acl = new Wafv2WebAcl(this, "waf", {
      name: `${prefix}-alb`,
      scope: "REGIONAL",
      defaultAction: { allow: {} },
      visibilityConfig: visibility("waf"),
      rule: [
        {
          name: "rate-limit-per-ip",
          priority: 0,
          action: { block: {} },
          statement: { rate_based_statement: { limit: rateLimit, aggregate_key_type: "IP" } },
          visibilityConfig: visibility("rate-limit"),
        },
        managed(1, "AWSManagedRulesCommonRuleSet"),
        // Includes Log4JRCE (CVE-2021-44228) and other known exploit patterns.
        managed(2, "AWSManagedRulesKnownBadInputsRuleSet"),
      ],
    });
    new Wafv2WebAclAssociation(this, "waf-association", {
      resourceArn: this.alb.arn,
      webAclArn: acl.arn,
    });
    // WAF delivers its logs only to log groups whose name starts with aws-waf-logs-.
    const logs = new CloudwatchLogGroup(this, "waf-logs", {
      name: `aws-waf-logs-${prefix}`,
      retentionInDays: this.props.wafLogRetentionDays ?? 90,
      kmsKeyId: this.props.kmsKeyArn,
    });
    new Wafv2WebAclLoggingConfiguration(this, "waf-logging", {
      resourceArn: acl.arn,
      logDestinationConfigs: [logs.arn],
    });
    return acl;
  }
}
