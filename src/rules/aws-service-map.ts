import {
  AWS_SERVICES_FILE,
  unknownDataSourceTypes,
  unknownResourceTypes,
} from "../lib/aws-services";
import type { Values } from "./model";
import { fromFindings, notApplicable, type Finding, type Rule } from "./rule";

const pathOf = (stack: string, name: string, values: Values | undefined) =>
  (values?.["//"] as { metadata?: { path?: string } } | undefined)?.metadata?.path ??
  `${stack}/${name}`;

/** PLAT-9: every resource and data source type of a stack has an entry in the AWS service map. */
export const awsServiceMap: Rule = {
  id: "PLAT-9",
  name: "AWS service map",
  level: "error",
  message: `Every resource and data source type has an entry in ${AWS_SERVICES_FILE}.`,
  explanation:
    "The CI deploy roles, their permissions boundary and the e2e emulator endpoints are derived from that map. " +
    "A type it does not list gets no permission: the deploy fails halfway through `apply` with AccessDenied, " +
    "after the plan and the review passed (and e2e would have no endpoint for its service).",
  check(stack) {
    const resources = stack.json.resource ?? {};
    const data = stack.json.data ?? {};
    const types = Object.keys(resources);
    const dataTypes = Object.keys(data).filter((t) => t.startsWith("aws_"));
    if (types.length === 0 && dataTypes.length === 0) return notApplicable();
    const finding = (
      kind: string,
      table: string,
      type: string,
      byName: Record<string, Values>,
    ): Finding => {
      const paths = Object.entries(byName).map(([name, values]) =>
        pathOf(stack.name, name, values),
      );
      return {
        paths,
        message:
          `${kind} type ${type} (${paths.join(", ")}) has no entry in ${table}: add it to ${AWS_SERVICES_FILE}, ` +
          "with its IAM service prefix, whether it is regional and how a deploy role is granted it",
      };
    };
    return fromFindings([
      ...unknownResourceTypes(types).map((t) =>
        finding("resource", "AWS_RESOURCE_TYPES", t, resources[t]!),
      ),
      ...unknownDataSourceTypes(dataTypes).map((t) =>
        finding("data source", "AWS_DATA_SOURCES", t, data[t]!),
      ),
    ]);
  },
};
