import { defineConfig } from "vitest/config";

export default defineConfig({
  test: {
    include: ["__tests__/**/*.test.ts"],
    // Each test file synthesizes whole stacks; two workers match the two cores of CI.
    pool: "forks",
    maxWorkers: 2,
    testTimeout: 30_000,
    // One temp dir per run for the output directories of Testing.app(), removed at the end.
    globalSetup: ["__tests__/global-setup.ts"],
  },
});
