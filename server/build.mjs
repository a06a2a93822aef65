// Bundles the receiver server into one CommonJS file with esbuild. The bundle is shipped in
// the npm package (bin `flux-webhook-receiver`) and copied into the container image.
import { build } from 'esbuild';
import { mkdirSync, readFileSync, renameSync, writeFileSync } from 'node:fs';
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

// client-node's KubeConfig (dist/config.js) takes two names, createConfiguration and
// ServerConfiguration, from the generated API's index (dist/gen/index.js). That index re-exports
// every model, ObjectSerializer and every *Api class, and their module code (ObjectSerializer's
// type map of every model) has side effects esbuild must keep: importing KubeConfig alone would put
// the whole generated layer into start-up (about 30 MB of idle RSS). This plugin points that one
// import at the two modules defining those names. Everything importing the package index (cluster
// mode, the CLI commands, both loaded lazily) still gets the full typed API, the same module
// instances. If a client-node update makes config.js import another name from there, esbuild
// fails the build ("No matching export"), and test/server/bundle-contents.test.ts checks the result.
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

const result = await build({
  entryPoints: [join(root, 'server', 'main.ts')],
  outfile,
  bundle: true,
  platform: 'node',
  target: 'node20',
  format: 'cjs',
  minify: true,
  keepNames: true,
  // External: written for local debugging, referenced by nothing and not packaged.
  sourcemap: 'external',
  legalComments: 'linked',
  banner: { js: '#!/usr/bin/env node' },
  define: {
    'process.env.FLUX_WEBHOOKS_VERSION': JSON.stringify(version),
    'process.env.FLUX_WEBHOOKS_RECEIVER_SCHEMA': JSON.stringify(JSON.stringify(receiverSchema)),
  },
  // client-node 1.x reaches Node's deprecated built-in punycode (through node-fetch's whatwg-url);
  // on Node 22+ that prints a DEP0040 warning, a non-JSON line on stderr. Bundle the userland
  // package of the same code instead (the trailing slash skips the built-in).
  alias: { punycode: 'punycode/' },
  plugins: [clientNodeConfigSlice],
  metafile: true,
  logLevel: 'warning',
  // Written below, each file through a rename: test files bundle in parallel, and a reader must
  // never see a half-written server.cjs.
  write: false,
});
mkdirSync(dirname(outfile), { recursive: true });
for (const file of result.outputFiles) {
  const tmp = `${file.path}.${process.pid}.tmp`;
  writeFileSync(tmp, file.contents, { mode: file.path === outfile ? 0o755 : 0o644 });
  renameSync(tmp, file.path);
}
// `--metafile <file>`: what went into the bundle, from which import (test/server/bundle-contents.test.ts).
const metafileArg = process.argv.indexOf('--metafile');
if (metafileArg > 0) writeFileSync(resolve(process.argv[metafileArg + 1]), JSON.stringify(result.metafile));
const bytes = Object.values(result.metafile.outputs).find((o) => o.entryPoint)?.bytes ?? 0;
console.log(`bundled ${outfile} (${(bytes / 1024).toFixed(0)} KiB, version ${version})`);
