import { defineConfig } from "vitest/config";

export default defineConfig({
  // The global setup (moto.ts imports three AWS SDK clients) runs in vitest's own "__vitest__"
  // environment, which resolves a package's "module" field: the SDK's ES module build
  // (dist-es/, 682 files) was then transformed file by file, 3 s of the run's start. Its
  // CommonJS "main" loads natively, as it does in the test workers and in the service.
  environments: { __vitest__: { resolve: { mainFields: ["main"] } } },
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
