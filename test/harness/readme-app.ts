// The README's "A minimal example", synthesized as written (the package name resolved to this
// checkout's src/), and the small YAML helpers around synthesis that tests share.
import * as fs from 'fs';
import * as os from 'os';
import * as path from 'path';
import * as ts from 'typescript';
import { parseAllDocuments } from 'yaml';
import { ManifestObject } from './kube';

const README = path.join(__dirname, '..', '..', 'README.md');

export function readYaml(text: string): ManifestObject[] {
  return parseAllDocuments(text).map((d) => d.toJS() as ManifestObject).filter(Boolean);
}

export function readDir(dir: string): ManifestObject[] {
  return fs.readdirSync(dir).filter((f) => f.endsWith('.yaml')).sort().flatMap((f) => readYaml(fs.readFileSync(path.join(dir, f), 'utf8')));
}

/** Synthesizes into a temporary directory and returns the objects written there. */
export function synthesizeTo(run: (outdir: string) => void): ManifestObject[] {
  const outdir = fs.mkdtempSync(path.join(os.tmpdir(), 'synth-'));
  try {
    run(outdir);
    return readDir(outdir);
  } finally {
    fs.rmSync(outdir, { recursive: true, force: true });
  }
}

/**
 * The README's "A minimal example", run as written, with the package name resolved to src/.
 * `moreCode` is run just before `app.synth()`, as a user extending the app would write it.
 */
export function readmeExample(moreCode = ''): ManifestObject[] {
  return readmeSnippet('A minimal example', moreCode);
}

/** The first ```ts block under the README heading `## <heading>`, run like `readmeExample`. */
export function readmeSnippet(heading: string, moreCode = ''): ManifestObject[] {
  const readme = fs.readFileSync(README, 'utf8');
  const section = readme.split(`\n## ${heading}\n`)[1];
  const snippet = /```ts\n([\s\S]*?)```/.exec(section ?? '')?.[1];
  if (!snippet || !snippet.includes('\napp.synth();')) throw new Error(`README.md has no \`\`\`ts block ending in app.synth() under "## ${heading}"`);
  const code = snippet.replace('\napp.synth();', `\n${moreCode}\napp.synth();`);
  const js = ts.transpileModule(code, { compilerOptions: { module: ts.ModuleKind.CommonJS, target: ts.ScriptTarget.ES2022 } }).outputText;
  // The snippet's imports, resolved as a user's app would, but to this checkout's src/.
  // eslint-disable-next-line @typescript-eslint/no-require-imports
  const load = (id: string) => require(id === 'cdk8s-flux-webhooks' ? '../../src' : id);
  return synthesizeTo((outdir) => {
    const saved = process.env.CDK8S_OUTDIR;
    process.env.CDK8S_OUTDIR = outdir;
    try {
      new Function('require', 'exports', js)(load, {});
    } finally {
      if (saved === undefined) delete process.env.CDK8S_OUTDIR;
      else process.env.CDK8S_OUTDIR = saved;
    }
  });
}
