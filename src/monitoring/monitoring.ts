import { CloudwatchDashboard } from "@cdktf/provider-aws/lib/cloudwatch-dashboard";
import { CloudwatchLogMetricFilter } from "@cdktf/provider-aws/lib/cloudwatch-log-metric-filter";
import {
  CloudwatchMetricAlarm,
  type CloudwatchMetricAlarmConfig,
} from "@cdktf/provider-aws/lib/cloudwatch-metric-alarm";
import { CloudwatchQueryDefinition } from "@cdktf/provider-aws/lib/cloudwatch-query-definition";
import { SnsTopic } from "@cdktf/provider-aws/lib/sns-topic";
import { SnsTopicPolicy } from "@cdktf/provider-aws/lib/sns-topic-policy";
import { SnsTopicSubscription } from "@cdktf/provider-aws/lib/sns-topic-subscription";
import { Lazy } from "cdktf";
import { Construct } from "constructs";
import type { AlertsTopic } from "../cost/budget";
import { policyDocument, type PolicyStatement } from "../lib/iam";
import type { z } from "zod";
import type { AlarmsSchema } from "./settings";

export type AlarmThresholds = z.output<typeof AlarmsSchema>;

/** One service the alarms and the dashboard watch. */
export interface MonitoredService {
  /** The declared name: alarm and widget names start with it. */
  readonly name: string;
  /** The ECS service's name. */
  readonly serviceName: string;
  /** The autoscaling minimum: fewer running tasks is an alarm. */
  readonly minTaskCount: number;
  /** Its log group, for the ERROR metric filter and the saved queries. */
  readonly logGroupName: string;
  /** A public service's target group (`arn_suffix`). */
  readonly targetGroupArnSuffix?: string;
  /**
   * The second target group of a blue/green, canary or linear deployment: the new tasks serve
   * from it during a deployment, and it carries all traffic after every other one, so the
   * target-group alarms watch both.
   * @default - one target group
   */
  readonly alternateTargetGroupArnSuffix?: string;
  /** The declared names of the queues it consumes. */
  readonly consumes: readonly string[];
}

/** One queue and its dead-letter queue. */
export interface MonitoredQueue {
  readonly name: string;
  readonly queueName: string;
  readonly deadLetterQueueName: string;
}

/** What the alarms and the dashboard watch: references to resources of the same stack. */
export interface MonitoredResources {
  readonly loadBalancerArnSuffix: string;
  readonly clusterName: string;
  readonly services: readonly MonitoredService[];
  readonly queues: readonly MonitoredQueue[];
  /** @default - no database */
  readonly database?: {
    readonly identifier: string;
    readonly allocatedStorageGiB: number;
  };
}

/** A key policy that can admit an AWS service for one source (`DataKey.admitService`). */
export interface ServiceAdmittingKey {
  admitService(sid: string, service: string): void;
}

export interface MonitoringProps {
  readonly namePrefix: string;
  readonly region: string;
  readonly accountId: string;
  readonly kmsKeyArn: string;
  /**
   * The key's policy, so a service that publishes to the encrypted alerts topic
   * (`acceptAlertsFrom`) may also encrypt with the key.
   * @default - only CloudWatch alarms publish (the key's own statement admits them)
   */
  readonly key?: ServiceAdmittingKey;
  readonly alarmEmails: readonly string[];
  readonly alarmWebhookUrl?: string;
  readonly thresholds: AlarmThresholds;
  readonly resources: MonitoredResources;
}

/**
 * The saved Logs Insights queries, by name, over the fields every service logs (service/README.md:
 * level, message, correlation_id, http_method, http_path, http_status, latency_ms). The one value
 * an operator supplies is spelt as a placeholder, never as a sample that could match.
 */
