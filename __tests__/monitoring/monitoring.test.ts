import { describe, expect, it } from "vitest";
import {
  Monitoring,
  type MonitoredQueue,
  type MonitoredService,
} from "../../src/monitoring/monitoring";
import { AlarmsSchema } from "../../src/monitoring/settings";
import {
  bareStack,
  environmentStack,
  onlyResource,
  resourcesOf,
  synth,
  type StackJson,
  environmentJson,
} from "../helpers";

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
  const json = environmentJson("prod");
  const alarms = alarmsOf(json);
  const serviceAlarms = ["running_tasks", "memory", "cpu", "error_log_lines"];
  const publicAlarms = ["5xx", "latency_p99", "unhealthy_hosts"];

  it("cover each service (and each public one's traffic), each queue, the load balancer and the database", () => {
    expect(
      Object.keys(alarms)
        .map((name) => name.replace("monitoring_", ""))
        .sort(),
    ).toEqual(
      [
        ...[...serviceAlarms, ...publicAlarms].map((a) => `api_${a}`),
        ...serviceAlarms.map((a) => `worker_${a}`),
        ...["backlog", "oldest_message", "dead_letters"].map((a) => `queue_events_${a}`),
        "elb_5xx",
        "database_connections",
        "database_cpu",
        "database_free_storage",
      ].sort(),
    );
    expect(alarms.monitoring_api_5xx?.alarm_name).toBe("orbit-prod-api-5xx");
    expect(alarms.monitoring_queue_events_dead_letters?.alarm_name).toBe(
      "orbit-prod-queue-events-dead-letters",
    );
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
    const tg = "${aws_lb_target_group.load_balancer_target_api.arn_suffix}";
    // prod's API deploys by canary: its target-group alarms watch both groups (metric math).
    const alternate = "${aws_lb_target_group.load_balancer_target_api_alternate.arn_suffix}";
    const bothGroups = [
      { LoadBalancer: lb, TargetGroup: tg },
      { LoadBalancer: lb, TargetGroup: alternate },
    ];
    const ecs = (service: string) => ({
      ClusterName: "${aws_ecs_cluster.cluster_cluster.name}",
      ServiceName: `\${aws_ecs_service.service_${service}_service.name}`,
    });
    const db = { DBInstanceIdentifier: "${aws_db_instance.database_instance.identifier}" };
    const expected: Record<string, object | undefined> = {
      api_5xx: bothGroups,
      api_latency_p99: bothGroups,
      api_unhealthy_hosts: bothGroups,
      elb_5xx: { LoadBalancer: lb },
      api_running_tasks: ecs("api"),
      api_memory: ecs("api"),
      api_cpu: ecs("api"),
      worker_running_tasks: ecs("worker"),
      worker_memory: ecs("worker"),
      worker_cpu: ecs("worker"),
      database_cpu: db,
      database_free_storage: db,
      database_connections: db,
      queue_events_backlog: { QueueName: "${aws_sqs_queue.queue_events_queue.name}" },
      queue_events_oldest_message: { QueueName: "${aws_sqs_queue.queue_events_queue.name}" },
      queue_events_dead_letters: { QueueName: "${aws_sqs_queue.queue_events_dead_letters.name}" },
      api_error_log_lines: undefined,
      worker_error_log_lines: undefined,
    };
    expect(Object.keys(expected).sort()).toEqual(
      Object.keys(alarms)
        .map((name) => name.replace("monitoring_", ""))
        .sort(),
    );
    for (const [name, dimensions] of Object.entries(expected)) {
      const alarm = alarms[`monitoring_${name}`];
      const queried = (
        alarm?.metric_query as { metric?: { dimensions: object } }[] | undefined
      )?.flatMap((q) => (q.metric ? [q.metric.dimensions] : []));
      expect(alarm?.dimensions ?? queried, name).toEqual(dimensions);
    }
  });

  it("use the seed's thresholds by default, and each service's own minimum task count", () => {
    const pick = (name: string) => {
      const a = alarms[`monitoring_${name}`]!;
      // With metric math (prod's API watches both target groups) the period is each query's.
      const period =
        a.period ?? (a.metric_query as { metric?: { period: number } }[])[0]!.metric!.period;
      return [a.comparison_operator, a.threshold, Number(period) * Number(a.evaluation_periods)];
    };
    expect(pick("api_5xx")).toEqual(["GreaterThanThreshold", 50, 60]);
    expect(pick("api_latency_p99")).toEqual(["GreaterThanThreshold", 1, 120]);
    expect(
      (alarms.monitoring_api_latency_p99?.metric_query as { metric?: { stat: string } }[])[0]!
        .metric!.stat,
    ).toBe("p99");
    expect(pick("api_running_tasks")).toEqual(["LessThanThreshold", 2, 60]);
    expect(pick("worker_running_tasks")).toEqual(["LessThanThreshold", 2, 60]);
    expect(pick("api_memory")).toEqual(["GreaterThanThreshold", 85, 180]);
    expect(pick("api_unhealthy_hosts")).toEqual(["GreaterThanOrEqualToThreshold", 1, 60]);
    expect(pick("database_cpu")).toEqual(["GreaterThanThreshold", 80, 300]);
    expect(pick("database_free_storage")).toEqual(["LessThanThreshold", 0.1 * 50 * 1024 ** 3, 300]);
    expect(pick("queue_events_backlog")).toEqual(["GreaterThanThreshold", 100, 600]);
    expect(pick("queue_events_dead_letters")).toEqual(["GreaterThanThreshold", 0, 60]);
  });

  it("follow the configured thresholds", () => {
    const tuned = alarmsOf(
      environmentJson("staging", {
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
    );
    expect(tuned.monitoring_api_5xx?.threshold).toBe(5);
    expect(tuned.monitoring_api_latency_p99).toMatchObject({
      threshold: 0.5,
      evaluation_periods: 5,
    });
    expect(tuned.monitoring_api_memory?.threshold).toBe(70);
    expect(tuned.monitoring_worker_memory?.threshold).toBe(70);
    expect(tuned.monitoring_queue_events_backlog?.threshold).toBe(10);
    expect(tuned.monitoring_api_running_tasks?.threshold).toBe(1);
  });

  it("roll the API back on its 5xx or unhealthy hosts, and the worker on new dead letters of the queue it consumes", () => {
    const services = resourcesOf(json, "aws_ecs_service");
    const alarm = (name: string) => `\${aws_cloudwatch_metric_alarm.monitoring_${name}.alarm_name}`;
    expect(services.service_api_service!.alarms).toEqual({
      alarm_names: [alarm("api_5xx"), alarm("api_unhealthy_hosts")],
      enable: true,
      rollback: true,
    });
    expect(services.service_worker_service!.alarms).toEqual({
      alarm_names: [alarm("queue_events_dead_letters")],
      enable: true,
      rollback: true,
    });
  });
});

