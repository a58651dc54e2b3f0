import { describe, expect, it } from "vitest";
import { environmentStack, onlyResource, resourcesOf, synth, type StackJson } from "../helpers";

type Resource = Record<string, unknown>;
const alarmsOf = (json: StackJson) => resourcesOf(json, "aws_cloudwatch_metric_alarm");
const ALERTS = "${aws_sns_topic.monitoring_alerts.arn}";

/** `${aws_lb.load_balancer_alb.arn_suffix}` -> `aws_lb.load_balancer_alb`, if it exists in the stack. */
function referencedResource(json: StackJson, value: unknown): string | undefined {
  const match = /^\$\{((aws_[a-z0-9_]+)\.([a-z0-9_]+))\.[a-z_]+\}$/.exec(String(value));
  if (!match) return undefined;
  return json.resource[match[2]!]?.[match[3]!] ? match[1] : undefined;
}

describe("alarms", () => {
  const json = synth(environmentStack("prod"));
  const alarms = alarmsOf(json);

  it("cover the load balancer, the service, the database, the queues and the logs", () => {
    expect(
      Object.keys(alarms)
        .map((name) => name.replace("monitoring_", ""))
        .sort(),
    ).toEqual([
      "cpu",
      "database_connections",
      "database_cpu",
      "database_free_storage",
      "dead_letters",
      "elb_5xx",
      "error_log_lines",
      "latency_p99",
      "memory",
      "queue_backlog",
      "queue_oldest_message",
      "running_tasks",
      "target_5xx",
      "unhealthy_hosts",
    ]);
  });

  it("each send their ALARM and their OK to the encrypted alerts topic", () => {
    for (const [name, alarm] of Object.entries(alarms)) {
      expect(alarm.alarm_actions, name).toEqual([ALERTS]);
      expect(alarm.ok_actions, name).toEqual([ALERTS]);
      expect(["breaching", "notBreaching", "missing", "ignore"], name).toContain(
        alarm.treat_missing_data,
      );
    }
    expect(resourcesOf(json, "aws_sns_topic").monitoring_alerts?.kms_master_key_id).toBe(
      "${aws_kms_key.data_key_key.arn}",
    );
  });

  it("watch the resources of this stack by reference, never by a literal name", () => {
    const lb = "${aws_lb.load_balancer_alb.arn_suffix}";
    const tg = "${aws_lb_target_group.load_balancer_targets.arn_suffix}";
    const service = {
      ClusterName: "${aws_ecs_cluster.service_cluster.name}",
      ServiceName: "${aws_ecs_service.service_service.name}",
    };
    const db = { DBInstanceIdentifier: "${aws_db_instance.database_instance.identifier}" };
    const expected: Record<string, Record<string, string> | undefined> = {
      target_5xx: { LoadBalancer: lb, TargetGroup: tg },
      latency_p99: { LoadBalancer: lb, TargetGroup: tg },
      unhealthy_hosts: { LoadBalancer: lb, TargetGroup: tg },
      elb_5xx: { LoadBalancer: lb },
      running_tasks: service,
      memory: service,
      cpu: service,
      database_cpu: db,
      database_free_storage: db,
      database_connections: db,
      queue_backlog: { QueueName: "${aws_sqs_queue.messaging_queue.name}" },
      queue_oldest_message: { QueueName: "${aws_sqs_queue.messaging_queue.name}" },
      dead_letters: { QueueName: "${aws_sqs_queue.messaging_dead_letters.name}" },
      error_log_lines: undefined,
    };
    for (const [name, dimensions] of Object.entries(expected)) {
      expect(alarms[`monitoring_${name}`]?.dimensions, name).toEqual(dimensions);
    }
  });

  it("use the seed's thresholds by default", () => {
    const pick = (name: string) => {
      const a = alarms[`monitoring_${name}`]!;
      return [a.comparison_operator, a.threshold, Number(a.period) * Number(a.evaluation_periods)];
    };
    expect(pick("target_5xx")).toEqual(["GreaterThanThreshold", 50, 60]);
    expect(pick("latency_p99")).toEqual(["GreaterThanThreshold", 1, 120]);
    expect(alarms.monitoring_latency_p99?.extended_statistic).toBe("p99");
    expect(pick("running_tasks")).toEqual(["LessThanThreshold", 2, 60]);
    expect(pick("memory")).toEqual(["GreaterThanThreshold", 85, 180]);
    expect(pick("unhealthy_hosts")).toEqual(["GreaterThanOrEqualToThreshold", 1, 60]);
    expect(pick("database_cpu")).toEqual(["GreaterThanThreshold", 80, 300]);
    expect(pick("database_free_storage")).toEqual(["LessThanThreshold", 0.1 * 50 * 1024 ** 3, 300]);
    expect(pick("queue_backlog")).toEqual(["GreaterThanThreshold", 100, 600]);
    expect(pick("dead_letters")).toEqual(["GreaterThanThreshold", 0, 60]);
  });

  it("follow the configured thresholds", () => {
    const tuned = alarmsOf(
      synth(
        environmentStack("staging", {
          monitoring: {
            alarms: {
              target5xxPerMinute: 5,
              latencyP99Seconds: 0.5,
              latencyMinutes: 5,
              memoryPercent: 70,
              queueVisibleMessages: 10,
            },
          },
        }),
      ),
    );
    expect(tuned.monitoring_target_5xx?.threshold).toBe(5);
    expect(tuned.monitoring_latency_p99).toMatchObject({ threshold: 0.5, evaluation_periods: 5 });
    expect(tuned.monitoring_memory?.threshold).toBe(70);
    expect(tuned.monitoring_queue_backlog?.threshold).toBe(10);
    expect(tuned.monitoring_running_tasks?.threshold).toBe(1);
  });

  it("roll a deployment back when the 5xx or unhealthy-host alarm fires", () => {
    expect(onlyResource(json, "aws_ecs_service").alarms).toEqual({
      alarm_names: [
        "${aws_cloudwatch_metric_alarm.monitoring_target_5xx.alarm_name}",
        "${aws_cloudwatch_metric_alarm.monitoring_unhealthy_hosts.alarm_name}",
      ],
      enable: true,
      rollback: true,
    });
  });
});

