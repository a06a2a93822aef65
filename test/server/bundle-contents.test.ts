// What the bundle runs at start-up in files mode: the modules reachable from server/main.ts through
// static imports and requires (dynamic `import()` is how cluster mode, the CLI commands and the
// token verifiers load on demand). client-node's generated typed API (every model, ObjectSerializer,
// every *Api class) costs about 30 MB of idle RSS and files mode does not use it: this fails when
// an import brings it back into start-up (e.g. importing KubeConfig from the package index, or a
// client-node update that server/build.mjs's config-slice plugin no longer covers). Likewise ajv's
// schema compiler: the bundle carries its validators precompiled (bundle-validators.test.ts checks
// they judge as the sources do).
import { execFileSync } from 'child_process';
import * as fs from 'fs';
import * as os from 'os';
import * as path from 'path';

const ROOT = path.join(__dirname, '..', '..');
const CLIENT_NODE = 'node_modules/@kubernetes/client-node/dist/';

interface Metafile {
  readonly inputs: Record<string, { readonly imports: readonly { readonly path: string; readonly kind: string; readonly external?: boolean }[] }>;
  readonly outputs: Record<string, { readonly entryPoint?: string; readonly inputs: Record<string, { readonly bytesInOutput: number }> }>;
}

/** Inputs reachable from `entry` without crossing a dynamic import. */
function startUpModules(meta: Metafile, entry: string): Set<string> {
  const seen = new Set<string>();
  const pending = [entry];
  while (pending.length > 0) {
    const file = pending.pop()!;
    if (seen.has(file) || !meta.inputs[file]) continue;
    seen.add(file);
    for (const imported of meta.inputs[file].imports) {
      if (imported.kind !== 'dynamic-import' && !imported.external) pending.push(imported.path);
    }
  }
  return seen;
}

/** The generated layer: models (ObjectSerializer), the *Api classes, their object-parameter wrappers. */
const isGeneratedApi = (file: string): boolean => /client-node\/dist\/(index\.js$|gen\/(index\.js|models\/|apis\/|types\/))/.test(file);

describe('bundle contents', () => {
  let meta: Metafile;

  beforeAll(() => {
    const file = path.join(fs.mkdtempSync(path.join(os.tmpdir(), 'bundle-meta-')), 'meta.json');
    execFileSync(process.execPath, [path.join(ROOT, 'server', 'build.mjs'), '--metafile', file], { cwd: ROOT, stdio: 'pipe' });
    meta = JSON.parse(fs.readFileSync(file, 'utf8')) as Metafile;
  });

  test("files-mode start-up loads client-node's KubeConfig but not its generated typed API", () => {
    const startUp = [...startUpModules(meta, 'server/main.ts')];
    expect(startUp).toContain('server/kube/kube-client.ts');
    expect(startUp).toContain(`${CLIENT_NODE}config.js`);
    expect(startUp.filter(isGeneratedApi)).toEqual([]);
    // Only the two modules config.js takes from the generated layer (and what they import).
    expect(startUp.filter((f) => f.includes(`${CLIENT_NODE}gen/`)).map((f) => f.slice(f.indexOf(CLIENT_NODE) + CLIENT_NODE.length)).sort()).toEqual([
      'gen/auth/auth.js',
      'gen/config-slice.js',
      'gen/configuration.js',
      'gen/http/http.js',
      'gen/http/isomorphic-fetch.js',
      'gen/middleware.js',
      'gen/rxjsStub.js',
      'gen/servers.js',
    ]);
  });

  test('the typed API is still bundled for what loads on demand (cluster mode, CLI commands)', () => {
    const bundled = Object.values(meta.outputs).find((o) => o.entryPoint === 'server/main.ts')!.inputs;
    for (const file of [`${CLIENT_NODE}gen/models/ObjectSerializer.js`, `${CLIENT_NODE}gen/apis/CoreV1Api.js`, `${CLIENT_NODE}gen/apis/CustomObjectsApi.js`]) {
      expect(bundled[file]?.bytesInOutput).toBeGreaterThan(0);
    }
    // Reached through the dynamic imports of cluster mode and the commands, not at start-up.
    const startUp = startUpModules(meta, 'server/main.ts');
    expect(startUp.has('server/receivers/cluster/cluster-receiver-source.ts')).toBe(false);
    expect(startUp.has('server/commands/_cluster.ts')).toBe(false);
    expect(startUp.has(`${CLIENT_NODE}gen/models/ObjectSerializer.js`)).toBe(false);
  });

  test("start-up loads no ajv compiler: only the precompiled validators' runtime helpers", () => {
    const ajvFiles = [...startUpModules(meta, 'server/main.ts')].filter((f) => /node_modules\/ajv(-formats)?\//.test(f)).sort();
    expect(ajvFiles).toEqual(['node_modules/ajv-formats/dist/formats.js', 'node_modules/ajv/dist/runtime/ucs2length.js']);
  });

  test("node-fetch gets Node's URL class, not whatwg-url and tr46's mapping table", () => {
    const bundled = Object.keys(Object.values(meta.outputs).find((o) => o.entryPoint === 'server/main.ts')!.inputs);
    expect(bundled).toContain('node_modules/node-fetch/lib/index.js');
    expect(bundled.filter((f) => /node_modules\/(whatwg-url|tr46|punycode)\//.test(f))).toEqual([]);
  });
});
