import { homedir } from "node:os";
import { join } from "node:path";

/**
 * The project's cache directory outside the repository, as the repository's install scripts
 * compute it (scripts/install-moto.sh): moto's virtualenv and PGlite's initialized cluster live there.
 */
export function cacheDir(env: NodeJS.ProcessEnv = process.env): string {
  return (
    env.PLATFORM_CACHE_DIR ??
    join(env.XDG_CACHE_HOME ?? join(homedir(), ".cache"), "fargate-platform")
  );
}
