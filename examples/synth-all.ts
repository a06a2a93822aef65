// `npx projen examples`: synthesizes every example into dist/examples/<name>/ and says where.
import * as fs from 'fs';
import * as path from 'path';
import { EXAMPLES } from './catalog';

// EXAMPLES_OUTDIR lets tests synthesize elsewhere than the working tree's dist/.
const root = process.env.EXAMPLES_OUTDIR ?? path.join(__dirname, '..', 'dist', 'examples');
let objects = 0;
for (const example of EXAMPLES) {
  const outdir = path.join(root, example.name);
  fs.rmSync(outdir, { recursive: true, force: true });
  const app = example.build(outdir);
  app.synth();
  const count = app.charts.reduce((n, chart) => n + chart.toJson().length, 0);
  objects += count;
  for (const file of fs.readdirSync(outdir).sort()) {
    console.log(`${example.name.padEnd(30)} ${String(count).padStart(3)} objects  ${path.relative(process.cwd(), path.join(outdir, file))}   (${example.description})`);
  }
}
console.log(`\n${EXAMPLES.length} examples, ${objects} Kubernetes objects, written to ${path.relative(process.cwd(), root) || '.'}/`);
console.log('Apply one with e.g. `kubectl apply --server-side -f dist/examples/ingress-cert-manager/`');
