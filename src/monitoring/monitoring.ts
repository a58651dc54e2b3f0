import { CloudwatchDashboard } from "@cdktf/provider-aws/lib/cloudwatch-dashboard";
import { CloudwatchLogMetricFilter } from "@cdktf/provider-aws/lib/cloudwatch-log-metric-filter";
import {
  CloudwatchMetricAlarm,
  type CloudwatchMetricAlarmConfig,
} from "@cdktf/provider-aws/lib/cloudwatch-metric-alarm";
import { CloudwatchQueryDefinition } from "@cdktf/provider-aws/lib/cloudwatch-query-definition";
import { SnsTopic } from "@cdktf/provider-aws/lib/sns-topic";
import { SnsTopicSubscription } from "@cdktf/provider-aws/lib/sns-topic-subscription";
import { Construct } from "constructs";
import type { z } from "zod";
import type { AlarmsSchema } from "./settings";

export type AlarmThresholds = z.output<typeof AlarmsSchema>;

/** What the alarms and the dashboard watch: references to resources of the same stack. */
export interface MonitoredResources {
  readonly loadBalancerArnSuffix: string;
  readonly targetGroupArnSuffix: string;
  readonly clusterName: string;
  readonly serviceName: string;
  /** The autoscaling minimum: fewer running tasks is an alarm. */
  readonly minTaskCount: number;
  readonly databaseIdentifier: string;
  readonly databaseAllocatedStorageGiB: number;
  readonly queueName: string;
  readonly deadLetterQueueName: string;
  /** The service's log group, for the ERROR metric filter and the saved queries. */
  readonly logGroupName: string;
}

export interface MonitoringProps {
  readonly namePrefix: string;
  readonly region: string;
  readonly kmsKeyArn: string;
  readonly alarmEmails: readonly string[];
  readonly alarmWebhookUrl?: string;
  readonly thresholds: AlarmThresholds;
  readonly resources: MonitoredResources;
}