describe("notifications", () => {
  it("go to the configured addresses and webhook", () => {
    const json = synth(
      environmentStack("staging", {
        monitoring: {
          alarmEmails: ["a@example.com", "b@example.com"],
          alarmWebhookUrl: "https://hooks.example.com/T000/B000",
        },
      }),
    );
    const subscriptions = Object.values(resourcesOf(json, "aws_sns_topic_subscription")).filter(
      (s) => s.topic_arn === ALERTS,
    );
    expect(subscriptions.map((s) => [s.protocol, s.endpoint])).toEqual([
      ["email", "a@example.com"],
      ["email", "b@example.com"],
      ["https", "https://hooks.example.com/T000/B000"],
    ]);
  });

  it("refuse a webhook that is not HTTPS", () => {
    expect(() =>
      environmentStack("staging", {
        monitoring: { alarmWebhookUrl: "http://hooks.example.com/x" },
      }),
    ).toThrowError(
      /staging\.monitoring\.alarmWebhookUrl: "http:\/\/hooks\.example\.com\/x" is not an HTTPS URL/,
    );
  });
});

describe("logs", () => {
  const json = synth(environmentStack("prod"));

  it("count ERROR lines of the service's JSON logs into a metric with an alarm", () => {
    expect(onlyResource(json, "aws_cloudwatch_log_metric_filter")).toMatchObject({
      log_group_name: "${aws_cloudwatch_log_group.service_logs.name}",
      pattern: '{ $.level = "ERROR" }',
      metric_transformation: { name: "orbit-prod-error-log-lines", value: "1", default_value: "0" },
    });
    expect(alarmsOf(json).monitoring_error_log_lines).toMatchObject({
      metric_name: "orbit-prod-error-log-lines",
      threshold: 10,
      period: 300,
    });
  });

  it("save the seed's Logs Insights queries against the service's log group", () => {
    const queries = Object.values(resourcesOf(json, "aws_cloudwatch_query_definition"));
    expect(queries.map((q) => q.name)).toEqual([
      "orbit-prod/errors-for-a-user",
      "orbit-prod/latency-percentiles",
      "orbit-prod/one-request",
    ]);
    for (const query of queries) {
      expect(query.log_group_names).toEqual(["${aws_cloudwatch_log_group.service_logs.name}"]);
    }
    expect(queries[0]!.query_string).toMatch(/filter user_id = .*\n\| filter level = "ERROR"/);
    expect(queries[1]!.query_string).toMatch(/pct\(latency_ms, 50\).*pct\(latency_ms, 99\)/);
    expect(queries[2]!.query_string).toMatch(/filter correlation_id = /);
  });
});

describe("dashboard", () => {
  const json = synth(environmentStack("prod"));
  const body = JSON.parse(
    onlyResource(json, "aws_cloudwatch_dashboard").dashboard_body as string,
  ) as {
    widgets: { type: string; properties: Resource }[];
  };

  it("has the panels of the seed's production dashboard and an alarm panel", () => {
    expect(body.widgets.map((w) => w.properties.title)).toEqual([
      "Request latency (p50, p99)",
      "Request volume",
      "Error rate (% of requests answered 5xx)",
      "CPU and memory (% of task size)",
      "Running and healthy tasks",
      "Database: CPU, connections, latency",
      "Queue depth and age",
      "Alarms",
    ]);
  });

  it("computes the error rate with metric math", () => {
    const metrics = body.widgets[2]!.properties.metrics as unknown[][];
    expect(metrics.at(-1)).toEqual([
      { expression: "100 * errors / MAX([requests, 1])", label: "5xx %", id: "rate" },
    ]);
  });

  it("references only resources of this stack in every metric and alarm", () => {
    let checked = 0;
    for (const widget of body.widgets) {
      if (widget.type === "alarm") {
        for (const arn of widget.properties.alarms as string[]) {
          expect(referencedResource(json, arn), arn).toMatch(/^aws_cloudwatch_metric_alarm\./);
          checked++;
        }
        continue;
      }
      for (const metric of widget.properties.metrics as unknown[][]) {
        const parts = metric.filter((part) => typeof part === "string") as string[];
        // [namespace, metric name, dimension name, value, dimension name, value, ...]
        for (let i = 3; i < parts.length; i += 2) {
          expect(
            referencedResource(json, parts[i]),
            `${widget.properties.title}: ${parts[i]}`,
          ).toBeDefined();
          checked++;
        }
      }
    }
    expect(checked).toBeGreaterThan(30);
  });
});
