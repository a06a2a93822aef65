// Bundles the receiver server into one CommonJS file with esbuild. The bundle is shipped in
// the npm package (bin `flux-webhook-receiver`) and copied into the container image.
import { build } from 'esbuild';
import { mkdirSync, readFileSync, renameSync, writeFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { brotliCompressSync } from 'node:zlib';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { parse as parseYaml } from 'yaml';

const root = join(dirname(fileURLToPath(import.meta.url)), '..');
const version = JSON.parse(readFileSync(join(root, 'package.json'), 'utf8')).version;
const outfile = join(root, 'assets', 'receiver-server', 'server.cjs');

// The Receiver CRD's v1 schema is inlined (files-mode validation) from the vendored crds/.
const crdDir = resolve(root, process.env.FLUX_WEBHOOKS_CRD_DIR || 'crds');
const crd = parseYaml(readFileSync(join(crdDir, 'notification.toolkit.fluxcd.io_receivers.yaml'), 'utf8'));
const receiverSchema = crd.spec.versions.find((v) => v.name === 'v1').schema.openAPIV3Schema;

// The ajv validators (the Receiver schema with the extension types, which files mode checks at
// start-up; the CDEvents envelope) are generated here as standalone code by the server's own
// compile functions, and bundled in place of their modules: at run time the bundle neither loads
// ajv's compiler nor compiles a schema (idle RSS: docs/benchmarks.md, "Memory at rest"). Each replacement
// keeps the module's accessor and runs the generated code on the first call.
const PRECOMPILED = [
  {
    module: join(root, 'server', 'receivers', 'files', '_receiver-validator.ts'),
    accessor: 'receiverValidator',
    compile: (m) => m.compileReceiverValidator(m.withExtensionTypes(receiverSchema), true),
  },
  {
    module: join(root, 'server', 'providers', '_cdevents-validator.ts'),
    accessor: 'envelopeValidator',
    compile: (m) => m.compileEnvelopeValidator(m.ENVELOPE_SCHEMA, true),
  },
];
const codegen = await build({
  stdin: {
    contents: [
      `export { compileReceiverValidator } from ${JSON.stringify(PRECOMPILED[0].module)};`,
      `export { withExtensionTypes } from ${JSON.stringify(join(root, 'server', 'receivers', 'extension-types.ts'))};`,
      `export { compileEnvelopeValidator } from ${JSON.stringify(PRECOMPILED[1].module)};`,
      `export { ENVELOPE_SCHEMA } from ${JSON.stringify(join(root, 'server', 'providers', '_cdevents-schema.ts'))};`,
      "export { default as standaloneCode } from 'ajv/dist/standalone';",
    ].join('\n'),
    resolveDir: root,
    loader: 'ts',
  },
  bundle: true,
  platform: 'node',
  format: 'cjs',
  write: false,
  logLevel: 'warning',
});
const codegenModule = { exports: {} };
new Function('module', 'exports', 'require', codegen.outputFiles[0].text)(codegenModule, codegenModule.exports, createRequire(import.meta.url));
const precompiledSources = new Map(PRECOMPILED.map(({ module, accessor, compile }) => {
  const { ajv, validate } = compile(codegenModule.exports);
  // ajv's standalone code is a CommonJS module; its requires (ajv's runtime helpers, ajv-formats'
  // format checks) are bundled, and evaluated with it on the first call.
  const code = codegenModule.exports.standaloneCode(ajv, validate);
  return [module, [
    'let validate;',
    `export function ${accessor}() {`,
    `  validate ??= ((module) => {\n${code}\nreturn module.exports;\n})({ exports: {} });`,
    '  return validate;',
    '}',
    '',
  ].join('\n')];
}));
const precompiledValidators = {
  name: 'precompiled-validators',
  setup(b) {
    b.onLoad({ filter: /[\\/]_[a-z-]+-validator\.ts$/ }, (args) => (precompiledSources.has(args.path)
      ? { contents: precompiledSources.get(args.path), resolveDir: dirname(args.path), loader: 'js' }
      : undefined));
  },
};

// client-node's KubeConfig (dist/config.js) takes two names, createConfiguration and
// ServerConfiguration, from the generated API's index (dist/gen/index.js). That index re-exports
// every model, ObjectSerializer and every *Api class, and their module code (ObjectSerializer's
// type map of every model) has side effects esbuild must keep: importing KubeConfig alone would put
// the whole generated layer into start-up (idle RSS: docs/benchmarks.md, "Memory at rest"). This
// plugin points that one import at the two modules defining those names. Everything importing the
// package index (cluster mode, the CLI commands: the on-demand chunk below) still gets the full
// typed API. If a client-node update makes config.js import another name from there, esbuild
// fails the build ("No matching export"), and test/server/bundle-contents.integration.test.ts checks the result.
const clientNodeConfigSlice = {
  name: 'client-node-config-slice',
  setup(b) {
    const configModule = /[\\/]node_modules[\\/]@kubernetes[\\/]client-node[\\/]dist[\\/]config\.js$/;
    b.onResolve({ filter: /^\.\/gen\/index\.js$/ }, (args) => (configModule.test(args.importer)
      ? { path: join(dirname(args.importer), 'gen', 'config-slice.js'), namespace: 'client-node-config-slice' }
      : undefined));
    b.onLoad({ filter: /.*/, namespace: 'client-node-config-slice' }, (args) => ({
      contents: "export { createConfiguration } from './configuration.js';\nexport { ServerConfiguration } from './servers.js';\n",
      resolveDir: dirname(args.path),
      loader: 'js',
    }));
  },
};

// node-fetch 2 (client-node's HTTP library) takes its URL class from Node's `url` module and falls
// back to the whatwg-url package only where Node has none (`Url.URL || whatwgUrl.URL`). Node 20+
// always has one, so whatwg-url and tr46 (with its Unicode mapping table, loaded at start-up with
// KubeConfig; docs/benchmarks.md, "Memory at rest") would be dead weight: the bundle gets Node's URL in their place.
const nodeUrlForNodeFetch = {
  name: 'node-url-for-node-fetch',
  setup(b) {
    b.onResolve({ filter: /^whatwg-url$/ }, (args) => (/[\\/]node_modules[\\/]node-fetch[\\/]/.test(args.importer)
      ? { path: 'whatwg-url', namespace: 'node-url-for-node-fetch' }
      : undefined));
    b.onLoad({ filter: /.*/, namespace: 'node-url-for-node-fetch' }, () => ({ contents: "module.exports = { URL: require('url').URL };\n", loader: 'js' }));
  },
};

const common = {
  bundle: true,
  platform: 'node',
  target: 'node20',
  format: 'cjs',
  minify: true,
  keepNames: true,
  define: {
    'process.env.FLUX_WEBHOOKS_VERSION': JSON.stringify(version),
    'process.env.FLUX_WEBHOOKS_RECEIVER_SCHEMA': JSON.stringify(JSON.stringify(receiverSchema)),
  },
  // A require of Node's deprecated built-in punycode prints a DEP0040 warning on Node 22+, a
  // non-JSON line on stderr; any dependency reaching it gets the userland package of the same code
  // (the trailing slash skips the built-in). client-node's route to it, node-fetch's whatwg-url,
  // is replaced above, so today nothing does.
  alias: { punycode: 'punycode/' },
  metafile: true,
  logLevel: 'warning',
  write: false,
};

// What `serve` in files mode never runs: cluster mode and the CLI commands, with client-node's
// generated typed API (over half of the bundle); node-fetch, which KubeConfig imports for the typed
// API and watches; and the SOCKS proxy agent KubeConfig constructs only for a cluster whose
// proxy-url is socks://. Bundled apart and embedded in server.cjs, compressed, as a string that is
// unpacked and compiled on the first use, so start-up does not parse it (V8 parses every function
// of a script it loads, used or not; docs/benchmarks.md, "Memory at rest"). The modules it shares with the rest
// by identity (SHARED_WITH_ON_DEMAND) are handed over instead of bundled twice.
const ON_DEMAND = {
  cluster: join(root, 'server', 'receivers', 'cluster', 'cluster-receiver-source.ts'),
  token: join(root, 'server', 'commands', 'token.ts'),
  url: join(root, 'server', 'commands', 'url.ts'),
  send: join(root, 'server', 'commands', 'send.ts'),
  register: join(root, 'server', 'commands', 'register.ts'),
  socks: 'socks-proxy-agent',
  nodeFetch: 'node-fetch',
};
// UsageError is thrown by the commands and recognised (instanceof) by server/main.ts.
const SHARED_WITH_ON_DEMAND = { flags: join(root, 'server', 'commands', 'flags.ts') };
const onDemand = await build({
  ...common,
  stdin: {
    contents: Object.entries(ON_DEMAND).map(([name, file]) => `export * as ${name} from ${JSON.stringify(file)};`).join('\n'),
    resolveDir: root,
    loader: 'ts',
  },
  outfile: join(dirname(outfile), 'on-demand.cjs'),
  legalComments: 'eof',
  plugins: [clientNodeConfigSlice, precompiledValidators, nodeUrlForNodeFetch, {
    name: 'shared-with-on-demand',
    setup(b) {
      const shared = new Map(Object.entries(SHARED_WITH_ON_DEMAND).map(([name, file]) => [file, name]));
      b.onLoad({ filter: /\.ts$/ }, (args) => (shared.has(args.path)
        ? { contents: `module.exports = onDemandShared.${shared.get(args.path)};\n`, loader: 'js' }
        : undefined));
    },
  }],
});
const onDemandCode = onDemand.outputFiles.find((f) => f.path.endsWith('.cjs')).text;
const onDemandChunk = {
  name: 'on-demand-chunk',
  setup(b) {
    const names = new Map(Object.entries(ON_DEMAND).map(([name, file]) => [file.replace(/\.ts$/, ''), name]));
    b.onResolve({ filter: /^\./ }, (args) => {
      const name = args.kind === 'dynamic-import' ? names.get(join(args.resolveDir, args.path)) : undefined;
      return name ? { path: name, namespace: 'on-demand' } : undefined;
    });
    b.onLoad({ filter: /.*/, namespace: 'on-demand' }, (args) => ({
      contents: `module.exports = require('on-demand-chunk')().${args.path};\n`,
      resolveDir: root,
      loader: 'js',
    }));
    // Where client-node imports a package that lives in the chunk, it gets a stand-in forwarding
    // to the chunk's copy on first use.
    const forwardToChunk = (specifier, importer, lines) => {
      const namespace = `on-demand-${specifier}`;
      b.onResolve({ filter: new RegExp(`^${specifier}$`) }, (args) => (importer.test(args.importer) ? { path: specifier, namespace } : undefined));
      b.onLoad({ filter: /.*/, namespace }, () => ({ contents: [...lines, ''].join('\n'), resolveDir: root, loader: 'js' }));
    };
    // config.js's `new SocksProxyAgent(proxyUrl, options)` gets the chunk's class.
    forwardToChunk('socks-proxy-agent', /[\\/]@kubernetes[\\/]client-node[\\/]dist[\\/]config\.js$/, [
      'export class SocksProxyAgent {',
      '  constructor(...args) {',
      "    return new (require('on-demand-chunk')().socks.SocksProxyAgent)(...args);",
      '  }',
      '}',
    ]);
    // config.js's `new Headers()` and the typed API's `fetch(...)` get the chunk's node-fetch.
    forwardToChunk('node-fetch', /[\\/]@kubernetes[\\/]client-node[\\/]dist[\\/](config|gen[\\/]http[\\/]isomorphic-fetch)\.js$/, [
      'export class Headers {',
      '  constructor(...args) {',
      "    return new (require('on-demand-chunk')().nodeFetch.Headers)(...args);",
      '  }',
      '}',
      'export default function fetch(...args) {',
      "  return require('on-demand-chunk')().nodeFetch.default(...args);",
      '}',
    ]);
    b.onResolve({ filter: /^on-demand-chunk$/ }, () => ({ path: 'on-demand-chunk', namespace: 'on-demand-chunk' }));
    b.onLoad({ filter: /.*/, namespace: 'on-demand-chunk' }, () => ({
      contents: [
        "const { runInThisContext } = require('vm');",
        ...Object.entries(SHARED_WITH_ON_DEMAND).map(([name, file]) => `const ${name} = require(${JSON.stringify(file)});`),
        'let chunk;',
        'module.exports = () => {',
        '  if (!chunk) {',
        '    const module = { exports: {} };',
        "    const wrapper = `(function (exports, require, module, __filename, __dirname, onDemandShared) {${source()}\\n})`;",
        "    runInThisContext(wrapper, { filename: `${__filename} (on demand)` })(module.exports, require, module, __filename, __dirname, { "
          + Object.keys(SHARED_WITH_ON_DEMAND).join(', ') + ' });',
        '    chunk = module.exports;',
        '  }',
        '  return chunk;',
        '};',
        // Compressed: the script's source text stays in memory as long as the process runs.
        '// A function, so the string is only created when called: at start-up V8 merely skips over it.',
        `function source() {\n  return require('zlib').brotliDecompressSync(Buffer.from(${JSON.stringify(brotliCompressSync(onDemandCode).toString('base64'))}, 'base64')).toString('utf8');\n}`,
        '',
      ].join('\n'),
      resolveDir: root,
      loader: 'js',
    }));
  },
};

const result = await build({
  ...common,
  entryPoints: [join(root, 'server', 'main.ts')],
  outfile,
  // External: written for local debugging, referenced by nothing and not packaged.
  sourcemap: 'external',
  legalComments: 'linked',
  banner: { js: '#!/usr/bin/env node' },
  plugins: [clientNodeConfigSlice, precompiledValidators, nodeUrlForNodeFetch, onDemandChunk],
  // Written below, each file through a rename: test files bundle in parallel, and a reader must
  // never see a half-written server.cjs.
});
mkdirSync(dirname(outfile), { recursive: true });
for (const file of result.outputFiles) {
  const tmp = `${file.path}.${process.pid}.tmp`;
  writeFileSync(tmp, file.contents, { mode: file.path === outfile ? 0o755 : 0o644 });
  renameSync(tmp, file.path);
}
// `--metafile <file>`: what went into the bundle, from which import (test/server/bundle-contents.integration.test.ts).
const metafileArg = process.argv.indexOf('--metafile');
if (metafileArg > 0) writeFileSync(resolve(process.argv[metafileArg + 1]), JSON.stringify({ server: result.metafile, onDemand: onDemand.metafile }));
const bytes = Object.values(result.metafile.outputs).find((o) => o.entryPoint)?.bytes ?? 0;
console.log(`bundled ${outfile} (${(bytes / 1024).toFixed(0)} KiB, version ${version})`);
