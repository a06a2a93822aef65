// The repository stands on its own: the CRDs and the Flux install fixture it needs are vendored
// with their provenance, nothing reads a folder beside the clone, and the bundle and the generated
// L1 classes come out of a copy placed where no such folder exists.
import { execFileSync } from 'child_process';
import { createHash } from 'crypto';
import * as fs from 'fs';
import * as os from 'os';
import * as path from 'path';
import { parseAllDocuments } from 'yaml';
import { runServerBuild } from '../harness/server-bundle';

const ROOT = path.resolve(__dirname, '..', '..');
const CRDS = path.join(ROOT, 'crds');

/** Tracked files plus new ones not ignored: what a commit of this working tree would hold. */
function repositoryFiles(): string[] {
  return execFileSync('git', ['ls-files', '-z', '--cached', '--others', '--exclude-standard'], { cwd: ROOT, encoding: 'utf8' })
    .split('\0').filter((f) => f && fs.existsSync(path.join(ROOT, f)));
}

describe('vendored CRDs', () => {
  const yamlFiles = fs.readdirSync(CRDS).filter((f) => f.endsWith('.yaml')).sort();

  test('every file matches its pinned checksum and every pinned file is there', () => {
    const pinned = fs.readFileSync(path.join(CRDS, 'SHA256SUMS'), 'utf8').trim().split('\n')
      .map((line) => line.split(/\s+/)).map(([sum, file]) => ({ sum, file }));
    expect(pinned.map((p) => p.file).sort()).toEqual(yamlFiles);
    for (const { sum, file } of pinned) {
      expect({ file, sum: createHash('sha256').update(fs.readFileSync(path.join(CRDS, file))).digest('hex') }).toEqual({ file, sum });
    }
  });

  test('every file has a provenance row naming its upstream commit, and is a CRD of the group it is named after', () => {
    const readme = fs.readFileSync(path.join(CRDS, 'README.md'), 'utf8');
    for (const file of yamlFiles) {
      const row = readme.split('\n').find((l) => l.startsWith(`| \`${file}\``));
      expect({ file, row: row !== undefined }).toEqual({ file, row: true });
      const [doc] = parseAllDocuments(fs.readFileSync(path.join(CRDS, file), 'utf8')).map((d) => d.toJS());
      expect(doc.kind).toBe('CustomResourceDefinition');
      expect(`${doc.spec.group}_${doc.spec.names.plural}.yaml`).toBe(file);
    }
    // Rows without a file would be stale provenance.
    const rows = [...readme.matchAll(/^\| `([^`]+\.yaml)`/gm)].map((m) => m[1]).sort();
    expect(rows).toEqual(yamlFiles);
  });

  test('the Flux install fixture carries its provenance and holds notification-controller\'s objects', () => {
    const file = path.join(ROOT, 'test', 'fixtures', 'flux-install', 'flux-v2.9.4-flux-system.yaml');
    const text = fs.readFileSync(file, 'utf8');
    expect(text).toMatch(/^# .*Flux v2\.9\.4/m);
    expect(text).toMatch(/fluxcd\/notification-controller v1\.9\.3/);
    const objects = parseAllDocuments(text).map((d) => d.toJS()).map((o) => `${o.kind}/${o.metadata.name}`);
    expect(objects).toEqual(expect.arrayContaining([
      'Namespace/flux-system', 'ServiceAccount/notification-controller', 'Deployment/notification-controller',
      'Service/notification-controller', 'Service/webhook-receiver', 'NetworkPolicy/allow-webhooks',
    ]));
  });
});

describe('no path outside the repository', () => {
  test('no tracked file reads the shared folder beside the clone', () => {
    // Built from parts so this file does not match itself.
    const patterns = [new RegExp(['\\.\\.', 'shared'].join('/')), new RegExp(["'shared'", " 'crds'"].join(','))];
    const offenders = repositoryFiles()
      .filter((f) => !/\.(png|tgz|gz)$/.test(f) && f !== 'package-lock.json')
      .filter((f) => patterns.some((p) => p.test(fs.readFileSync(path.join(ROOT, f), 'utf8'))));
    expect(offenders).toEqual([]);
  });

  test('a copy with no shared folder beside it bundles the server and regenerates the same L1 classes', () => {
    const tmp = fs.mkdtempSync(path.join(os.tmpdir(), 'self-contained-'));
    try {
      const copy = path.join(tmp, 'clone');
      expect(fs.existsSync(path.join(tmp, 'shared'))).toBe(false);
      for (const f of repositoryFiles()) {
        fs.mkdirSync(path.dirname(path.join(copy, f)), { recursive: true });
        fs.copyFileSync(path.join(ROOT, f), path.join(copy, f));
      }
      fs.symlinkSync(path.join(ROOT, 'node_modules'), path.join(copy, 'node_modules'));
      const env = { ...process.env };
      delete env.FLUX_WEBHOOKS_CRD_DIR;

      runServerBuild(copy, [], env);
      const bundle = fs.readFileSync(path.join(copy, 'assets', 'receiver-server', 'server.cjs'), 'utf8');
      // A description that only the Receiver CRD's schema holds: the schema was inlined.
      expect(bundle).toContain('SecretRef specifies the Secret containing the token used');

      execFileSync('bash', ['tools/import-crds.sh'], { cwd: copy, env, stdio: 'pipe' });
      const imports = fs.readdirSync(path.join(ROOT, 'src', 'imports')).sort();
      expect(fs.readdirSync(path.join(copy, 'src', 'imports')).sort()).toEqual(imports);
      for (const f of imports) {
        const same = fs.readFileSync(path.join(copy, 'src', 'imports', f), 'utf8') === fs.readFileSync(path.join(ROOT, 'src', 'imports', f), 'utf8');
        expect({ file: f, upToDate: same }).toEqual({ file: f, upToDate: true });
      }
    } finally {
      fs.rmSync(tmp, { recursive: true, force: true });
    }
  });
});
