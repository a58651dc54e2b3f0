import { describe, expect, it } from "vitest";
import { conceptField, configField } from "../../src/rules/config-fields";
import { fargateSizing } from "../../src/rules/fargate-sizing";
import type { Resource } from "../../src/rules/model";
import { context, model, servicePath } from "./fixtures";

const resource = (type: string, path: string): Resource => ({
  type,
  name: "x",
  address: `${type}.x`,
  path,
  values: {},
});

describe("the configuration field behind a synthesized attribute", () => {
  it("maps each concept's construct to its configuration path", () => {
    expect(
      configField("prod", resource("aws_db_instance", "prod/database/instance"), "multi_az"),
    ).toBe("prod.database.multiAz");
    expect(
      configField(
        "staging",
        resource("aws_ecs_task_definition", "staging/service-api/task"),
        "memory",
      ),
    ).toBe("staging.services.api.memoryMiB");
    expect(
      configField("prod", resource("aws_lb_target_group", "prod/load-balancer/target-api"), "port"),
    ).toBe("prod.services.api.public.containerPort");
    expect(
      configField(
        "prod",
        resource("aws_lb", "prod/load-balancer/alb"),
        "enable_deletion_protection",
      ),
    ).toBe("prod.loadBalancer.deletionProtection");
  });

  it("is undefined where code, not configuration, sets the attribute", () => {
    expect(
      configField(
        "prod",
        resource("aws_db_instance", "prod/database/instance"),
        "storage_encrypted",
      ),
    ).toBeUndefined();
    expect(
      configField("state", resource("aws_s3_bucket", "state/backend/bucket"), "bucket"),
    ).toBeUndefined();
  });

  it("PLAT-5 names services.<name>.memoryMiB, not only the task definition", () => {
    const json = servicePath({ cpu: "256", memory: "512" });
    const task = json.resource!.aws_ecs_task_definition!.task as Record<string, unknown>;
    task["//"] = { metadata: { path: "staging/service-api/task" } };
    const result = fargateSizing.check(model(json, "staging"), context);
    expect(result.findings[0]!.message).toMatch(
      /^staging\.services\.api\.memoryMiB: 512 MiB is below the 1024 MiB headroom .*fix: raise staging\.services\.api\.memoryMiB/,
    );
  });

  it("names any setting of the concept a resource belongs to, for rules whose levers are several", () => {
    expect(
      conceptField(
        "prod",
        resource("aws_ecs_service", "prod/service-api/service"),
        "deployment.bakeTimeMinutes",
      ),
    ).toBe("prod.services.api.deployment.bakeTimeMinutes");
    expect(conceptField("prod", resource("aws_vpc", "prod/vpc"), "x")).toBeUndefined();
  });
});
