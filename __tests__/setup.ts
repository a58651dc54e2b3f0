import { Testing } from "cdktf";
import { createRequire } from "node:module";
import { expect } from "vitest";

// cdktf's matchers (toHaveResourceWithProperties, ...) extend the global `expect` of Jest; give
// them vitest's. They read the string `Testing.synth(stack)` returns.
(globalThis as { expect?: unknown }).expect = expect;
Testing.setupJest();

interface TerraformConstructor {
  readonly tfResourceType: string;
}

declare module "vitest" {
  // eslint-disable-next-line @typescript-eslint/no-explicit-any -- must match vitest's declaration
  interface Matchers<T = any> {
    /** The synthesized stack has a resource of this type with at least these (snake_case) properties. */
    toHaveResourceWithProperties(
      type: TerraformConstructor,
      properties: Record<string, unknown>,
    ): T;
    /** The synthesized stack has a resource of this type. */
    toHaveResource(type: TerraformConstructor): T;
    /** The synthesized stack has a data source of this type. */
    toHaveDataSource(type: TerraformConstructor): T;
  }
}

// cdktf records where every token was made, a stack trace it prints only if that token later fails
// to resolve: thousands per synthesized stack, each of unlimited depth and, under vitest, mapped
// frame by frame through the source maps. That was half the CPU time of the suite; kept to 10
// unmapped frames it was still the largest single function (2 s of the workers' CPU). No test
// reads a creation stack, so none is recorded unless FARGATE_PLATFORM_TOKEN_STACKS=1 asks for
// them (to find where a token that fails to resolve was made): then 10 frames, unmapped, each
// formatted only when cdktf prints it (it only joins them). Errors' own stacks are untouched.
const stackTrace = createRequire(__filename)("cdktf/lib/tokens/private/stack-trace") as {
  captureStackTrace: (below?: (...args: never[]) => unknown) => string[];
};
const frames = (_: unknown, callSites: NodeJS.CallSite[]) => callSites;
stackTrace.captureStackTrace =
  process.env.FARGATE_PLATFORM_TOKEN_STACKS === "1"
    ? function captureStackTrace(below) {
        const target: { stack?: NodeJS.CallSite[] } = {};
        const mapStack = Error.prepareStackTrace;
        Error.prepareStackTrace = frames;
        let callSites: NodeJS.CallSite[];
        try {
          Error.captureStackTrace(target, below ?? captureStackTrace);
          // V8 prepares the stack when it is first read: read it while `frames` is the preparer.
          callSites = target.stack ?? [];
        } finally {
          Error.prepareStackTrace = mapStack;
        }
        return callSites.map((callSite) => ({
          toString: () => String(callSite),
        })) as unknown as string[];
      }
    : () => [];

// cdktf checks the Terraform version of every stack with `moved` blocks by running `terraform
// version` in a shell, each time it validates one: 17 processes per run of this suite. The
// binary does not change during a run; ask it once per command and constraint.
const binaryVersion = createRequire(__filename)(
  "cdktf/lib/validations/validate-binary-version",
) as {
  ValidateBinaryVersion: {
    prototype: {
      validate(this: BinaryVersionCheck): string[];
      validateUncached?: (this: BinaryVersionCheck) => string[];
      checked?: Map<string, string[]>;
    };
  };
};
interface BinaryVersionCheck {
  versionCommand: string;
  versionConstraint: string;
  hint?: string;
}
const check = binaryVersion.ValidateBinaryVersion.prototype;
// This file runs once per test file in the same worker: wrap once, one cache per worker.
check.validateUncached ??= check.validate;
const checked = (check.checked ??= new Map());
check.validate = function validate() {
  const key = JSON.stringify([this.versionCommand, this.versionConstraint, this.hint]);
  let errors = checked.get(key);
  if (errors === undefined) {
    errors = check.validateUncached!.call(this);
    checked.set(key, errors);
  }
  return [...errors];
};
