/**
 * A read-only view of one synthesized stack (`cdk.tf.json`) for the guardrail rules: resources by
 * type, references resolved to the resources they name, and each resource's construct path.
 */

export type Values = Readonly<Record<string, unknown>>;

export interface StackJson {
  readonly resource?: Record<string, Record<string, Values>>;
  readonly data?: Record<string, Record<string, Values>>;
  readonly [key: string]: unknown;
}

export interface Resource {
  readonly type: string;
  readonly name: string;
  /** `type.name`, the Terraform address. */
  readonly address: string;
  /** The construct path (`prod/service/sg`), for messages and suppressions. */
  readonly path: string;
  readonly values: Values;
}

const REFERENCE =
  /^\$\{((?:data\.)?[a-z0-9_]+)\.([A-Za-z0-9_-]+)\.([a-z0-9_]+)(\[\d+\])?(\.[a-z0-9_]+)?\}$/;

export class StackModel {
  private readonly byType = new Map<string, Resource[]>();

  constructor(
    readonly name: string,
    readonly json: StackJson,
  ) {
    for (const [type, byName] of Object.entries(json.resource ?? {})) {
      this.byType.set(
        type,
        Object.entries(byName).map(([name, values]) => ({
          type,
          name,
          address: `${type}.${name}`,
          path:
            (values["//"] as { metadata?: { path?: string } } | undefined)?.metadata?.path ??
            `${this.name}/${name}`,
          values,
        })),
      );
    }
  }

  resources(type: string): Resource[] {
    return this.byType.get(type) ?? [];
  }

  /** The resource a `${type.name.attribute}` reference names, if it is a resource of this stack. */
  resolve(reference: unknown): Resource | undefined {
    const match = REFERENCE.exec(String(reference));
    if (!match) return undefined;
    return this.resources(match[1]!).find((r) => r.name === match[2]);
  }

  /** The autoscaling target of an ECS service (its `resource_id` names the service), if any. */
  scalingTargetOf(service: Resource): Resource | undefined {
    return this.resources("aws_appautoscaling_target").find((t) =>
      String(t.values.resource_id).includes(`aws_ecs_service.${service.name}.`),
    );
  }

  /** Whether a value is a reference to `type.name` (any attribute). */
  refersTo(value: unknown, resource: Resource): boolean {
    return this.resolve(value)?.address === resource.address;
  }
}

/** The elements of a list attribute, or an empty list. */
export function list(value: unknown): unknown[] {
  return Array.isArray(value) ? value : value === undefined || value === null ? [] : [value];
}

/** A nested block that cdktf writes either as an object or a one-element list. */
export function block(value: unknown): Values | undefined {
  const first = Array.isArray(value) ? value[0] : value;
  return first && typeof first === "object" ? (first as Values) : undefined;
}

/** The parsed container definitions of a task definition. */
export function containers(taskDefinition: Resource): Values[] {
  try {
    return JSON.parse(String(taskDefinition.values.container_definitions)) as Values[];
  } catch {
    return [];
  }
}

/** `name -> value` of a container's environment. */
export function environmentOf(container: Values): Record<string, string> {
  return Object.fromEntries(
    list(container.environment).map((e) => [
      (e as Values).name as string,
      String((e as Values).value),
    ]),
  );
}
