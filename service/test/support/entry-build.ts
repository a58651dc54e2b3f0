/**
 * The server and the worker as JavaScript, for the tests that run them as processes: plain `node`
 * (as the image does) on one file per entry point with its dependencies in it. A process loads
 * one file instead of the AWS SDK's hundreds, and with V8's code cache (NODE_COMPILE_CACHE, in the
 * build's directory) it starts in 0.18 s of CPU instead of 0.34 s. Without a source map: Node
 * parses a linked one at start-up, and the bundle's (6.7 MB) took a start back to 0.55 s; a stack
 * trace in a process's log names bundle lines instead of src/ ones.
 *
 * Built once and kept while its inputs are unchanged: each build lives in `.test-build-<digest>/`
 * beside src/ (so that what the code reads relative to itself, ../package.json, is found), with
 * the SHA-256 of every file esbuild read. A run whose files all hash the same reuses it (20 ms);
 * any change, or another esbuild, lockfile or option, builds anew (0.7 s, 1.2 s of CPU) and
 * removes the older builds.
 */
import { createHash } from "node:crypto";
import { existsSync, readdirSync, readFileSync, statSync } from "node:fs";
import { mkdtemp, rename, rm, writeFile } from "node:fs/promises";
import { join } from "node:path";
import { build, version, type BuildOptions } from "esbuild";

const PREFIX = ".test-build-";
const INPUTS = "inputs.json";
const HOUR = 60 * 60 * 1000;

const options = {
  entryPoints: ["src/server.ts", "src/worker.ts"],
  bundle: true,
  platform: "node",
  format: "esm",
  // The CommonJS dependencies (pg, the AWS SDK) call require() for Node's own modules.
  banner: {
    js: 'import { createRequire } from "node:module"; const require = createRequire(import.meta.url);',
  },
  target: "node22",
  logLevel: "error",
} satisfies BuildOptions;

interface Recorded {
  key: string;
  inputs: Record<string, string>;
}

const sha256 = (data: string | Buffer) => createHash("sha256").update(data).digest("hex");

/** What a build depends on besides the files it reads. */
function buildKey(serviceDir: string): string {
  return sha256(
    JSON.stringify({
      version,
      options,
      lock: sha256(readFileSync(join(serviceDir, "package-lock.json"))),
    }),
  );
}

function upToDate(serviceDir: string, dir: string, key: string): boolean {
  try {
    const recorded = JSON.parse(readFileSync(join(dir, INPUTS), "utf8")) as Recorded;
    return (
      recorded.key === key &&
      Object.entries(recorded.inputs).every(
        ([file, hash]) => sha256(readFileSync(join(serviceDir, file))) === hash,
      )
    );
  } catch {
    return false;
  }
}

/** The directory holding `server.js` and `worker.js` built from the current sources. */
export async function entryPointBuild(serviceDir: string): Promise<string> {
  const key = buildKey(serviceDir);
  // Another run's build in progress is left alone, unless it is an hour old (that run died).
  const builds = readdirSync(serviceDir)
    .filter((name) => name.startsWith(PREFIX))
    .map((name) => join(serviceDir, name))
    .filter((dir) => !dir.includes(`${PREFIX}new-`) || statSync(dir).mtimeMs < Date.now() - HOUR);
  const current = builds.find((dir) => upToDate(serviceDir, dir, key));
  if (current) return current;

  const staging = await mkdtemp(join(serviceDir, `${PREFIX}new-`));
  const result = await build({
    ...options,
    absWorkingDir: serviceDir,
    outdir: staging,
    metafile: true,
  }).catch(async (error: unknown) => {
    await rm(staging, { recursive: true, force: true });
    throw error;
  });
  const inputs = Object.fromEntries(
    Object.keys(result.metafile.inputs)
      .sort()
      .map((file) => [file, sha256(readFileSync(join(serviceDir, file)))]),
  );
  const recorded: Recorded = { key, inputs };
  await writeFile(join(staging, INPUTS), JSON.stringify(recorded, null, 1));
  const target = join(serviceDir, `${PREFIX}${sha256(JSON.stringify(recorded)).slice(0, 16)}`);
  try {
    await rename(staging, target);
  } catch (error) {
    // Another run built the same at the same time.
    if (!existsSync(join(target, INPUTS))) throw error;
    await rm(staging, { recursive: true, force: true });
  }
  for (const dir of builds) {
    if (dir !== target) await rm(dir, { recursive: true, force: true });
  }
  return target;
}