export const LOG_QUERIES: Readonly<Record<string, string>> = {
  "recent-errors": [
    "fields @timestamp, correlation_id, message, http_method, http_path, http_status",
    '| filter level = "ERROR"',
    "| sort @timestamp desc",
    "| limit 100",
  ].join("\n"),
  "latency-percentiles": [
    "filter ispresent(latency_ms)",
    "| stats pct(latency_ms, 50) as p50, pct(latency_ms, 90) as p90, pct(latency_ms, 99) as p99, count(*) as requests by bin(5m)",
  ].join("\n"),
  "slowest-requests": [
    "fields @timestamp, correlation_id, http_method, http_path, http_status, latency_ms",
    "| filter ispresent(latency_ms)",
    "| sort latency_ms desc",
    "| limit 50",
  ].join("\n"),
  "one-request": [
    "fields @timestamp, level, message, http_method, http_path, http_status, latency_ms",
    '| filter correlation_id = "PASTE-A-CORRELATION-ID"',
    "| sort @timestamp asc",
  ].join("\n"),
};

/** The namespace of metrics this project derives from logs. */
export const LOG_METRICS_NAMESPACE = "Orbit/Service";

type AlarmSpec = Pick<
  CloudwatchMetricAlarmConfig,
  | "namespace"
  | "metricName"
  | "dimensions"
  | "statistic"
  | "extendedStatistic"
  | "comparisonOperator"
  | "threshold"
  | "treatMissingData"
  | "alarmDescription"
> & {
  readonly periodSeconds?: number;
  readonly minutes: number;
  /**
   * The same metric over several dimension sets (both target groups of a traffic-shifting
   * service), combined by metric math: `SUM` of counts, `MAX` of levels and percentiles.
   * @default - the one metric of `dimensions`
   */
  readonly combine?: {
    readonly over: readonly Record<string, string>[];
    readonly by: "SUM" | "MAX";
  };
};

/**
 * What operators see and are woken by (seed 002): an encrypted alerts topic with the configured
 * subscriptions; alarms per service (running tasks, memory, CPU, ERROR log lines; for a public
 * one 5xx, p99 latency and unhealthy targets), per queue (backlog, oldest message, dead letters),
 * on the load balancer and on the database, each sending both its ALARM and its OK ("all clear")
 * to the topic; saved Logs Insights queries over every service's logs; and one dashboard per
 * environment with a row per service.
 *
 * The alerts topic's policy admits exactly this environment's alarms (`cloudwatch.amazonaws.com`
 * for alarms named `<prefix>-*` of this account) and what `acceptAlertsFrom` adds (the
 * environment's budget).
 *
 * Every dimension is a reference to a resource of the same stack (an ARN suffix, a name, an
 * identifier), never a literal that could drift from what it watches.
 *
 * Cost per month: $0.10 per standard alarm metric (an alarm on metric math pays for each metric it
 * reads; `npm run cost -- --items` lists them), $3 per dashboard, $0.50 per million SNS notifications (email free up to
 * 1,000), Logs Insights $0.005 per GB scanned.
 */
export class Monitoring extends Construct implements AlertsTopic {
  public readonly topic: SnsTopic;
  /** Who may publish to the alerts topic: this environment's alarms, and what `acceptAlertsFrom` adds. */
  private readonly publishers: PolicyStatement[] = [];
  /** The alerts topic's policy: publishers that need it depend on it (`AlertsTopic`). */
  public acceptance?: SnsTopicPolicy;
  public readonly alarms: Record<string, CloudwatchMetricAlarm> = {};
  public readonly dashboard: CloudwatchDashboard;

  constructor(
    scope: Construct,
    id: string,
    private readonly props: MonitoringProps,
  ) {
    super(scope, id);
    this.topic = this.createTopic();
    this.acceptAlertsFrom(
      "CloudWatchAlarms",
      "cloudwatch.amazonaws.com",
      `arn:aws:cloudwatch:${props.region}:${props.accountId}:alarm:${props.namePrefix}-*`,
      { keyAdmitsAlready: true },
    );
    const { services, queues, database } = props.resources;
    if (services.some((s) => s.targetGroupArnSuffix)) this.createLoadBalancerAlarms();
    for (const service of services) this.createServiceAlarms(service);
    for (const queue of queues) this.createQueueAlarms(queue);
    if (database) this.createDatabaseAlarms(database);
    this.createQueries();
    this.dashboard = this.createDashboard();
  }

  /** The alerts topic's ARN (`AlertsTopic`). */
  public get arn(): string {
    return this.topic.arn;
  }