/** The saved Logs Insights queries, by name; `{}` placeholders are for the operator to fill in. */
export const LOG_QUERIES: Readonly<Record<string, string>> = {
  "errors-for-a-user": [
    "fields @timestamp, correlation_id, message, http_path, http_status",
    '| filter user_id = "user-456"',
    '| filter level = "ERROR"',
    "| sort @timestamp desc",
    "| limit 100",
  ].join("\n"),
  "latency-percentiles": [
    "filter ispresent(latency_ms)",
    "| stats pct(latency_ms, 50) as p50, pct(latency_ms, 90) as p90, pct(latency_ms, 99) as p99, count(*) as requests by bin(5m)",
  ].join("\n"),
  "one-request": [
    "fields @timestamp, level, message, http_method, http_path, http_status, latency_ms",
    '| filter correlation_id = "req-abc123"',
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
> & { readonly periodSeconds?: number; readonly minutes: number };

/**
 * What operators see and are woken by (seed 002): an encrypted alerts topic with the configured
 * subscriptions; alarms on the load balancer, the service, the database and the queues, each
 * sending both its ALARM and its OK ("all clear") to the topic; an ERROR-line metric from the
 * service's JSON logs; saved Logs Insights queries; and one dashboard per environment.
 *
 * Every dimension is a reference to a resource of the same stack (an ARN suffix, a name, an
 * identifier), never a literal that could drift from what it watches.
 *
 * Cost per month: $0.10 per standard alarm (14 here, ~$1.40), $3 per dashboard, $0.50 per
 * million SNS notifications (email free up to 1,000), Logs Insights $0.005 per GB scanned.
 */
export class Monitoring extends Construct {
  public readonly topic: SnsTopic;
  public readonly alarms: Record<string, CloudwatchMetricAlarm> = {};
  public readonly dashboard: CloudwatchDashboard;

  constructor(
    scope: Construct,
    id: string,
    private readonly props: MonitoringProps,
  ) {
    super(scope, id);
    this.topic = this.createTopic();
    this.createAlarms();
    this.createLogMetrics();
    this.createQueries();
    this.dashboard = this.createDashboard();
  }

  /** The alarms a deployment watches: a release that raises them rolls back. */
  public get deploymentAlarms(): CloudwatchMetricAlarm[] {
    return [this.alarms["target-5xx"]!, this.alarms["unhealthy-hosts"]!];
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
    return topic;
  }

  private alarm(name: string, spec: AlarmSpec): CloudwatchMetricAlarm {
    const period = spec.periodSeconds ?? 60;
    const { minutes, periodSeconds: _, ...metric } = spec;
    const alarm = new CloudwatchMetricAlarm(this, name, {
      ...metric,
      alarmName: `${this.props.namePrefix}-${name}`,
      period,
      evaluationPeriods: Math.max(1, Math.round((minutes * 60) / period)),
      // Both transitions notify, so the all-clear arrives too.
      alarmActions: [this.topic.arn],
      okActions: [this.topic.arn],
    });
    this.alarms[name] = alarm;
    return alarm;
  }

  private createAlarms(): void {
    const t = this.props.thresholds;
    const r = this.props.resources;
    const alb = { LoadBalancer: r.loadBalancerArnSuffix };
    const targets = { LoadBalancer: r.loadBalancerArnSuffix, TargetGroup: r.targetGroupArnSuffix };
    const service = { ClusterName: r.clusterName, ServiceName: r.serviceName };
    const database = { DBInstanceIdentifier: r.databaseIdentifier };

    // No requests means no errors: missing data is fine for the traffic alarms.
    this.alarm("target-5xx", {
      alarmDescription:
        "The service answers 5xx: a bad release, a failing dependency, or overload.",
      namespace: "AWS/ApplicationELB",
      metricName: "HTTPCode_Target_5XX_Count",
      dimensions: targets,
      statistic: "Sum",
      comparisonOperator: "GreaterThanThreshold",
      threshold: t.target5xxPerMinute,
      minutes: t.target5xxMinutes,
      treatMissingData: "notBreaching",
    });
    this.alarm("latency-p99", {
      alarmDescription: "The slowest 1% of requests take longer than the threshold.",
      namespace: "AWS/ApplicationELB",
      metricName: "TargetResponseTime",
      dimensions: targets,
      extendedStatistic: "p99",
      comparisonOperator: "GreaterThanThreshold",
      threshold: t.latencyP99Seconds,
      minutes: t.latencyMinutes,
      treatMissingData: "notBreaching",
    });
    this.alarm("unhealthy-hosts", {
      alarmDescription: "Targets fail the load balancer's health check.",
      namespace: "AWS/ApplicationELB",
      metricName: "UnHealthyHostCount",
      dimensions: targets,
      statistic: "Maximum",
      comparisonOperator: "GreaterThanOrEqualToThreshold",
      threshold: t.unhealthyHosts,
      minutes: t.unhealthyMinutes,
      treatMissingData: "notBreaching",
    });
    this.alarm("elb-5xx", {
      alarmDescription:
        "The load balancer itself answers 5xx: no healthy target, or targets time out.",
      namespace: "AWS/ApplicationELB",
      metricName: "HTTPCode_ELB_5XX_Count",
      dimensions: alb,
      statistic: "Sum",
      comparisonOperator: "GreaterThanThreshold",
      threshold: t.elb5xxPerMinute,
      minutes: 1,
      treatMissingData: "notBreaching",
    });
    // Silence from Container Insights means no task is reporting: that is the emergency.
    this.alarm("running-tasks", {
      alarmDescription: "Fewer tasks run than the autoscaling minimum.",
      namespace: "ECS/ContainerInsights",
      metricName: "RunningTaskCount",
      dimensions: service,
      statistic: "Minimum",
      comparisonOperator: "LessThanThreshold",
      threshold: r.minTaskCount,
      minutes: t.runningTasksMinutes,
      treatMissingData: "breaching",
    });
    this.alarm("memory", {
      alarmDescription: "Tasks use most of their memory: the next step is an OOM kill (exit 137).",
      namespace: "AWS/ECS",
      metricName: "MemoryUtilization",
      dimensions: service,
      statistic: "Average",
      comparisonOperator: "GreaterThanThreshold",
      threshold: t.memoryPercent,
      minutes: t.memoryMinutes,
      treatMissingData: "missing",
    });
    this.alarm("cpu", {
      alarmDescription: "Tasks are CPU-bound beyond what autoscaling absorbs.",
      namespace: "AWS/ECS",
      metricName: "CPUUtilization",
      dimensions: service,
      statistic: "Average",
      comparisonOperator: "GreaterThanThreshold",
      threshold: t.cpuPercent,
      minutes: t.cpuMinutes,
      treatMissingData: "missing",
    });
    this.alarm("database-cpu", {
      alarmDescription: "The database is CPU-bound: slow queries or an undersized instance.",
      namespace: "AWS/RDS",
      metricName: "CPUUtilization",
      dimensions: database,
      statistic: "Average",
      comparisonOperator: "GreaterThanThreshold",
      threshold: t.databaseCpuPercent,
      minutes: t.databaseCpuMinutes,
      treatMissingData: "breaching",
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
        (r.databaseAllocatedStorageGiB * 1024 ** 3 * t.databaseFreeStoragePercent) / 100,
      ),
      periodSeconds: 300,
      minutes: 5,
      treatMissingData: "breaching",
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
    this.alarm("queue-backlog", {
      alarmDescription: "Messages pile up in the work queue: consumers are down or too slow.",
      namespace: "AWS/SQS",
      metricName: "ApproximateNumberOfMessagesVisible",
      dimensions: { QueueName: r.queueName },
      statistic: "Maximum",
      comparisonOperator: "GreaterThanThreshold",
      threshold: t.queueVisibleMessages,
      minutes: t.queueVisibleMinutes,
      treatMissingData: "notBreaching",
    });
    this.alarm("queue-oldest-message", {
      alarmDescription: "The oldest message waits too long: consumers are stuck.",
      namespace: "AWS/SQS",
      metricName: "ApproximateAgeOfOldestMessage",
      dimensions: { QueueName: r.queueName },
      statistic: "Maximum",
      comparisonOperator: "GreaterThanThreshold",
      threshold: t.queueOldestMessageSeconds,
      minutes: 5,
      treatMissingData: "notBreaching",
    });
    this.alarm("dead-letters", {
      alarmDescription: "A message failed every retry and is in the dead-letter queue.",
      namespace: "AWS/SQS",
      metricName: "ApproximateNumberOfMessagesVisible",
      dimensions: { QueueName: r.deadLetterQueueName },
      statistic: "Maximum",
      comparisonOperator: "GreaterThanThreshold",
      threshold: 0,
      minutes: 1,
      treatMissingData: "notBreaching",
    });
  }

  private createLogMetrics(): void {
    const metricName = `${this.props.namePrefix}-error-log-lines`;
    new CloudwatchLogMetricFilter(this, "error-lines", {
      name: metricName,
      logGroupName: this.props.resources.logGroupName,
      pattern: '{ $.level = "ERROR" }',
      metricTransformation: {
        name: metricName,
        namespace: LOG_METRICS_NAMESPACE,
        value: "1",
        defaultValue: "0",
        unit: "Count",
      },
    });
    this.alarm("error-log-lines", {
      alarmDescription: "The service logs ERROR lines.",
      namespace: LOG_METRICS_NAMESPACE,
      metricName,
      statistic: "Sum",
      comparisonOperator: "GreaterThanThreshold",
      threshold: this.props.thresholds.errorLogLinesPer5Minutes,
      periodSeconds: 300,
      minutes: 5,
      treatMissingData: "notBreaching",
    });
  }

  private createQueries(): void {
    for (const [name, queryString] of Object.entries(LOG_QUERIES)) {
      new CloudwatchQueryDefinition(this, `query-${name}`, {
        name: `${this.props.namePrefix}/${name}`,
        logGroupNames: [this.props.resources.logGroupName],
        queryString,
      });
    }
  }

  private createDashboard(): CloudwatchDashboard {
    const { region } = this.props;
    const r = this.props.resources;
    const lb = ["LoadBalancer", r.loadBalancerArnSuffix];
    const tg = ["TargetGroup", r.targetGroupArnSuffix];
    const svc = ["ClusterName", r.clusterName, "ServiceName", r.serviceName];
    const db = ["DBInstanceIdentifier", r.databaseIdentifier];
    const graph = (
      title: string,
      x: number,
      y: number,
      metrics: unknown[][],
      extra: object = {},
    ) => ({
      type: "metric",
      x,
      y,
      width: 12,
      height: 6,
      properties: {
        title,
        region,
        view: "timeSeries",
        stacked: false,
        period: 60,
        metrics,
        ...extra,
      },
    });
    const widgets = [
      graph("Request latency (p50, p99)", 0, 0, [
        ["AWS/ApplicationELB", "TargetResponseTime", ...lb, ...tg, { stat: "p50", label: "p50" }],
        ["AWS/ApplicationELB", "TargetResponseTime", ...lb, ...tg, { stat: "p99", label: "p99" }],
      ]),
      graph("Request volume", 12, 0, [
        ["AWS/ApplicationELB", "RequestCount", ...lb, ...tg, { stat: "Sum", label: "requests" }],
      ]),
      graph("Error rate (% of requests answered 5xx)", 0, 6, [
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
      ]),
      graph("CPU and memory (% of task size)", 12, 6, [
        ["AWS/ECS", "CPUUtilization", ...svc, { stat: "Average", label: "CPU" }],
        ["AWS/ECS", "MemoryUtilization", ...svc, { stat: "Average", label: "memory" }],
      ]),
      graph("Running and healthy tasks", 0, 12, [
        [
          "ECS/ContainerInsights",
          "RunningTaskCount",
          ...svc,
          { stat: "Minimum", label: "running" },
        ],
        [
          "ECS/ContainerInsights",
          "DesiredTaskCount",
          ...svc,
          { stat: "Maximum", label: "desired" },
        ],
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
      ]),
      graph("Database: CPU, connections, latency", 12, 12, [
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
      ]),
      graph("Queue depth and age", 0, 18, [
        [
          "AWS/SQS",
          "ApproximateNumberOfMessagesVisible",
          "QueueName",
          r.queueName,
          { stat: "Maximum", label: "visible" },
        ],
        [
          "AWS/SQS",
          "ApproximateAgeOfOldestMessage",
          "QueueName",
          r.queueName,
          { stat: "Maximum", label: "oldest (s)", yAxis: "right" },
        ],
        [
          "AWS/SQS",
          "ApproximateNumberOfMessagesVisible",
          "QueueName",
          r.deadLetterQueueName,
          { stat: "Maximum", label: "dead letters" },
        ],
      ]),
      {
        type: "alarm",
        x: 12,
        y: 18,
        width: 12,
        height: 6,
        properties: {
          title: "Alarms",
          alarms: Object.values(this.alarms).map((alarm) => alarm.arn),
          sortBy: "stateUpdatedTimestamp",
        },
      },
    ];
    return new CloudwatchDashboard(this, "dashboard", {
      dashboardName: this.props.namePrefix,
      dashboardBody: JSON.stringify({ widgets }),
    });
  }
}
