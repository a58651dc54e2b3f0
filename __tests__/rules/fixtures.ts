import { StackModel, type StackJson } from "../../src/rules/model";
import type { RuleContext } from "../../src/rules/rule";

type Values = Record<string, unknown>;
const ref = (address: string, attribute = "id") => `\${${address}.${attribute}}`;
const meta = (path: string) => ({ "//": { metadata: { path: `fixture/${path}` } } });

export interface ServicePathOptions {
  containerPort?: number;
  portVariable?: string;
  targetGroupPort?: number;
  albEgressPort?: number;
  serviceIngressPort?: number;
  cpu?: string;
  memory?: string;
  /** Give the private subnet a NAT default route. */
  nat?: boolean;
  /** Interface/gateway endpoint services present (without the com.amazonaws.<region>. prefix). */
  endpoints?: string[];
  /**
   * Add a database whose group admits the service; `egress` adds the service's matching egress;
   * `instance` adds the instance itself in an isolated subnet, and `DB_HOST` to the service.
   */
  database?: { egress: boolean; instance?: boolean };
  /**
   * Add a second ECS service without a load balancer (a queue worker) in the private subnet:
   * `dbHost` gives it `DB_HOST` (it declares the database), `databaseRules` the security-group
   * rules to reach it; `stopTimeout` is its container's.
   */
  worker?: { dbHost?: boolean; databaseRules?: boolean; stopTimeout?: number };
  /** Forward from the listener's default action, as round 1 did, instead of a listener rule. */
  forwardByDefaultAction?: boolean;
  secrets?: boolean;
  albName?: string;
}

/**
 * The smallest stack with a whole request path: a VPC with a public and a private subnet, an ALB,
 * a target group, a listener that answers 404 and a listener rule that forwards to the target
 * group, an ECS service and its task definition, and the two security groups with the ALB ->
 * service rules. Options break one relation at a time, or add a database or a worker.
 */
