import { mkdtemp, rm } from "node:fs/promises";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import { PGLiteSocketServer } from "@electric-sql/pglite-socket";
import { build } from "esbuild";
import type { TestProject } from "vitest/node";
import { findMotoServer, INSTALL_COMMAND, startMoto } from "./moto.js";
import { createPglite } from "./pglite-cluster.js";

const SERVICE_DIR = fileURLToPath(new URL("../..", import.meta.url));

declare module "vitest" {
  export interface ProvidedContext {
    databaseUrl: string;
    /** PGlite accepts any password; a real server checks it. */
    databaseIsPglite: boolean;
    /** moto's URL, or "" when moto_server is not installed (the emulator tests are skipped). */
    motoUrl: string;
    /** The directory of the entry points built for this run (`server.js`, `worker.js`). */
    serviceBuild: string;
  }
}

/**
 * Gives every test file a real PostgreSQL: the server named by DATABASE_URL (CI runs a Debian
 * PostgreSQL), or else PGlite, PostgreSQL compiled to WebAssembly (its initialized cluster kept
 * in the cache directory, see pglite-cluster.ts), served over TCP on loopback so the service
 * talks to it through `pg` exactly as it would to RDS. And an AWS emulator,
 * moto, when it is installed.
 */
export default async function setup(project: TestProject) {
  const teardown: Array<() => Promise<void>> = [];
  // All at once: moto (Python) and PGlite (WebAssembly) each take about a second.
  await Promise.all([startEmulator(), startDatabase(), buildEntryPoints()]);

  /**
   * The server and the worker as JavaScript, once for the run: the tests that run them as
   * processes start plain `node` (as the image does), not tsx, which took a second of CPU per
   * process. One file per entry point with its dependencies in it: a process loads one file
   * instead of the AWS SDK's hundreds, 0.27 s of CPU to start instead of 0.6 s. Without a source
   * map: Node parses a linked one at start-up, and the bundle's (6.7 MB) took that back to 0.55 s;
   * a stack trace in a process's log names bundle lines instead of src/ ones. In a directory
   * beside src/ so that what the code reads relative to itself (../package.json) is found.
   */
  async function buildEntryPoints() {
    const outdir = await mkdtemp(join(SERVICE_DIR, ".test-build-"));
    teardown.push(() => rm(outdir, { recursive: true, force: true }));
    await build({
      absWorkingDir: SERVICE_DIR,
      entryPoints: ["src/server.ts", "src/worker.ts"],
      outdir,
      bundle: true,
      platform: "node",
      format: "esm",
      // The CommonJS dependencies (pg, the AWS SDK) call require() for Node's own modules.
      banner: {
        js: 'import { createRequire } from "node:module"; const require = createRequire(import.meta.url);',
      },
      target: "node22",
      logLevel: "error",
    });
    project.provide("serviceBuild", outdir);
  }

  async function startEmulator() {
    const motoServer = findMotoServer();
    if (motoServer) {
      const moto = await startMoto(motoServer);
      teardown.push(moto.stop);
      project.provide("motoUrl", moto.url);
    } else {
      project.provide("motoUrl", "");
      const banner = "!".repeat(100);
      console.warn(
        `\n${banner}\nmoto_server not found: the AWS emulator tests (DynamoDB, SNS, SQS, the worker) are SKIPPED.\n` +
          `Install it with:  ${INSTALL_COMMAND}   (from the repository root)\n${banner}\n`,
      );
    }
  }

  async function startDatabase() {
    const configured = process.env.DATABASE_URL;
    if (configured) {
      project.provide("databaseUrl", configured);
      project.provide("databaseIsPglite", false);
      return;
    }
    const db = await createPglite();
    // PGlite is one backend; the socket server multiplexes connections onto it. Room for every
    // pool the test files open at once.
    const server = new PGLiteSocketServer({ db, host: "127.0.0.1", port: 0, maxConnections: 200 });
    await server.start();
    // PGlite accepts any password; a distinctive one lets tests prove it never reaches the logs.
    const url = `postgres://postgres:pglite-password-never-logged@${server.getServerConn()}/postgres`;
    project.provide("databaseUrl", url);
    project.provide("databaseIsPglite", true);
    teardown.push(async () => {
      await server.stop();
      await db.close();
    });
  }

  return async () => {
    for (const step of teardown.reverse()) await step();
  };
}
