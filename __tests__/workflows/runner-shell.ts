import { spawnSync, type SpawnSyncReturns } from "node:child_process";

/**
 * Runs `script` as a GitHub-hosted runner runs a `run:` step: `bash --noprofile --norc -eo
 * pipefail`, with exactly `env`. Without --norc, bash would source ~/.bashrc here: Node gives the
 * child a socket for stdin, and Debian's bash takes that for a remote shell (on this machine the
 * rc file ran `pyenv init`, 0.2 s a call).
 */
export function runAsRunner(
  script: string,
  options: { cwd: string; env: NodeJS.ProcessEnv },
): SpawnSyncReturns<string> {
  const result = spawnSync("bash", ["--noprofile", "--norc", "-eo", "pipefail", "-c", script], {
    cwd: options.cwd,
    encoding: "utf8",
    env: options.env,
  });
  if (result.error) throw new Error(`bash missing? ${result.error.message}`);
  return result;
}
