// Publishing rehearsed with the artifacts of this release, without real credentials: `npm publish
// --dry-run` of the tarball, `twine check` of the wheel and sdist, and the image pushed with the
// release's own script (tools/release/publish-image.sh) to a registry on loopback, then pulled back
// by tag and by digest and run. Like `npm install`, it needs the npm registry (the dry run reads
// it) and PyPI for twine's first install, or caches of them.
import { execFileSync, spawnSync } from 'child_process';
import * as fs from 'fs';
import * as os from 'os';
import { join } from 'path';
import { LoopbackRegistry, startRegistry } from '../../harness/registry';
import { defaultImage, disagreements, imageBinFact, NPM_NAME } from '../version-facts';

const ROOT = join(__dirname, '..', '..', '..');
const VERSION: string = JSON.parse(fs.readFileSync(join(ROOT, 'package.json'), 'utf8')).version;
const LAYOUT = join(ROOT, 'image', 'out');
// The twine publib-pypi installs for the upload (`twine<6.2.0`).
const TWINE_VERSION = '6.1.0';
const MB = 1024 * 1024;

let work: string;
beforeAll(() => {
  work = fs.mkdtempSync(join(os.tmpdir(), 'release-rehearsal-'));
});
afterAll(() => fs.rmSync(work, { recursive: true, force: true }));

test('npm publish --dry-run accepts the tarball as this version, a pre-release under the tag next', () => {
  const r = spawnSync('bash', [join(ROOT, 'tools', 'release', 'publish-npm.sh'), '--dry-run'], { encoding: 'utf8', env: { ...process.env, NPM_DIST_TAG: '' } });
  expect(r.status).toBe(0);
  expect(r.stdout.trim().split('\n').pop()).toBe(`+ ${NPM_NAME}@${VERSION}`);
  expect(r.stderr).toContain(`with tag ${VERSION.includes('-') ? 'next' : 'latest'} and public access (dry-run)`);
});

/** twine in a virtualenv of its own, kept in the cache between runs. */
function twine(): string {
  const cache = join(process.env.XDG_CACHE_HOME ?? join(os.homedir(), '.cache'), 'cdk8s-flux-webhooks', 'twine', TWINE_VERSION);
  // A virtualenv's scripts name its own path, so it is made in place; the marker says it is whole.
  if (!fs.existsSync(join(cache, '.complete'))) {
    fs.rmSync(cache, { recursive: true, force: true });
    execFileSync('python3', ['-m', 'venv', cache]);
    execFileSync(join(cache, 'bin', 'pip'), ['install', '--quiet', '--disable-pip-version-check', `twine==${TWINE_VERSION}`]);
    fs.writeFileSync(join(cache, '.complete'), '');
  }
  return join(cache, 'bin', 'twine');
}

test('twine check passes the wheel and the sdist (the metadata PyPI renders)', () => {
  const dist = join(ROOT, 'dist', 'python');
  const files = fs.readdirSync(dist).filter((f) => f.endsWith('.whl') || f.endsWith('.tar.gz')).map((f) => join(dist, f));
  expect(files).toHaveLength(2);
  const out = execFileSync(twine(), ['check', '--strict', ...files], { encoding: 'utf8' });
  expect(out.match(/PASSED/g)).toHaveLength(2);
});

describe('the image, pushed to a registry on loopback and pulled back', () => {
  let registry: LoopbackRegistry;
  let repository: string;
  let pushedDigest: string;
  let pushOutput: string;
  const REHEARSAL_TOKEN = 'rehearsal-token-0f9a7c';
  const indexDigest = () => JSON.parse(fs.readFileSync(join(LAYOUT, 'build-info.json'), 'utf8')).indexDigest as string;
  const skopeo = (...args: string[]) => execFileSync('skopeo', args, { encoding: 'utf8', maxBuffer: 16 * MB });

  beforeAll(async () => {
    registry = await startRegistry(join(work, 'registry'));
    repository = `${registry.host}/${defaultImage(VERSION).replace(/^[^/]+\//, '').replace(/:[^:]+$/, '')}`;
    const digestFile = join(work, 'pushed-digest');
    // With credentials, as a release pushes (the loopback registry takes any login).
    const push = spawnSync('bash', [join(ROOT, 'tools', 'release', 'publish-image.sh'), '--repository', repository, '--digest-file', digestFile, '--dest-tls-verify=false'], {
      encoding: 'utf8', env: { ...process.env, IMAGE_REGISTRY_USERNAME: 'rehearsal', IMAGE_REGISTRY_PASSWORD: REHEARSAL_TOKEN },
    });
    pushOutput = push.stdout + push.stderr;
    if (push.status !== 0) throw new Error(`publish-image.sh failed (${push.status}):\n${pushOutput}`);
    pushedDigest = fs.readFileSync(digestFile, 'utf8').trim();
  }, 300_000);
  afterAll(async () => registry?.stop());

  test('the registry holds the index the build made, under the version tag, and the token was never printed', () => {
    expect(pushOutput).toContain(`pushed ${repository}:v${VERSION} (${pushedDigest})`);
    expect(pushOutput).not.toContain(REHEARSAL_TOKEN);
    expect(pushedDigest).toBe(indexDigest());
    const raw = JSON.parse(skopeo('inspect', '--raw', '--tls-verify=false', `docker://${repository}:v${VERSION}`));
    expect(raw.manifests.map((m: { platform: { architecture: string } }) => m.platform.architecture).sort()).toEqual(['amd64', 'arm64']);
  });

  test.each(['tag', 'digest'])('pulled by %s, it runs and prints the version', (by) => {
    const source = by === 'tag' ? `${repository}:v${VERSION}` : `${repository}@${pushedDigest}`;
    const pulled = join(work, `pulled-by-${by}`);
    skopeo('copy', '--quiet', '--all', '--src-tls-verify=false', `docker://${source}`, `oci:${pulled}:pulled`);
    const fact = imageBinFact(pulled, VERSION, join(work, `rootfs-${by}`), 'pulled');
    expect(disagreements([fact])).toEqual([]);
  });
});
