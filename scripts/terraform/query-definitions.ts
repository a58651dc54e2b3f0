// CloudWatch Logs saved queries (query definitions), answered in front of moto (emulator-front.ts).
//
// moto 5.2.5 does not implement PutQueryDefinition, DescribeQueryDefinitions or
// DeleteQueryDefinition (moto/logs/responses.py has start_query and get_query_results only; the
// call fails with NotImplementedError, HTTP 500). This gap keeps each definition the provider
// puts and answers the three operations from them, as the Logs API does: an id per definition,
// a prefix filter on the name, ResourceNotFoundException for an unknown id.
import { randomUUID } from "node:crypto";
import type { Answer, Gap, JsonBody } from "./emulator-front";

interface QueryDefinition {
  queryDefinitionId: string;
  name: string;
  queryString: string;
  logGroupNames?: string[];
  queryLanguage?: string;
  lastModified: number;
}

const notFound = (id: unknown): Answer => ({
  status: 400,
  body: {
    __type: "ResourceNotFoundException",
    message: `query definition ${String(id)} does not exist`,
  },
});

export class QueryDefinitions implements Gap {
  readonly targetPrefix = "Logs_20140328.";
  private readonly byId = new Map<string, QueryDefinition>();

  answer(operation: string, request: JsonBody): Answer | undefined {
    switch (operation) {
      case "PutQueryDefinition": {
        const given = request.queryDefinitionId;
        if (typeof given === "string" && !this.byId.has(given)) return notFound(given);
        if (typeof request.name !== "string" || typeof request.queryString !== "string") {
          return {
            status: 400,
            body: {
              __type: "InvalidParameterException",
              message: "name and queryString are required",
            },
          };
        }
        const id = typeof given === "string" ? given : randomUUID();
        this.byId.set(id, {
          queryDefinitionId: id,
          name: request.name,
          queryString: request.queryString,
          ...(Array.isArray(request.logGroupNames)
            ? { logGroupNames: request.logGroupNames as string[] }
            : {}),
          ...(typeof request.queryLanguage === "string"
            ? { queryLanguage: request.queryLanguage }
            : {}),
          lastModified: Date.now(),
        });
        return { status: 200, body: { queryDefinitionId: id } };
      }
      case "DescribeQueryDefinitions": {
        const prefix =
          typeof request.queryDefinitionNamePrefix === "string"
            ? request.queryDefinitionNamePrefix
            : "";
        const found = [...this.byId.values()].filter((d) => d.name.startsWith(prefix));
        return { status: 200, body: { queryDefinitions: found } };
      }
      case "DeleteQueryDefinition": {
        if (!this.byId.delete(String(request.queryDefinitionId)))
          return notFound(request.queryDefinitionId);
        return { status: 200, body: { success: true } };
      }
      default:
        return undefined;
    }
  }

  get size(): number {
    return this.byId.size;
  }
}
