import { defineConfig } from "vitest/config";

export default defineConfig({
  test: {
    include: ["__tests__/**/*.test.ts"],
    // Two workers match the two cores of CI. Threads, and one module graph per worker shared by
    // its test files (isolate: false): cdktf, the AWS provider's bindings and the configuration
    // load once per worker instead of once per file, which was two thirds of the run. Safe here
    // because no test mocks modules, stubs globals or changes the environment; a test that needs
    // that must restore it, or run in its own project with isolate: true.
    pool: "threads",
    isolate: false,
    maxWorkers: 2,
    testTimeout: 30_000,
    // One temp dir per run for the output directories of Testing.app(), removed at the end.
    globalSetup: ["__tests__/global-setup.ts"],
    // cdktf's Testing matchers on vitest's expect.
    setupFiles: ["__tests__/setup.ts"],
  },
});