  /**
   * Lets an AWS service (AWS Budgets, say) publish to the alerts topic on behalf of one source of
   * this account, and, the topic being encrypted, use its key for it. The topic's policy admits
   * nobody else: principals of the account act through their IAM policies.
   */
  public acceptAlertsFrom(
    sid: string,
    service: string,
    sourceArn: string,
    options: { keyAdmitsAlready?: boolean } = {},
  ): void {
    if (!options.keyAdmitsAlready) {
      if (!this.props.key)
        throw new Error(
          `${service} cannot publish to the encrypted alerts topic: Monitoring was given no key policy to admit it to (props.key)`,
        );
      this.props.key.admitService(sid, service);
    }
    this.publishers.push({
      Sid: sid,
      Effect: "Allow",
      Principal: { Service: service },
      Action: "sns:Publish",
      Resource: this.topic.arn,
      Condition: {
        StringEquals: { "aws:SourceAccount": this.props.accountId },
        ArnLike: { "aws:SourceArn": sourceArn },
      },
    });
  }

  /**
   * The alarms a deployment of `service` watches, so a release that raises them rolls back: a
   * public service's 5xx and unhealthy targets; a queue consumer's new dead letters.
   */
  public deploymentAlarms(service: string): CloudwatchMetricAlarm[] {
    const watched = this.props.resources.services.find((s) => s.name === service);
    if (!watched) throw new Error(`${service} is not a monitored service`);
    const names = [
      ...(watched.targetGroupArnSuffix ? [`${service}-5xx`, `${service}-unhealthy-hosts`] : []),
      ...watched.consumes.map((queue) => `queue-${queue}-dead-letters`),
    ];
    return names.map((name) => this.alarms[name]!);
  }

  private createTopic(): SnsTopic {
    const topic = new SnsTopic(this, "alerts", {
      name: `${this.props.namePrefix}-alerts`,
      kmsMasterKeyId: this.props.kmsKeyArn,
    });
    this.props.alarmEmails.forEach(
      (email, i) =>
        new SnsTopicSubscription(this, `alerts-email-${i}`, {
          topicArn: topic.arn,
          protocol: "email",
          endpoint: email,
        }),
    );
    if (this.props.alarmWebhookUrl) {
      new SnsTopicSubscription(this, "alerts-webhook", {
        topicArn: topic.arn,
        protocol: "https",
        endpoint: this.props.alarmWebhookUrl,
      });
    }
    this.acceptance = new SnsTopicPolicy(this, "alerts-policy", {
      arn: topic.arn,
      policy: Lazy.stringValue({ produce: () => policyDocument(...this.publishers) }),
    });
    return topic;
  }

  private alarm(name: string, spec: AlarmSpec): CloudwatchMetricAlarm {
    const period = spec.periodSeconds ?? 60;
    const { minutes, periodSeconds: _, combine, ...metric } = spec;
    const alarm = new CloudwatchMetricAlarm(this, name, {
      // With metric math the period is each query's, never the alarm's.
      ...(combine ? this.combined(metric, combine, period) : { ...metric, period }),
      comparisonOperator: metric.comparisonOperator,
      alarmName: `${this.props.namePrefix}-${name}`,
      evaluationPeriods: Math.max(1, Math.round((minutes * 60) / period)),
      // Both transitions notify, so the all-clear arrives too.
      alarmActions: [this.topic.arn],
      okActions: [this.topic.arn],
    });
    this.alarms[name] = alarm;
    return alarm;
  }

  /** The alarm's metric as metric math over each dimension set of `combine`. */
  private combined(
    metric: Omit<AlarmSpec, "minutes" | "periodSeconds" | "combine">,
    combine: NonNullable<AlarmSpec["combine"]>,
    period: number,
  ): Omit<CloudwatchMetricAlarmConfig, "alarmName" | "evaluationPeriods" | "comparisonOperator"> {
    const { namespace, metricName, statistic, extendedStatistic, dimensions: _, ...rest } = metric;
    const ids = combine.over.map((_, i) => `m${i}`);
    return {
      ...rest,
      metricQuery: [
        ...combine.over.map((dimensions, i) => ({
          id: ids[i]!,
          returnData: false,
          metric: {
            namespace: namespace!,
            metricName: metricName!,
            dimensions,
            stat: (statistic ?? extendedStatistic)!,
            period,
          },
        })),
        {
          id: "combined",
          label: `${metricName} (${combine.by} over ${combine.over.length})`,
          expression: `${combine.by}([${ids.join(", ")}])`,
          returnData: true,
        },
      ],
    };
  }

