// Prometheus' promtool (built from the Go module proxy by promtool/build.sh): `check rules` parses
// rule files with Prometheus' own PromQL parser, `test rules` is Prometheus' rule unit tester.
import { execFileSync, spawnSync } from 'child_process';
import * as fs from 'fs';
import * as os from 'os';
import * as path from 'path';
import { stringify } from 'yaml';

let binary: string | undefined;

/** Builds promtool if it is not cached (a first build takes about 11 minutes on 2 cores) and returns the binary. */
export function promtoolBinary(): string {
  if (binary) return binary;
  const out = execFileSync('bash', [path.join(__dirname, 'promtool', 'build.sh')], { encoding: 'utf8', stdio: ['ignore', 'pipe', 'inherit'] });
  binary = path.join(out.trim().split('\n').pop()!, 'promtool');
  return binary;
}

export interface PromtoolResult {
  readonly status: number | null;
  readonly output: string;
}

/**
 * Runs `promtool <args…>` in a temporary directory holding `files` (name → object, written as
 * YAML), e.g. `check rules rules.yaml` or `test rules tests.yaml`.
 */
export function promtool(args: readonly string[], files: Readonly<Record<string, unknown>>): PromtoolResult {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'promtool-'));
  try {
    for (const [name, content] of Object.entries(files)) fs.writeFileSync(path.join(dir, name), stringify(content, { lineWidth: 0 }));
    const res = spawnSync(promtoolBinary(), args, { cwd: dir, encoding: 'utf8', timeout: 120_000 });
    return { status: res.status, output: `${res.stdout}${res.stderr}` };
  } finally {
    fs.rmSync(dir, { recursive: true, force: true });
  }
}
