/** Settings of the load balancer (`LoadBalancer`): TLS, idle timeout, protection, access logs, WAF. */
import { z } from "zod";
import { explain, integerBetween, seconds } from "../config/fields";

export const LoadBalancerSchema = z.strictObject({
  /**
   * HTTPS. Required in prod; without it staging serves plain HTTP (with a warning at synth).
   * @default - no TLS
   */
  tls: z
    .strictObject({
      /** The name clients use, e.g. `app.example.com`. */
      domainName: z
        .string()
        .regex(
          /^(?=.{1,253}$)([a-z0-9]([a-z0-9-]{0,61}[a-z0-9])?\.)+[a-z]{2,63}$/,
          explain(
            "is not a domain name",
            "a lower-case DNS name such as app.example.com",
            "fix the name",
          ),
        ),
      /**
       * The Route 53 public hosted zone of the domain: the certificate is validated by DNS there,
       * and an alias record points the domain at the load balancer.
       * @default - no DNS records are managed; `certificateArn` is required
       */
      hostedZoneId: z
        .string()
        .regex(
          /^Z[A-Z0-9]{1,32}$/,
          explain(
            "is not a hosted zone id",
            "Z followed by letters and digits",
            "copy it from Route 53",
          ),
        )
        .optional(),
      /**
       * An existing ACM certificate for the domain, in the environment's region.
       * @default - a new certificate validated through `hostedZoneId`
       */
      certificateArn: z
        .string()
        .regex(
          /^arn:aws:acm:[a-z0-9-]+:\d{12}:certificate\/[0-9a-f-]{36}$/,
          explain(
            "is not an ACM certificate ARN",
            "arn:aws:acm:<region>:<account>:certificate/<uuid>",
            "copy it from ACM",
          ),
        )
        .optional(),
    })
    .refine((tls) => tls.hostedZoneId !== undefined || tls.certificateArn !== undefined, {
      path: ["hostedZoneId"],
      error: explain(
        "is missing, and so is certificateArn",
        "a hostedZoneId (a certificate is issued and validated in it), a certificateArn, or both",
        "set loadBalancer.tls.hostedZoneId to the domain's Route 53 zone",
      ),
    })
    .optional(),
  /**
   * Seconds an idle client connection stays open. Each public service gets `KEEP_ALIVE_TIMEOUT_MS`
   * 5 s longer (`loadBalancedVariables`), so the load balancer, not the service, closes idle ones.
   * @default 60
   */
  idleTimeoutSeconds: seconds(1, 4000, "loadBalancer.idleTimeoutSeconds").default(60),
  /**
   * Refuse to delete the load balancer (and with it the environment's address).
   * @default true
   */
  deletionProtection: z.boolean().default(true),
  /**
   * Days access logs are kept in their bucket.
   * @default 90
   */
  accessLogRetentionDays: integerBetween(1, 3650, "set the days to keep access logs").default(90),
  /**
   * A WAFv2 web ACL: AWS's common and known-bad-inputs rule groups and a per-IP rate limit.
   * Costs ~$5 per ACL, $1 per rule and $0.60 per million requests a month.
   * @default - none
   */
  waf: z
    .strictObject({
      enabled: z.boolean(),
      /** Requests per client IP per 5 minutes before it is blocked. @default 2000 */
      rateLimitPer5Minutes: integerBetween(10, 2_000_000_000, "AWS allows 10 or more").default(
        2000,
      ),
    })
    .optional(),
});
