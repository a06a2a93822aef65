// The GitHub Actions workflows (generated from .projenrc.ts) are valid for actionlint (built from
// the Go module proxy, test/harness/actionlint/), and run what the repository says they run: the
// pull-request build the CI entry point, the release workflow on a version tag the release suite,
// the publish tasks and a GitHub release with the tag's changelog entry.
import { execFileSync, spawnSync } from 'child_process';
import * as fs from 'fs';
import * as os from 'os';
import * as path from 'path';
import { parse } from 'yaml';

const ROOT = path.resolve(__dirname, '..', '..');
const WORKFLOWS = path.join(ROOT, '.github', 'workflows');
const tasks: Record<string, unknown> = JSON.parse(fs.readFileSync(path.join(ROOT, '.projen', 'tasks.json'), 'utf8')).tasks;

let actionlint: string;
beforeAll(() => {
  const out = execFileSync('bash', [path.join(ROOT, 'test', 'harness', 'actionlint', 'build.sh')], { encoding: 'utf8', stdio: ['ignore', 'pipe', 'inherit'] });
  actionlint = path.join(out.trim().split('\n').pop()!, 'actionlint');
}, 600_000);

function lint(files: readonly string[]): { status: number | null; output: string } {
  // -shellcheck= and -pyflakes=: the same result whether or not those happen to be installed.
  const r = spawnSync(actionlint, ['-no-color', '-shellcheck=', '-pyflakes=', ...files], { cwd: ROOT, encoding: 'utf8' });
  return { status: r.status, output: r.stdout + r.stderr };
}

function workflow(name: string): any {
  return parse(fs.readFileSync(path.join(WORKFLOWS, `${name}.yml`), 'utf8'));
}

function runs(wf: any): string[] {
  return Object.values(wf.jobs).flatMap((job: any) => job.steps.map((s: any) => s.run).filter(Boolean));
}

test('actionlint finds nothing in .github/workflows', () => {
  const files = fs.readdirSync(WORKFLOWS).filter((f) => f.endsWith('.yml')).map((f) => path.join(WORKFLOWS, f));
  expect(files.map((f) => path.basename(f)).sort()).toEqual(['build.yml', 'pull-request-lint.yml', 'release.yml']);
  expect(lint(files)).toEqual({ status: 0, output: '' });
});

test('actionlint refuses a workflow with a bad expression and an unknown runner label', () => {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'workflows-'));
  const bad = path.join(dir, 'bad.yml');
  fs.writeFileSync(bad, 'on: push\njobs:\n  x:\n    runs-on: ubuntu-latst\n    steps:\n      - run: echo ${{ github.nope }}\n');
  const { status, output } = lint([bad]);
  fs.rmSync(dir, { recursive: true, force: true });
  expect(status).toBe(1);
  expect(output).toMatch(/label "ubuntu-latst" is unknown/);
  expect(output).toMatch(/property "nope" is not defined/);
});

test('pull requests and main build with the CI entry point', () => {
  const wf = workflow('build');
  expect(Object.keys(wf.on)).toEqual(expect.arrayContaining(['pull_request', 'push']));
  expect(wf.on.push.branches).toEqual(['main']);
  expect(runs(wf).filter((r) => r.includes('bash .ci/run'))).toHaveLength(1);
});

test('a version tag publishes after the release suite, with tasks that exist', () => {
  const wf = workflow('release');
  expect(wf.on).toEqual({ push: { tags: ['v*.*.*'] } });
  const commands = runs(wf).join('\n');
  const used = [...commands.matchAll(/npx projen ([\w:-]+)/g)].map((m) => m[1]);
  expect(used).toEqual(expect.arrayContaining(['release:check', 'publish:npm', 'publish:pypi', 'publish:image']));
  expect(used.filter((t) => !(t in tasks))).toEqual([]);
  expect(used.indexOf('release:check')).toBeLessThan(used.indexOf('publish:npm'));
  // The tag's CHANGELOG.md entry is required before anything is built, and is the release's notes.
  expect(commands.indexOf('tools/release/changelog-entry.sh')).toBeGreaterThan(-1);
  expect(commands.indexOf('tools/release/changelog-entry.sh')).toBeLessThan(commands.indexOf('npx projen compile'));
  expect(commands).toMatch(/gh release create "\$TAG" --verify-tag .*--notes-file/);
});