  private createLoadBalancerAlarms(): void {
    this.alarm("elb-5xx", {
      alarmDescription:
        "The load balancer itself answers 5xx: no healthy target, or targets time out.",
      namespace: "AWS/ApplicationELB",
      metricName: "HTTPCode_ELB_5XX_Count",
      dimensions: { LoadBalancer: this.props.resources.loadBalancerArnSuffix },
      statistic: "Sum",
      comparisonOperator: "GreaterThanThreshold",
      threshold: this.props.thresholds.elb5xxPerMinute,
      minutes: 1,
      treatMissingData: "notBreaching",
    });
  }

  private createServiceAlarms(svc: MonitoredService): void {
    const t = this.props.thresholds;
    const r = this.props.resources;
    const service = { ClusterName: r.clusterName, ServiceName: svc.serviceName };
    const n = svc.name;
    if (svc.targetGroupArnSuffix) {
      const targets = {
        LoadBalancer: r.loadBalancerArnSuffix,
        TargetGroup: svc.targetGroupArnSuffix,
      };
      // A traffic-shifting service serves from either group: each alarm watches both.
      const both = (by: "SUM" | "MAX") =>
        svc.alternateTargetGroupArnSuffix
          ? {
              combine: {
                by,
                over: [
                  targets,
                  {
                    LoadBalancer: r.loadBalancerArnSuffix,
                    TargetGroup: svc.alternateTargetGroupArnSuffix,
                  },
                ],
              },
            }
          : {};
      // No requests means no errors: missing data is fine for the traffic alarms.
      this.alarm(`${n}-5xx`, {
        alarmDescription: `${n} answers 5xx: a bad release, a failing dependency, or overload.`,
        namespace: "AWS/ApplicationELB",
        metricName: "HTTPCode_Target_5XX_Count",
        dimensions: targets,
        statistic: "Sum",
        comparisonOperator: "GreaterThanThreshold",
        threshold: t.target5xxPerMinute,
        minutes: t.target5xxMinutes,
        treatMissingData: "notBreaching",
        ...both("SUM"),
      });
      this.alarm(`${n}-latency-p99`, {
        alarmDescription: `The slowest 1% of ${n}'s requests take longer than the threshold.`,
        namespace: "AWS/ApplicationELB",
        metricName: "TargetResponseTime",
        dimensions: targets,
        extendedStatistic: "p99",
        comparisonOperator: "GreaterThanThreshold",
        threshold: t.latencyP99Seconds,
        minutes: t.latencyMinutes,
        treatMissingData: "notBreaching",
        ...both("MAX"),
      });
      this.alarm(`${n}-unhealthy-hosts`, {
        alarmDescription: `${n}'s targets fail the load balancer's health check.`,
        namespace: "AWS/ApplicationELB",
        metricName: "UnHealthyHostCount",
        dimensions: targets,
        statistic: "Maximum",
        comparisonOperator: "GreaterThanOrEqualToThreshold",
        threshold: t.unhealthyHosts,
        minutes: t.unhealthyMinutes,
        treatMissingData: "notBreaching",
        // Both groups' unhealthy targets: a new set failing its checks in the alternate group.
        ...both("SUM"),
      });
    }
    // Container Insights reports the count, 0 included, while the service exists: a gap is the
    // metric pipeline's, not an outage, and keeps the alarm where it is.
    this.alarm(`${n}-running-tasks`, {
      alarmDescription: `Fewer ${n} tasks run than the autoscaling minimum.`,
      namespace: "ECS/ContainerInsights",
      metricName: "RunningTaskCount",
      dimensions: service,
      statistic: "Minimum",
      comparisonOperator: "LessThanThreshold",
      threshold: svc.minTaskCount,
      minutes: t.runningTasksMinutes,
      treatMissingData: "missing",
    });
    this.alarm(`${n}-memory`, {
      alarmDescription: `${n}'s tasks use most of their memory: the next step is an OOM kill (exit 137).`,
      namespace: "AWS/ECS",
      metricName: "MemoryUtilization",
      dimensions: service,
      statistic: "Average",
      comparisonOperator: "GreaterThanThreshold",
      threshold: t.memoryPercent,
      minutes: t.memoryMinutes,
      treatMissingData: "missing",
    });
    this.alarm(`${n}-cpu`, {
      alarmDescription: `${n}'s tasks are CPU-bound beyond what autoscaling absorbs.`,
      namespace: "AWS/ECS",
      metricName: "CPUUtilization",
      dimensions: service,
      statistic: "Average",
      comparisonOperator: "GreaterThanThreshold",
      threshold: t.cpuPercent,
      minutes: t.cpuMinutes,
      treatMissingData: "missing",
    });
    const metricName = `${this.props.namePrefix}-${n}-error-log-lines`;
    new CloudwatchLogMetricFilter(this, `${n}-error-lines`, {
      name: metricName,
      logGroupName: svc.logGroupName,
      pattern: '{ $.level = "ERROR" }',
      metricTransformation: {
        name: metricName,
        namespace: LOG_METRICS_NAMESPACE,
        value: "1",
        defaultValue: "0",
        unit: "Count",
      },
    });
    this.alarm(`${n}-error-log-lines`, {
      alarmDescription: `${n} logs ERROR lines.`,
      namespace: LOG_METRICS_NAMESPACE,
      metricName,
      statistic: "Sum",
      comparisonOperator: "GreaterThanThreshold",
      threshold: t.errorLogLinesPer5Minutes,
      periodSeconds: 300,
      minutes: 5,
      treatMissingData: "notBreaching",
    });
  }

