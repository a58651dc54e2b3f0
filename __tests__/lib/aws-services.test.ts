import { describe, expect, it } from "vitest";
import {
  AWS_DATA_SOURCES,
  AWS_RESOURCE_TYPES,
  AWS_SERVICES,
  resourceNeeds,
  serviceLinkedRolesFor,
  servicesFor,
  unknownDataSourceTypes,
  unknownResourceTypes,
} from "../../src/lib/aws-services";
import { platformJson } from "../helpers";

const services = (types: string[]) => servicesFor(types).map((s) => s.service);

describe("the AWS service map (src/lib/aws-services.ts)", () => {
  it("lists every resource and data source type of every committed stack", () => {
    for (const [name, json] of Object.entries(platformJson())) {
      expect(unknownResourceTypes(Object.keys(json.resource)), name).toEqual([]);
      expect(unknownDataSourceTypes(Object.keys(json.data ?? {})), name).toEqual([]);
    }
  });

  it("gives each type the IAM prefix, region binding and service-linked role of its service", () => {
    expect(resourceNeeds("aws_lb_listener_rule")).toMatchObject({
      service: "elasticloadbalancing",
      regional: true,
      grant: "in-region",
      endpoints: ["elbv2"],
    });
    expect(resourceNeeds("aws_iam_role")).toMatchObject({ service: "iam", regional: false });
    expect(resourceNeeds("aws_route53_record")).toMatchObject({
      service: "route53",
      regional: false,
    });
    expect(
      Object.fromEntries(
        ["aws_ecs_service", "aws_lb", "aws_db_instance", "aws_appautoscaling_target"].map((t) => [
          t,
          resourceNeeds(t).serviceLinkedRole,
        ]),
      ),
    ).toEqual({
      aws_ecs_service: "ecs.amazonaws.com",
      aws_lb: "elasticloadbalancing.amazonaws.com",
      aws_db_instance: "rds.amazonaws.com",
      aws_appautoscaling_target: "ecs.application-autoscaling.amazonaws.com",
    });
    expect(() => resourceNeeds("aws_bedrock_agent")).toThrow(/src\/lib\/aws-services\.ts/);
  });

  it("grants by name exactly the services that hold data or identity; the others are regional", () => {
    const all = Object.values(AWS_SERVICES);
    expect(all.filter((s) => s.grant === "by-name").map((s) => s.service)).toEqual([
      "s3",
      "dynamodb",
      "sqs",
      "sns",
      "secretsmanager",
      "iam",
      "route53",
      "ecr",
      "budgets",
      "sts",
    ]);
    for (const s of all.filter((s) => s.grant === "in-region")) {
      expect(s.regional, s.service).toBe(true);
    }
    // Every entry is one of these services (spread from it), never a variant with other facts.
    for (const [type, needs] of [
      ...Object.entries(AWS_RESOURCE_TYPES),
      ...Object.entries(AWS_DATA_SOURCES).flatMap(([t, s]) => (s ? [[t, s] as const] : [])),
    ]) {
      const known = all.find((s) => s.service === needs.service);
      expect(known, type).toBeDefined();
      expect({ regional: needs.regional, grant: needs.grant }, type).toEqual({
        regional: known!.regional,
        grant: known!.grant,
      });
      expect(type).toMatch(/^aws_[a-z0-9_]+$/);
    }
  });

  it("derives the services of a set of types, with those they call besides, in one order whatever the types' order", () => {
    const types = ["aws_sqs_queue", "aws_db_instance", "aws_vpc", "aws_lb"];
    expect(services(types)).toEqual([
      "ec2",
      "elasticloadbalancing",
      "rds",
      "kms",
      "sqs",
      "secretsmanager",
    ]);
    expect(services([...types].reverse())).toEqual(services(types));
    // A type the map does not list adds nothing (PLAT-9 fails the synth on it).
    expect(services(["aws_lambda_function", "aws_vpc"])).toEqual(["ec2"]);
    expect(
      serviceLinkedRolesFor(["aws_lb", "aws_ecs_cluster", "aws_ecs_service", "aws_vpc"]),
    ).toEqual(["ecs.amazonaws.com", "elasticloadbalancing.amazonaws.com"]);
  });
});
