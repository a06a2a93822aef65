// The versioning half of `npx projen release`, run in a clone of this repository: the bump from the
// commit messages (and RELEASE_AS), the version reset, the CHANGELOG.md entry, the release commit
// and the tag, and the entry the release workflow requires of a tag and publishes as its notes. The build in between is the
// rest of the suite; test/release/packed/ checks what it packs.
import { execFileSync, spawnSync } from 'child_process';
import * as fs from 'fs';
import * as os from 'os';
import * as path from 'path';

const ROOT = path.resolve(__dirname, '..', '..');
/** The generated files the tasks come from, as in this working tree (perhaps not committed yet). */
const OVERLAY = ['.projen/tasks.json', 'package.json'];
/** A changelog with one earlier release, in place of the repository's (whose entries grow). */
const EARLIER_CHANGELOG = '## 0.0.9 (2020-01-01)\n\n### Bug Fixes\n\n* an earlier fix\n';
const GIT_ENV = {
  GIT_AUTHOR_NAME: 'Release Test',
  GIT_AUTHOR_EMAIL: 'release@example.com',
  GIT_COMMITTER_NAME: 'Release Test',
  GIT_COMMITTER_EMAIL: 'release@example.com',
};

let clone: string;
const env = (extra: Record<string, string> = {}) => ({ ...process.env, ...GIT_ENV, RELEASE_AS: '', ...extra });
const git = (...args: string[]) => execFileSync('git', args, { cwd: clone, encoding: 'utf8', env: env() }).trim();
const projen = (task: string, extra: Record<string, string> = {}) => {
  const r = spawnSync(path.join(clone, 'node_modules', '.bin', 'projen'), [task], { cwd: clone, encoding: 'utf8', env: env(extra) });
  if (r.status !== 0) throw new Error(`projen ${task} failed (${r.status}):\n${r.stdout}\n${r.stderr}`);
};
const read = (file: string) => fs.readFileSync(path.join(clone, file), 'utf8');
const version = () => JSON.parse(read('package.json')).version as string;
const commit = (subject: string) => {
  fs.appendFileSync(path.join(clone, 'LICENSE'), '\n');
  git('commit', '--quiet', '--all', '--message', subject);
};

/** The CHANGELOG.md entry of a version, as the release workflow reads it (undefined: none). */
function entry(v: string): string | undefined {
  const r = spawnSync('bash', [path.join(ROOT, 'tools', 'release', 'changelog-entry.sh'), v, path.join(clone, 'CHANGELOG.md')], { encoding: 'utf8' });
  return r.status === 0 ? r.stdout : undefined;
}

beforeAll(() => {
  clone = fs.mkdtempSync(path.join(os.tmpdir(), 'release-command-'));
  execFileSync('git', ['clone', '--quiet', '--no-tags', ROOT, clone]);
  for (const file of OVERLAY) fs.copyFileSync(path.join(ROOT, file), path.join(clone, file));
  fs.writeFileSync(path.join(clone, 'CHANGELOG.md'), EARLIER_CHANGELOG);
  fs.symlinkSync(path.join(ROOT, 'node_modules'), path.join(clone, 'node_modules'));
  git('add', ...OVERLAY, 'CHANGELOG.md');
  git('commit', '--quiet', '--allow-empty', '--message', 'chore: the working tree under test');
});
afterAll(() => fs.rmSync(clone, { recursive: true, force: true }));

test('the first release takes RELEASE_AS, writes its entry on top of CHANGELOG.md, commits and tags it', () => {
  expect(version()).toBe('0.0.0');
  projen('bump', { RELEASE_AS: '0.1.0' });
  expect(version()).toBe('0.1.0');
  expect(read('dist/releasetag.txt')).toBe('v0.1.0');
  projen('unbump');
  expect(version()).toBe('0.0.0');
  expect(entry('0.1.0')).toBeUndefined();
  projen('publish:git');
  expect(read('CHANGELOG.md')).toMatch(/^\n*## 0\.1\.0 \(\d{4}-\d\d-\d\d\)\n/);
  expect(read('CHANGELOG.md').endsWith(EARLIER_CHANGELOG)).toBe(true);
  expect(git('log', '-1', '--format=%s')).toBe('chore(release): 0.1.0');
  expect(git('describe', '--exact-match', '--tags')).toBe('v0.1.0');
  expect(git('status', '--porcelain', '--untracked-files=no')).toBe('');
  // The tag the release workflow publishes has its entry (empty: no feat or fix commits); a tag
  // made by hand has none.
  expect(entry('0.1.0')?.trim()).toBe('');
  expect(entry('0.0.9')).toBe('\n### Bug Fixes\n\n* an earlier fix\n');
  expect(entry('0.1.1')).toBeUndefined();
});

test('the next version follows the commits, and their feat and fix subjects are its changelog', () => {
  commit('feat: a construct for a new receiver type');
  commit('fix(server): an empty body answers 400');
  commit('an untyped commit');
  projen('bump');
  // 0.y.z: a feature raises z (a breaking change would raise y).
  expect(version()).toBe('0.1.1');
  const written = read('dist/changelog.md');
  expect(written).toMatch(/^#+ \[0\.1\.1\]\(https:\/\/github\.com\/cdk8s-flux-webhooks\/cdk8s-flux-webhooks\/compare\/v0\.1\.0\.\.\.v0\.1\.1\)/m);
  expect(written).toContain('* a construct for a new receiver type');
  expect(written).toContain('* **server:** an empty body answers 400');
  expect(written).not.toContain('untyped');
  projen('unbump');
  projen('publish:git');
  // The release notes of v0.1.1: its own entry only.
  const notes = entry('0.1.1')!;
  expect(notes).toMatch(/### Features\n\n\* a construct for a new receiver type .*\n\n### Bug Fixes\n\n\* \*\*server:\*\* an empty body answers 400 /);
  expect(notes).not.toMatch(/0\.1\.0|earlier fix/);
});

test('a breaking change raises the second number of a 0.y.z version', () => {
  commit('feat!: receivers are named after their construct path');
  projen('bump');
  expect(version()).toBe('0.2.0');
  projen('unbump');
});