export function servicePath(options: ServicePathOptions = {}): StackJson {
  const port = options.containerPort ?? 8080;
  const resource: Record<string, Record<string, Values>> = {
    aws_vpc: { vpc: { ...meta("vpc"), cidr_block: "10.0.0.0/16" } },
    aws_subnet: {
      public: { ...meta("public"), cidr_block: "10.0.0.0/24" },
      private: { ...meta("private"), cidr_block: "10.0.16.0/20" },
    },
    aws_internet_gateway: { igw: { ...meta("igw") } },
    aws_route_table: { public: { ...meta("public-rt") }, private: { ...meta("private-rt") } },
    aws_route_table_association: {
      public: {
        subnet_id: ref("aws_subnet.public"),
        route_table_id: ref("aws_route_table.public"),
      },
      private: {
        subnet_id: ref("aws_subnet.private"),
        route_table_id: ref("aws_route_table.private"),
      },
    },
    aws_route: {
      public: {
        route_table_id: ref("aws_route_table.public"),
        destination_cidr_block: "0.0.0.0/0",
        gateway_id: ref("aws_internet_gateway.igw"),
      },
      ...(options.nat !== false
        ? {
            private: {
              route_table_id: ref("aws_route_table.private"),
              destination_cidr_block: "0.0.0.0/0",
              nat_gateway_id: "${aws_nat_gateway.nat.id}",
            },
          }
        : {}),
    },
    aws_security_group: { alb: { ...meta("alb-sg") }, service: { ...meta("service-sg") } },
    aws_vpc_security_group_ingress_rule: {
      https: {
        security_group_id: ref("aws_security_group.alb"),
        ip_protocol: "tcp",
        from_port: 443,
        to_port: 443,
        cidr_ipv4: "0.0.0.0/0",
      },
      http: {
        security_group_id: ref("aws_security_group.alb"),
        ip_protocol: "tcp",
        from_port: 80,
        to_port: 80,
        cidr_ipv4: "0.0.0.0/0",
      },
      from_alb: {
        ...meta("alb-to-service/ingress"),
        security_group_id: ref("aws_security_group.service"),
        referenced_security_group_id: ref("aws_security_group.alb"),
        ip_protocol: "tcp",
        from_port: options.serviceIngressPort ?? port,
        to_port: options.serviceIngressPort ?? port,
      },
    },
    aws_vpc_security_group_egress_rule: {
      to_service: {
        ...meta("alb-to-service/egress"),
        security_group_id: ref("aws_security_group.alb"),
        referenced_security_group_id: ref("aws_security_group.service"),
        ip_protocol: "tcp",
        from_port: options.albEgressPort ?? port,
        to_port: options.albEgressPort ?? port,
      },
      https: {
        security_group_id: ref("aws_security_group.service"),
        ip_protocol: "tcp",
        from_port: 443,
        to_port: 443,
        cidr_ipv4: "0.0.0.0/0",
      },
    },
    aws_lb: {
      alb: {
        ...meta("alb"),
        name: options.albName ?? "app-alb",
        subnets: [ref("aws_subnet.public")],
        security_groups: [ref("aws_security_group.alb")],
      },
    },
    aws_lb_target_group: {
      targets: {
        ...meta("targets"),
        // As the platform writes it (PLAT-11): a digest of what forces replacement, created first.
        name: "app-tg-1a2b3c",
        lifecycle: { create_before_destroy: true },
        port: options.targetGroupPort ?? port,
        health_check: { port: "traffic-port", interval: 10, healthy_threshold: 2 },
        deregistration_delay: "30",
      },
    },
    aws_lb_listener: {
      http: {
        load_balancer_arn: ref("aws_lb.alb", "arn"),
        port: 80,
        protocol: "HTTP",
        default_action: [{ type: "redirect", redirect: { port: "443", protocol: "HTTPS" } }],
      },
      https: {
        load_balancer_arn: ref("aws_lb.alb", "arn"),
        port: 443,
        protocol: "HTTPS",
        default_action: [
          options.forwardByDefaultAction
            ? { type: "forward", target_group_arn: ref("aws_lb_target_group.targets", "arn") }
            : { type: "fixed-response", fixed_response: { status_code: "404" } },
        ],
      },
    },
    ...(options.forwardByDefaultAction
      ? {}
      : {
          aws_lb_listener_rule: {
            app: {
              listener_arn: ref("aws_lb_listener.https", "arn"),
              priority: 100,
              action: [
                { type: "forward", target_group_arn: ref("aws_lb_target_group.targets", "arn") },
              ],
              condition: [{ path_pattern: { values: ["/*"] } }],
            },
          },
        }),
    aws_ecs_task_definition: {
      task: {
        ...meta("task"),
        family: "app",
        requires_compatibilities: ["FARGATE"],
        cpu: options.cpu ?? "512",
        memory: options.memory ?? "1024",
        container_definitions: JSON.stringify([
          {
            name: "app",
            image: "123456789012.dkr.ecr.eu-west-1.amazonaws.com/app:abc1234",
            portMappings: [{ containerPort: port }],
            environment: [
              { name: "PORT", value: options.portVariable ?? String(port) },
              ...(options.database?.instance
                ? [{ name: "DB_HOST", value: ref("aws_db_instance.database", "address") }]
                : []),
            ],
            logConfiguration: { logDriver: "awslogs" },
            ...(options.secrets
              ? {
                  secrets: [
                    {
                      name: "DB_PASSWORD",
                      valueFrom:
                        "arn:aws:secretsmanager:eu-west-1:123456789012:secret:db:password::",
                    },
                  ],
                }
              : {}),
          },
        ]),
      },
    },
    aws_ecs_service: {
      service: {
        ...meta("service"),
        name: "app",
        desired_count: 2,
        task_definition: ref("aws_ecs_task_definition.task", "arn"),
        deployment_minimum_healthy_percent: 100,
        deployment_maximum_percent: 200,
        health_check_grace_period_seconds: 30,
        network_configuration: {
          subnets: [ref("aws_subnet.private")],
          security_groups: [ref("aws_security_group.service")],
          assign_public_ip: false,
        },
        load_balancer: [
          {
            target_group_arn: ref("aws_lb_target_group.targets", "arn"),
            container_name: "app",
            container_port: port,
          },
        ],
      },
    },
  };
  if (options.endpoints) {
    resource.aws_vpc_endpoint = Object.fromEntries(
      options.endpoints.map((service) => [
        service.replace(/\./g, "_"),
        {
          service_name: `com.amazonaws.eu-west-1.${service}`,
          vpc_endpoint_type: ["s3", "dynamodb"].includes(service) ? "Gateway" : "Interface",
        },
      ]),
    );
  }
  if (options.database) {
    resource.aws_security_group!.database = { ...meta("database-sg") };
    resource.aws_vpc_security_group_ingress_rule!.from_service = {
      ...meta("database-sg/ingress"),
      security_group_id: ref("aws_security_group.database"),
      referenced_security_group_id: ref("aws_security_group.service"),
      ip_protocol: "tcp",
      from_port: 5432,
      to_port: 5432,
    };
    if (options.database.egress) {
      resource.aws_vpc_security_group_egress_rule!.to_database = {
        security_group_id: ref("aws_security_group.service"),
        referenced_security_group_id: ref("aws_security_group.database"),
        ip_protocol: "tcp",
        from_port: 5432,
        to_port: 5432,
      };
    }
  }
  if (options.database?.instance) addDatabaseInstance(resource);
  if (options.worker) addWorker(resource, options.worker);
  return { resource };
}

