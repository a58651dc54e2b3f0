import { describe, expect, it } from "vitest";
import { route } from "../../scripts/terraform/guard-proxy";
import {
  changedAttributes,
  formatDiagnostic,
  isLockHeldError,
  parseJsonLines,
  parseValidate,
  planDifferences,
  summarizeApply,
  summarizePlan,
  summarizeWarnings,
} from "../../scripts/terraform/output";

const warning = {
  severity: "warning",
  summary: "Deprecated Parameter",
  detail: 'The parameter "dynamodb_table" is deprecated.\nUse parameter "use_lockfile" instead.',
  address: "data.terraform_remote_state.shared",
  range: { filename: "cdk.tf.json", start: { line: 68, column: 7, byte: 1 } },
};

describe("terraform validate -json", () => {
  it("reads errors and warnings, and formats them on one line", () => {
    const result = parseValidate(
      JSON.stringify({
        format_version: "1.0",
        valid: true,
        error_count: 0,
        warning_count: 2,
        diagnostics: [warning, warning],
      }),
    );
    expect(result.valid).toBe(true);
    expect(summarizeWarnings(result.warnings)).toEqual(["Deprecated Parameter x2"]);
    expect(formatDiagnostic(result.warnings[0]!)).toBe(
      'Deprecated Parameter (data.terraform_remote_state.shared, cdk.tf.json:68): The parameter "dynamodb_table" is deprecated. Use parameter "use_lockfile" instead.',
    );
  });

  it("is invalid with any error, and refuses a document whose counts disagree", () => {
    const error = { severity: "error", summary: "Unsupported argument" };
    const doc = { valid: false, error_count: 1, warning_count: 0, diagnostics: [error] };
    expect(parseValidate(JSON.stringify(doc)).errors).toHaveLength(1);
    expect(() => parseValidate(JSON.stringify({ ...doc, error_count: 2 }))).toThrow(/inconsistent/);
    expect(() => parseValidate("Error: no configuration")).toThrow();
  });
});

const lines = (...messages: object[]) =>
  ["terraform prints this line without -json", ...messages.map((m) => JSON.stringify(m))].join(
    "\n",
  );

describe("plan -json and apply -json", () => {
  it("counts a plan's changes from its summary and lists them, reads excluded", () => {
    const out = lines(
      {
        type: "planned_change",
        change: { resource: { addr: "aws_s3_bucket.b" }, action: "update" },
      },
      { type: "planned_change", change: { resource: { addr: "data.aws_x.y" }, action: "read" } },
      {
        type: "resource_drift",
        change: { resource: { addr: "aws_iam_role.r" }, action: "update" },
      },
      {
        type: "change_summary",
        changes: { add: 0, change: 1, remove: 0, import: 0, operation: "plan" },
      },
    );
    const plan = summarizePlan(parseJsonLines(out));
    expect(plan.changeCount).toBe(1);
    expect(plan.changes).toEqual(["aws_s3_bucket.b update"]);
    expect(plan.drift).toEqual(["aws_iam_role.r update"]);
  });

  it("refuses plan output with neither a summary nor an error", () => {
    expect(() => summarizePlan(parseJsonLines(lines({ type: "version" })))).toThrow();
    const failed = lines({
      type: "diagnostic",
      diagnostic: { severity: "error", summary: "boom" },
    });
    expect(summarizePlan(parseJsonLines(failed)).errors).toHaveLength(1);
  });

  it("lists applied managed resources and the slowest first", () => {
    const done = (addr: string, elapsed: number) => ({
      type: "apply_complete",
      hook: { resource: { addr }, elapsed_seconds: elapsed },
    });
    const apply = summarizeApply(
      parseJsonLines(lines(done("aws_a.x", 2), done("data.aws_b.y", 9), done("aws_c.z", 55))),
    );
    expect(apply.applied).toEqual(["aws_a.x", "aws_c.z"]);
    expect(apply.slowest[0]).toEqual({ address: "aws_c.z", seconds: 55 });
  });
});

describe("a saved plan's differences", () => {
  it("lists each leaf attribute that changes, and values known only after apply", () => {
    expect(
      changedAttributes(
        { tags_all: { Project: "orbit" }, list: [1, 2], same: "x" },
        { tags_all: { Project: "orbit", Team: "p" }, list: [1, 3], same: "x" },
        { arn: true },
      ),
    ).toEqual([
      { path: "arn", before: "null", after: "(known after apply)" },
      { path: "list.1", before: "2", after: "3" },
      { path: "tags_all.Team", before: "null", after: '"p"' },
    ]);
  });

  it("skips no-op and read entries of terraform show -json", () => {
    const show = JSON.stringify({
      resource_changes: [
        { address: "aws_a.x", change: { actions: ["no-op"], before: { a: 1 }, after: { a: 1 } } },
        { address: "aws_b.y", change: { actions: ["update"], before: { a: 1 }, after: { a: 2 } } },
      ],
      resource_drift: [
        {
          address: "aws_c.z",
          change: { actions: ["update"], before: { t: null }, after: { t: {} } },
        },
      ],
    });
    const differences = planDifferences(show);
    expect(differences.changes).toEqual([
      {
        address: "aws_b.y",
        action: "update",
        attributes: [{ path: "a", before: "1", after: "2" }],
      },
    ]);
    expect(differences.drift.map((d) => d.address)).toEqual(["aws_c.z"]);
  });
});

describe("the state lock error", () => {
  it("is recognised only when another run holds the lock", () => {
    const held = `
Error: Error acquiring the state lock

Error message: operation error DynamoDB: PutItem, https response error StatusCode: 400,
RequestID: 1, ConditionalCheckFailedException: The conditional request failed
Lock Info:
  ID:        0f2c9a4e-5f5b-4d5e-9f4e-3c1d2b1a0e9f
  Path:      orbit-terraform-state-111111111111/orbit/shared.tfstate
  Operation: OperationTypeInvalid
`;
    expect(isLockHeldError(held)).toBe(true);
    expect(isLockHeldError("Error: Error acquiring the state lock\n\nAccessDeniedException")).toBe(
      false,
    );
    expect(isLockHeldError("Error: Failed to get existing workspaces")).toBe(false);
  });
});

describe("the guard proxy", () => {
  it("passes only account-prefixed requests for the emulator's port, refuses everything else", () => {
    expect(route("http://111111111111.127.0.0.1:4000/v20180820/tags/arn", 4000)).toBe("emulator");
    expect(route("http://111111111111.127.0.0.1:4001/v20180820/tags/arn", 4000)).toBe("refuse");
    expect(route("http://s3-control.eu-west-1.amazonaws.com/v20180820/x", 4000)).toBe("refuse");
    expect(route("kms.eu-west-1.amazonaws.com:443", 4000)).toBe("refuse");
    expect(route("http://111111111111.127.0.0.1.evil.example:4000/", 4000)).toBe("refuse");
  });
});
