import { describe, expect, it } from "vitest";
import { QueryDefinitions } from "../../scripts/terraform/query-definitions";

describe("CloudWatch Logs query definitions answered in front of moto", () => {
  it("keeps a definition under a new id, finds it by name prefix, updates it by id and deletes it", () => {
    const gap = new QueryDefinitions();
    const put = gap.answer("PutQueryDefinition", {
      name: "orbit-prod/recent-errors",
      queryString: "fields @timestamp",
      logGroupNames: ["/ecs/orbit-prod-api"],
    });
    const id = (put?.body as { queryDefinitionId: string }).queryDefinitionId;
    expect(id).toMatch(/^[0-9a-f-]{36}$/);
    gap.answer("PutQueryDefinition", {
      queryDefinitionId: id,
      name: "orbit-prod/recent-errors",
      queryString: "fields @message",
    });
    const found = gap.answer("DescribeQueryDefinitions", {
      queryDefinitionNamePrefix: "orbit-prod/",
    });
    expect(found?.body).toMatchObject({
      queryDefinitions: [
        { queryDefinitionId: id, name: "orbit-prod/recent-errors", queryString: "fields @message" },
      ],
    });
    expect(
      gap.answer("DescribeQueryDefinitions", { queryDefinitionNamePrefix: "other" })?.body,
    ).toEqual({
      queryDefinitions: [],
    });
    expect(gap.answer("DeleteQueryDefinition", { queryDefinitionId: id })?.status).toBe(200);
    expect(gap.size).toBe(0);
  });

  it("refuses an unknown id and a definition without a query, as the Logs API does", () => {
    const gap = new QueryDefinitions();
    expect(gap.answer("DeleteQueryDefinition", { queryDefinitionId: "nope" })?.body).toMatchObject({
      __type: "ResourceNotFoundException",
    });
    expect(
      gap.answer("PutQueryDefinition", { queryDefinitionId: "nope", name: "n", queryString: "q" })
        ?.status,
    ).toBe(400);
    expect(gap.answer("PutQueryDefinition", { name: "n" })?.body).toMatchObject({
      __type: "InvalidParameterException",
    });
  });

  it("leaves every other Logs operation to moto", () => {
    expect(new QueryDefinitions().answer("CreateLogGroup", { logGroupName: "x" })).toBeUndefined();
  });
});