/** GIVEN a bare stack with monitoring of `services` and `queues` (literal names), no database unless given. */
function monitoring(
  services: MonitoredService[],
  queues: MonitoredQueue[] = [],
  database?: { identifier: string; allocatedStorageGiB: number },
) {
  const stack = bareStack();
  const construct = new Monitoring(stack, "monitoring", {
    namePrefix: "orbit-test",
    region: "eu-west-1",
    accountId: "111111111111",
    kmsKeyArn: "arn:aws:kms:eu-west-1:111111111111:key/1",
    alarmEmails: [],
    thresholds: AlarmsSchema.parse({}),
    resources: {
      loadBalancerArnSuffix: "app/alb/1",
      clusterName: "orbit-test",
      services,
      queues,
      database,
    },
  });
  return { construct, stack };
}

const worker: MonitoredService = {
  name: "worker",
  serviceName: "orbit-test-worker",
  minTaskCount: 1,
  logGroupName: "/ecs/orbit-test/worker",
  consumes: ["events"],
};
const api: MonitoredService = {
  name: "api",
  serviceName: "orbit-test-api",
  minTaskCount: 2,
  logGroupName: "/ecs/orbit-test/api",
  targetGroupArnSuffix: "targetgroup/api/1",
  consumes: [],
};
const events: MonitoredQueue = {
  name: "events",
  queueName: "orbit-test-events",
  deadLetterQueueName: "orbit-test-events-dlq",
};

describe("monitoring of one environment's parts", () => {
  it("watches no load balancer and no database when no service is public and there is no database", () => {
    const { construct } = monitoring([worker], [events]);
    expect(Object.keys(construct.alarms).sort()).toEqual(
      [
        "queue-events-backlog",
        "queue-events-dead-letters",
        "queue-events-oldest-message",
        "worker-cpu",
        "worker-error-log-lines",
        "worker-memory",
        "worker-running-tasks",
      ].sort(),
    );
  });

  it("gives a deployment of a public service its 5xx and unhealthy-host alarms, and of a consumer its queues' dead letters", () => {
    const { construct } = monitoring([api, worker], [events]);
    expect(construct.deploymentAlarms("api")).toEqual([
      construct.alarms["api-5xx"],
      construct.alarms["api-unhealthy-hosts"],
    ]);
    expect(construct.deploymentAlarms("worker")).toEqual([
      construct.alarms["queue-events-dead-letters"],
    ]);
  });

  it("gives a deployment of a service that is neither public nor a consumer no alarm, and refuses an unknown service", () => {
    const { construct } = monitoring([{ ...worker, consumes: [] }]);
    expect(construct.deploymentAlarms("worker")).toEqual([]);
    expect(() => construct.deploymentAlarms("billing")).toThrowError(
      "billing is not a monitored service",
    );
  });

  it("counts each service's ERROR lines into a metric of its own", () => {
    const json = synth(monitoring([api, worker], [events]).stack);
    expect(
      Object.values(resourcesOf(json, "aws_cloudwatch_log_metric_filter")).map((f) => [
        f.log_group_name,
        (f.metric_transformation as Resource).name,
      ]),
    ).toEqual([
      ["/ecs/orbit-test/api", "orbit-test-api-error-log-lines"],
      ["/ecs/orbit-test/worker", "orbit-test-worker-error-log-lines"],
    ]);
  });
});