  private createQueueAlarms(queue: MonitoredQueue): void {
    const t = this.props.thresholds;
    const n = `queue-${queue.name}`;
    this.alarm(`${n}-backlog`, {
      alarmDescription: `Messages pile up in ${queue.name}: consumers are down or too slow.`,
      namespace: "AWS/SQS",
      metricName: "ApproximateNumberOfMessagesVisible",
      dimensions: { QueueName: queue.queueName },
      statistic: "Maximum",
      comparisonOperator: "GreaterThanThreshold",
      threshold: t.queueVisibleMessages,
      minutes: t.queueVisibleMinutes,
      treatMissingData: "notBreaching",
    });
    this.alarm(`${n}-oldest-message`, {
      alarmDescription: `The oldest message in ${queue.name} waits too long: consumers are stuck.`,
      namespace: "AWS/SQS",
      metricName: "ApproximateAgeOfOldestMessage",
      dimensions: { QueueName: queue.queueName },
      statistic: "Maximum",
      comparisonOperator: "GreaterThanThreshold",
      threshold: t.queueOldestMessageSeconds,
      minutes: 5,
      treatMissingData: "notBreaching",
    });
    this.alarm(`${n}-dead-letters`, {
      alarmDescription: `A message of ${queue.name} failed every retry and is in its dead-letter queue.`,
      namespace: "AWS/SQS",
      metricName: "ApproximateNumberOfMessagesVisible",
      dimensions: { QueueName: queue.deadLetterQueueName },
      statistic: "Maximum",
      comparisonOperator: "GreaterThanThreshold",
      threshold: 0,
      minutes: 1,
      treatMissingData: "notBreaching",
    });
  }

