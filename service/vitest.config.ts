import { defineConfig } from "vitest/config";

export default defineConfig({
  test: {
    include: ["test/**/*.test.ts"],
    // One PostgreSQL for the whole run: PGlite in-process, or the server named by DATABASE_URL.
    globalSetup: ["test/support/global-setup.ts"],
    // Threads, and one module graph per worker shared by its test files: fastify, pg and the AWS
    // SDK load twice per run instead of once per file. A test that changes process.env puts it
    // back (useEmulator), and none mocks modules.
    pool: "threads",
    isolate: false,
    maxWorkers: 2,
    testTimeout: 20_000,
    hookTimeout: 30_000,
  },
});
