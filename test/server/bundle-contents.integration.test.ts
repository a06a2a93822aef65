// What the bundle runs at start-up in files mode: the modules reachable from server/main.ts through
// static imports and requires (dynamic `import()` is how cluster mode, the CLI commands and the
// token verifiers load on demand; server/build.mjs bundles the first two apart, as the on-demand
// chunk). client-node's generated typed API (every model, ObjectSerializer, every *Api class) costs
// idle RSS (docs/benchmarks.md, "Memory at rest") and files mode does not use it: this fails when an import brings it back
// into start-up (e.g. importing KubeConfig from the package index, or a client-node update that
// server/build.mjs's config-slice plugin no longer covers), or into the part V8 parses at start-up. Likewise ajv's
// schema compiler: the bundle carries its validators precompiled (bundle-validators.integration.test.ts checks
// they judge as the sources do).
import * as fs from 'fs';
import * as os from 'os';
import * as path from 'path';
import { runServerBuild } from '../harness/server-bundle';

const ROOT = path.join(__dirname, '..', '..');
const CLIENT_NODE = 'node_modules/@kubernetes/client-node/dist/';

interface BuildMetafiles {
  /** server.cjs itself. */
  readonly server: Metafile;
  /** The on-demand chunk embedded in it. */
  readonly onDemand: Metafile;
}

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
  let onDemand: Metafile;

  beforeAll(() => {
    const file = path.join(fs.mkdtempSync(path.join(os.tmpdir(), 'bundle-meta-')), 'meta.json');
    runServerBuild(ROOT, ['--metafile', file]);
    ({ server: meta, onDemand } = JSON.parse(fs.readFileSync(file, 'utf8')) as BuildMetafiles);
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

  test('the typed API is bundled only in the on-demand chunk (cluster mode, CLI commands), which start-up does not parse', () => {
    const chunk = Object.values(onDemand.outputs).find((o) => o.entryPoint)!.inputs;
    for (const file of [`${CLIENT_NODE}gen/models/ObjectSerializer.js`, `${CLIENT_NODE}gen/apis/CoreV1Api.js`, `${CLIENT_NODE}gen/apis/CustomObjectsApi.js`,
      'server/receivers/cluster/cluster-receiver-source.ts', 'server/commands/_cluster.ts']) {
      expect(chunk[file]?.bytesInOutput).toBeGreaterThan(0);
    }
    const server = Object.keys(Object.values(meta.outputs).find((o) => o.entryPoint === 'server/main.ts')!.inputs);
    expect(server.filter((f) => isGeneratedApi(f) || f.startsWith('server/receivers/cluster/') || /^server\/commands\/(token|url|send|register|_cluster|senders\/.*)\.ts$/.test(f))).toEqual([]);
    expect(chunk['server/commands/register.ts']?.bytesInOutput).toBeGreaterThan(0);
    // Likewise node-fetch (only the typed API and watches use it) and the SOCKS proxy agent (only
    // for a socks:// proxy-url; bundle-socks-proxy.integration.test.ts).
    expect(chunk['node_modules/node-fetch/lib/index.js']?.bytesInOutput).toBeGreaterThan(0);
    expect(chunk['node_modules/socks-proxy-agent/dist/index.js']?.bytesInOutput).toBeGreaterThan(0);
    expect(server.filter((f) => /node_modules\/(node-fetch|socks|socks-proxy-agent|ip-address|smart-buffer)\//.test(f))).toEqual([]);
    // The commands' usage error is handed to the chunk, not bundled twice: server/main.ts recognises it by class.
    expect(server).toContain('server/commands/flags.ts');
    // (in the chunk, that module is one line taking the bundle's copy)
    expect(chunk['server/commands/flags.ts'].bytesInOutput).toBeLessThan(100);
  });

  test("start-up loads no ajv compiler: only the precompiled validators' runtime helpers", () => {
    const ajvFiles = [...startUpModules(meta, 'server/main.ts')].filter((f) => /node_modules\/ajv(-formats)?\//.test(f)).sort();
    expect(ajvFiles).toEqual(['node_modules/ajv-formats/dist/formats.js', 'node_modules/ajv/dist/runtime/ucs2length.js']);
  });

  test("node-fetch gets Node's URL class, not whatwg-url and tr46's mapping table", () => {
    const bundled = [meta, onDemand].flatMap((m) => Object.keys(Object.values(m.outputs).find((o) => o.entryPoint)!.inputs));
    expect(bundled).toContain('node_modules/node-fetch/lib/index.js');
    expect(bundled.filter((f) => /node_modules\/(whatwg-url|tr46|punycode)\//.test(f))).toEqual([]);
  });
});