  private createDatabaseAlarms(db: { identifier: string; allocatedStorageGiB: number }): void {
    const t = this.props.thresholds;
    // A gap in RDS metrics (a maintenance reboot, a delayed publish) is not an outage: the alarms
    // keep their state through it, and the services' 5xx and connection alarms catch a real one.
    const database = { DBInstanceIdentifier: db.identifier };
    this.alarm("database-cpu", {
      alarmDescription: "The database is CPU-bound: slow queries or an undersized instance.",
      namespace: "AWS/RDS",
      metricName: "CPUUtilization",
      dimensions: database,
      statistic: "Average",
      comparisonOperator: "GreaterThanThreshold",
      threshold: t.databaseCpuPercent,
      minutes: t.databaseCpuMinutes,
      treatMissingData: "missing",
    });
    this.alarm("database-free-storage", {
      alarmDescription: "Free storage is low. Storage autoscaling grows it; check it has room to.",
      namespace: "AWS/RDS",
      metricName: "FreeStorageSpace",
      dimensions: database,
      statistic: "Minimum",
      comparisonOperator: "LessThanThreshold",
      // Bytes: the share of the storage allocated at creation.
      threshold: Math.round(
        (db.allocatedStorageGiB * 1024 ** 3 * t.databaseFreeStoragePercent) / 100,
      ),
      periodSeconds: 300,
      minutes: 5,
      treatMissingData: "missing",
    });
    this.alarm("database-connections", {
      alarmDescription: "Connections approach the instance's limit: a leak, or too many tasks.",
      namespace: "AWS/RDS",
      metricName: "DatabaseConnections",
      dimensions: database,
      statistic: "Maximum",
      comparisonOperator: "GreaterThanThreshold",
      threshold: t.databaseConnections,
      minutes: 5,
      treatMissingData: "missing",
    });
  }

  private createQueries(): void {
    const logGroupNames = this.props.resources.services.map((s) => s.logGroupName);
    for (const [name, queryString] of Object.entries(LOG_QUERIES)) {
      new CloudwatchQueryDefinition(this, `query-${name}`, {
        name: `${this.props.namePrefix}/${name}`,
        logGroupNames,
        queryString,
      });
    }
  }

