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
// frame by frame through the source maps. That was half the CPU time of the suite. Here a token's
// creation stack has Node's default depth (10 frames), unmapped; errors' stacks are untouched.
const stackTrace = createRequire(__filename)("cdktf/lib/tokens/private/stack-trace") as {
  captureStackTrace: (below?: (...args: never[]) => unknown) => string[];
};
const unmapped = (_: unknown, frames: NodeJS.CallSite[]) => frames;
stackTrace.captureStackTrace = function captureStackTrace(below) {
  const target: { stack?: NodeJS.CallSite[] } = {};
  const mapStack = Error.prepareStackTrace;
  Error.prepareStackTrace = unmapped;
  try {
    Error.captureStackTrace(target, below ?? captureStackTrace);
    return (target.stack ?? []).map(String);
  } finally {
    Error.prepareStackTrace = mapStack;
  }
};
