// Bundles the receiver server into one CommonJS file with esbuild. The bundle is shipped in
// the npm package (bin `flux-webhook-receiver`) and copied into the container image.
import { build } from 'esbuild';
import { readFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

const root = join(dirname(fileURLToPath(import.meta.url)), '..');
const version = JSON.parse(readFileSync(join(root, 'package.json'), 'utf8')).version;
const outfile = join(root, 'assets', 'receiver-server', 'server.cjs');

const result = await build({
  entryPoints: [join(root, 'server', 'main.ts')],
  outfile,
  bundle: true,
  platform: 'node',
  target: 'node20',
  format: 'cjs',
  minify: true,
  keepNames: true,
  sourcemap: 'linked',
  legalComments: 'linked',
  banner: { js: '#!/usr/bin/env node' },
  define: { 'process.env.FLUX_WEBHOOKS_VERSION': JSON.stringify(version) },
  metafile: true,
  logLevel: 'warning',
});
const bytes = Object.values(result.metafile.outputs).find((o) => o.entryPoint)?.bytes ?? 0;
console.log(`bundled ${outfile} (${(bytes / 1024).toFixed(0)} KiB, version ${version})`);
