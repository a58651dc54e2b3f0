import { Testing } from "cdktf";
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