/** A PostgreSQL instance in an isolated subnet (no routes), behind the database's group. */
function addDatabaseInstance(resource: Record<string, Record<string, Values>>): void {
  resource.aws_subnet!.isolated = { ...meta("isolated"), cidr_block: "10.0.100.0/24" };
  resource.aws_route_table!.isolated = { ...meta("isolated-rt") };
  resource.aws_route_table_association!.isolated = {
    subnet_id: ref("aws_subnet.isolated"),
    route_table_id: ref("aws_route_table.isolated"),
  };
  resource.aws_db_subnet_group = {
    database: { ...meta("database-subnets"), subnet_ids: [ref("aws_subnet.isolated")] },
  };
  resource.aws_db_instance = {
    database: {
      ...meta("database"),
      port: 5432,
      publicly_accessible: false,
      db_subnet_group_name: ref("aws_db_subnet_group.database", "name"),
      vpc_security_group_ids: [ref("aws_security_group.database")],
    },
  };
}

/** A second service with no load balancer, reachable by nothing, in the private subnet. */
function addWorker(
  resource: Record<string, Record<string, Values>>,
  worker: NonNullable<ServicePathOptions["worker"]>,
): void {
  resource.aws_security_group!.worker = { ...meta("worker-sg") };
  resource.aws_vpc_security_group_egress_rule!.worker_https = {
    security_group_id: ref("aws_security_group.worker"),
    ip_protocol: "tcp",
    from_port: 443,
    to_port: 443,
    cidr_ipv4: "0.0.0.0/0",
  };
  if (worker.databaseRules) {
    resource.aws_vpc_security_group_ingress_rule!.from_worker = {
      ...meta("worker-to-database/ingress"),
      security_group_id: ref("aws_security_group.database"),
      referenced_security_group_id: ref("aws_security_group.worker"),
      ip_protocol: "tcp",
      from_port: 5432,
      to_port: 5432,
    };
    resource.aws_vpc_security_group_egress_rule!.worker_to_database = {
      ...meta("worker-to-database/egress"),
      security_group_id: ref("aws_security_group.worker"),
      referenced_security_group_id: ref("aws_security_group.database"),
      ip_protocol: "tcp",
      from_port: 5432,
      to_port: 5432,
    };
  }
  resource.aws_ecs_task_definition!.worker = {
    ...meta("worker-task"),
    family: "worker",
    requires_compatibilities: ["FARGATE"],
    cpu: "256",
    memory: "1024",
    container_definitions: JSON.stringify([
      {
        name: "app",
        image: "123456789012.dkr.ecr.eu-west-1.amazonaws.com/app:abc1234",
        command: ["node", "dist/worker.js"],
        portMappings: [],
        environment: worker.dbHost
          ? [{ name: "DB_HOST", value: ref("aws_db_instance.database", "address") }]
          : [],
        logConfiguration: { logDriver: "awslogs" },
        stopTimeout: worker.stopTimeout ?? 30,
      },
    ]),
  };
  resource.aws_ecs_service!.worker = {
    ...meta("worker"),
    name: "worker",
    desired_count: 1,
    task_definition: ref("aws_ecs_task_definition.worker", "arn"),
    deployment_minimum_healthy_percent: 100,
    deployment_maximum_percent: 200,
    network_configuration: {
      subnets: [ref("aws_subnet.private")],
      security_groups: [ref("aws_security_group.worker")],
      assign_public_ip: false,
    },
    load_balancer: [],
  };
}

export const context: RuleContext = {
  protectData: true,
  memoryHeadroomMiB: 1024,
  taskStartSeconds: 60,
  deployBudgetSeconds: 900,
};

export const model = (json: StackJson, name = "fixture") => new StackModel(name, json);
