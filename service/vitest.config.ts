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
    // As in the image: keeps the AWS SDK's multi-line Node 20 notice out of the output.
    env: { AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED: "true" },
    maxWorkers: 2,
    testTimeout: 20_000,
    hookTimeout: 30_000,
  },
});
