import { fileURLToPath } from "node:url";
import { PGLiteSocketServer } from "@electric-sql/pglite-socket";
import type { TestProject } from "vitest/node";
import { findMotoServer, INSTALL_COMMAND, startMoto } from "./moto.js";
import { createPglite } from "./pglite-cluster.js";
import { entryPointBuild } from "./entry-build.js";

const SERVICE_DIR = fileURLToPath(new URL("../..", import.meta.url));

declare module "vitest" {
  export interface ProvidedContext {
    databaseUrl: string;
    /** PGlite accepts any password; a real server checks it. */
    databaseIsPglite: boolean;
    /** moto's URL, or "" when moto_server is not installed (the emulator tests are skipped). */
    motoUrl: string;
    /** The directory of the entry points built from the current sources (`server.js`, `worker.js`). */
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

  /** The server and the worker as JavaScript, built when their sources changed (entry-build.ts). */
  async function buildEntryPoints() {
    project.provide("serviceBuild", await entryPointBuild(SERVICE_DIR));
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
