// The bundled receiver server (`node server/build.mjs`): the file the package's bin and the
// image run, which tests start as a real process.
import { execFileSync } from 'child_process';
import * as path from 'path';
import { REPO_ROOT } from './apiserver';

export const SERVER_BUNDLE = path.join(REPO_ROOT, 'assets', 'receiver-server', 'server.cjs');

let built = false;

/** Builds the bundle from the current sources, once per test file. */
export function buildServerBundle(): void {
  if (built) return;
  runServerBuild(REPO_ROOT);
  built = true;
}

/**
 * Runs `server/build.mjs` in `root` (a checkout; the repository by default), with `args` such as
 * `--metafile <file>`; `env` replaces the environment.
 */
export function runServerBuild(root: string, args: readonly string[] = [], env: NodeJS.ProcessEnv = process.env): void {
  execFileSync(process.execPath, [path.join(root, 'server', 'build.mjs'), ...args], { cwd: root, env, stdio: 'pipe' });
}