describe("notifications", () => {
  it("go to the configured addresses and webhook", () => {
    const json = environmentJson("staging", {
      monitoring: {
        alarmEmails: ["a@example.com", "b@example.com"],
        alarmWebhookUrl: "https://hooks.example.com/T000/B000",
      },
    });
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
  const json = environmentJson("prod");

  it("count ERROR lines of each service's JSON logs into a metric with an alarm", () => {
    for (const service of ["api", "worker"]) {
      expect(
        resourcesOf(json, "aws_cloudwatch_log_metric_filter")[`monitoring_${service}_error_lines`],
      ).toMatchObject({
        log_group_name: `\${aws_cloudwatch_log_group.service_${service}_logs.name}`,
        pattern: '{ $.level = "ERROR" }',
        metric_transformation: {
          name: `orbit-prod-${service}-error-log-lines`,
          value: "1",
          default_value: "0",
        },
      });
      expect(alarmsOf(json)[`monitoring_${service}_error_log_lines`]).toMatchObject({
        metric_name: `orbit-prod-${service}-error-log-lines`,
        threshold: 10,
        period: 300,
      });
    }
  });

  it("save the Logs Insights queries against every service's log group", () => {
    const queries = Object.values(resourcesOf(json, "aws_cloudwatch_query_definition"));
    expect(queries.map((q) => q.name).sort()).toEqual([
      "orbit-prod/latency-percentiles",
      "orbit-prod/one-request",
      "orbit-prod/recent-errors",
      "orbit-prod/slowest-requests",
    ]);
    for (const query of queries) {
      expect(query.log_group_names).toEqual([
        "${aws_cloudwatch_log_group.service_api_logs.name}",
        "${aws_cloudwatch_log_group.service_worker_logs.name}",
      ]);
    }
    const query = (name: string) => queries.find((q) => q.name === `orbit-prod/${name}`)!;
    expect(query("recent-errors").query_string).toMatch(
      /filter level = "ERROR"\n\| sort @timestamp desc/,
    );
    expect(query("latency-percentiles").query_string).toMatch(
      /pct\(latency_ms, 50\).*pct\(latency_ms, 99\)/,
    );
    expect(query("slowest-requests").query_string).toMatch(/sort latency_ms desc/);
    expect(query("one-request").query_string).toMatch(
      /filter correlation_id = "PASTE-A-CORRELATION-ID"/,
    );
  });
});

describe("dashboard", () => {
  const json = environmentJson("prod");
  const body = JSON.parse(
    onlyResource(json, "aws_cloudwatch_dashboard").dashboard_body as string,
  ) as {
    widgets: { type: string; properties: Resource }[];
  };

  it("has a row per service (traffic for the public one, its queue for the consumer, then tasks), the database and an alarm panel", () => {
    expect(body.widgets.map((w) => [(w as unknown as Resource).y, w.properties.title])).toEqual([
      [0, "api: latency (p50, p99) and requests"],
      [0, "api: error rate (% of requests answered 5xx) and ERROR lines"],
      [6, "api: CPU, memory and disk (% of task size)"],
      [6, "api: running tasks, deployments and healthy targets"],
      [12, "worker: queue depth, age and dead letters"],
      [12, "worker: error log lines"],
      [18, "worker: CPU, memory and disk (% of task size)"],
      [18, "worker: running tasks, deployments"],
      [24, "Database: CPU, connections, latency"],
      [24, "Alarms"],
    ]);
  });

  it("computes the error rate with metric math, beside the service's ERROR log lines", () => {
    const metrics = body.widgets[1]!.properties.metrics as unknown[][];
    expect(metrics).toContainEqual([
      { expression: "100 * errors / MAX([requests, 1])", label: "5xx %", id: "rate" },
    ]);
    expect(metrics.at(-1)).toEqual([
      "Orbit/Service",
      "orbit-prod-api-error-log-lines",
      { stat: "Sum", label: "ERROR lines", yAxis: "right" },
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
