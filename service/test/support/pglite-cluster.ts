/**
 * PGlite with a freshly initialized cluster, in half a second instead of three. `PGlite.create()`
 * runs initdb every time: 3-4 s of wall time and about 5 s of CPU, the largest single cost of the
 * service suite. The cluster initdb writes is the same every time for one PGlite version, so the
 * first run keeps it as a tarball in the cache directory (beside moto, see scripts/install-moto.sh)
 * and later runs load it. It is taken right after initdb, before any test has touched it: every
 * run still starts from an empty database.
 */
import { mkdirSync, readFileSync, renameSync, writeFileSync } from "node:fs";
import { createRequire } from "node:module";
import { dirname, join } from "node:path";
import { PGlite } from "@electric-sql/pglite";
import { cacheDir } from "./cache-dir.js";

// The package exports no package.json; it sits two levels above the entry point (dist/index.js).
const entry = createRequire(import.meta.url).resolve("@electric-sql/pglite");
const { version } = JSON.parse(
  readFileSync(join(dirname(dirname(entry)), "package.json"), "utf8"),
) as { version: string };

/** Where the initialized cluster of this PGlite version is kept. */
export function clusterTarball(env: NodeJS.ProcessEnv = process.env): string {
  return join(cacheDir(env), `pglite-${version}`, "initdb.tar.gz");
}

export async function createPglite(tarball = clusterTarball()): Promise<PGlite> {
  let saved: Buffer | undefined;
  try {
    saved = readFileSync(tarball);
  } catch {
    // Not kept yet: initdb below.
  }
  if (saved) {
    try {
      return await PGlite.create({ loadDataDir: new Blob([new Uint8Array(saved)]) });
    } catch {
      // Unreadable (a truncated file, say): initdb again and keep a good copy.
    }
  }
  const db = await PGlite.create();
  const dump = await db.dumpDataDir("gzip");
  mkdirSync(dirname(tarball), { recursive: true });
  // Written aside and renamed: a run that reads it meanwhile sees all of it or nothing.
  const partial = `${tarball}.${process.pid}.partial`;
  writeFileSync(partial, new Uint8Array(await dump.arrayBuffer()));
  renameSync(partial, tarball);
  return db;
}