  /** A row per service (its traffic, or its queue, and its tasks), the database, the alarms. */
  private createDashboard(): CloudwatchDashboard {
    const { region } = this.props;
    const r = this.props.resources;
    const lb = ["LoadBalancer", r.loadBalancerArnSuffix];
    let y = 0;
    const widgets: object[] = [];
    const graph = (title: string, x: number, metrics: unknown[][]) =>
      widgets.push({
        type: "metric",
        x,
        y,
        width: 12,
        height: 6,
        properties: { title, region, view: "timeSeries", stacked: false, period: 60, metrics },
      });
    const queueMetrics = (queue: MonitoredQueue) => [
      [
        "AWS/SQS",
        "ApproximateNumberOfMessagesVisible",
        "QueueName",
        queue.queueName,
        { stat: "Maximum", label: `${queue.name} visible` },
      ],
      [
        "AWS/SQS",
        "ApproximateAgeOfOldestMessage",
        "QueueName",
        queue.queueName,
        { stat: "Maximum", label: `${queue.name} oldest (s)`, yAxis: "right" },
      ],
      [
        "AWS/SQS",
        "ApproximateNumberOfMessagesVisible",
        "QueueName",
        queue.deadLetterQueueName,
        { stat: "Maximum", label: `${queue.name} dead letters` },
      ],
    ];
    for (const svc of r.services) {
      const ecs = ["ClusterName", r.clusterName, "ServiceName", svc.serviceName];
      const tg = svc.targetGroupArnSuffix ? ["TargetGroup", svc.targetGroupArnSuffix] : undefined;
      if (tg) {
        graph(`${svc.name}: latency (p50, p99) and requests`, 0, [
          ["AWS/ApplicationELB", "TargetResponseTime", ...lb, ...tg, { stat: "p50", label: "p50" }],
          ["AWS/ApplicationELB", "TargetResponseTime", ...lb, ...tg, { stat: "p99", label: "p99" }],
          [
            "AWS/ApplicationELB",
            "RequestCount",
            ...lb,
            ...tg,
            { stat: "Sum", label: "requests", yAxis: "right" },
          ],
        ]);
        graph(`${svc.name}: error rate (% of requests answered 5xx) and ERROR lines`, 12, [
          [
            "AWS/ApplicationELB",
            "HTTPCode_Target_5XX_Count",
            ...lb,
            ...tg,
            { id: "errors", stat: "Sum", visible: false },
          ],
          [
            "AWS/ApplicationELB",
            "RequestCount",
            ...lb,
            ...tg,
            { id: "requests", stat: "Sum", visible: false },
          ],
          [{ expression: "100 * errors / MAX([requests, 1])", label: "5xx %", id: "rate" }],
          [
            LOG_METRICS_NAMESPACE,
            `${this.props.namePrefix}-${svc.name}-error-log-lines`,
            { stat: "Sum", label: "ERROR lines", yAxis: "right" },
          ],
        ]);
        y += 6;
      }
      const consumed = r.queues.filter((q) => svc.consumes.includes(q.name));
      if (consumed.length > 0) {
        graph(`${svc.name}: queue depth, age and dead letters`, 0, consumed.flatMap(queueMetrics));
        graph(`${svc.name}: error log lines`, 12, [
          [
            LOG_METRICS_NAMESPACE,
            `${this.props.namePrefix}-${svc.name}-error-log-lines`,
            { stat: "Sum", label: "ERROR lines" },
          ],
        ]);
        y += 6;
      }
      graph(`${svc.name}: CPU, memory and disk (% of task size)`, 0, [
        ["AWS/ECS", "CPUUtilization", ...ecs, { stat: "Average", label: "CPU" }],
        ["AWS/ECS", "MemoryUtilization", ...ecs, { stat: "Average", label: "memory" }],
        [
          "ECS/ContainerInsights",
          "EphemeralStorageUtilized",
          ...ecs,
          { id: "diskUsed", stat: "Maximum", visible: false },
        ],
        [
          "ECS/ContainerInsights",
          "EphemeralStorageReserved",
          ...ecs,
          { id: "diskSize", stat: "Maximum", visible: false },
        ],
        [{ expression: "100 * diskUsed / MAX([diskSize, 1])", label: "disk", id: "disk" }],
      ]);
      graph(`${svc.name}: running tasks, deployments${tg ? " and healthy targets" : ""}`, 12, [
        [
          "ECS/ContainerInsights",
          "RunningTaskCount",
          ...ecs,
          { stat: "Minimum", label: "running" },
        ],
        [
          "ECS/ContainerInsights",
          "DesiredTaskCount",
          ...ecs,
          { stat: "Maximum", label: "desired" },
        ],
        // Above 1 while a deployment rolls: when each release ran, and how long it took.
        [
          "ECS/ContainerInsights",
          "DeploymentCount",
          ...ecs,
          { stat: "Maximum", label: "deployments in progress" },
        ],
        ...(tg
          ? [
              [
                "AWS/ApplicationELB",
                "HealthyHostCount",
                ...lb,
                ...tg,
                { stat: "Minimum", label: "healthy targets" },
              ],
              [
                "AWS/ApplicationELB",
                "UnHealthyHostCount",
                ...lb,
                ...tg,
                { stat: "Maximum", label: "unhealthy targets" },
              ],
            ]
          : []),
      ]);
      y += 6;
    }
    if (r.database) {
      const db = ["DBInstanceIdentifier", r.database.identifier];
      graph("Database: CPU, connections, latency", 0, [
        ["AWS/RDS", "CPUUtilization", ...db, { stat: "Average", label: "CPU %" }],
        [
          "AWS/RDS",
          "DatabaseConnections",
          ...db,
          { stat: "Maximum", label: "connections", yAxis: "right" },
        ],
        [
          "AWS/RDS",
          "ReadLatency",
          ...db,
          { stat: "Average", label: "read latency (s)", yAxis: "right" },
        ],
        [
          "AWS/RDS",
          "WriteLatency",
          ...db,
          { stat: "Average", label: "write latency (s)", yAxis: "right" },
        ],
      ]);
    }
    widgets.push({
      type: "alarm",
      x: r.database ? 12 : 0,
      y,
      width: 12,
      height: 6,
      properties: {
        title: "Alarms",
        alarms: Object.values(this.alarms).map((alarm) => alarm.arn),
        sortBy: "stateUpdatedTimestamp",
      },
    });
    return new CloudwatchDashboard(this, "dashboard", {
      dashboardName: this.props.namePrefix,
      dashboardBody: JSON.stringify({ widgets }),
    });
  }
}
