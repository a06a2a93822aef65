// What Construct Hub reads to list and render a cdk8s library: the jsii assembly (.jsii, made by
// `npx projen compile`) with its keywords, description, license, repository, Python target and
// README, and the package's peer dependency on cdk8s, which files it under the cdk8s framework.
import * as fs from 'fs';
import * as path from 'path';

const ROOT = path.resolve(__dirname, '..', '..');
const pkg = JSON.parse(fs.readFileSync(path.join(ROOT, 'package.json'), 'utf8'));

function assembly(): any {
  const file = path.join(ROOT, '.jsii');
  if (!fs.existsSync(file)) throw new Error(`${file} is missing: run npx projen compile first`);
  // An assembly older than what it is made from would fail the comparisons below for no fault of the sources.
  const built = fs.statSync(file).mtimeMs;
  const newer = [path.join(ROOT, 'README.md'), ...sources(path.join(ROOT, 'src'))].filter((f) => fs.statSync(f).mtimeMs > built);
  if (newer.length > 0) throw new Error(`${file} is older than ${path.relative(ROOT, newer[0])}: run npx projen compile first`);
  return JSON.parse(fs.readFileSync(file, 'utf8'));
}

function sources(dir: string): string[] {
  return fs.readdirSync(dir, { withFileTypes: true }).flatMap((e) => (e.isDirectory() ? sources(path.join(dir, e.name)) : e.name.endsWith('.ts') ? [path.join(dir, e.name)] : []));
}

/** Relative link targets of a Markdown text (no scheme, no pure #anchor), without their anchors. */
function relativeLinks(markdown: string): string[] {
  const withoutCode = markdown.replace(/```[\s\S]*?```/g, '').replace(/`[^`\n]*`/g, '');
  return [...withoutCode.matchAll(/\]\(([^)\s]+)(?:\s+"[^"]*")?\)/g)].map((m) => m[1])
    .filter((href) => !/^[a-z][a-z0-9+.-]*:/i.test(href) && !href.startsWith('#'))
    .map((href) => href.replace(/#.*$/, ''));
}

test('listed as a cdk8s library: the cdk8s keyword and a peer dependency on cdk8s and constructs', () => {
  expect(assembly().keywords).toEqual(expect.arrayContaining(['cdk8s', 'flux', 'kubernetes']));
  expect(Object.keys(pkg.peerDependencies)).toEqual(expect.arrayContaining(['cdk8s', 'constructs']));
  expect(pkg.dependencies?.cdk8s).toBeUndefined();
});

test('description, license and repository as the package page shows them', () => {
  const a = assembly();
  expect(a.description).toBe(pkg.description);
  expect(a.description.length).toBeGreaterThan(20);
  expect(a.license).toBe('Apache-2.0');
  expect(fs.readFileSync(path.join(ROOT, 'LICENSE'), 'utf8')).toMatch(/Apache License\s+Version 2\.0/);
  // A GitHub URL of type git: Construct Hub turns the README's relative links into
  // https://github.com/<owner>/<repo>/blob/HEAD/<link> (images: raw.githubusercontent.com).
  expect(a.repository).toEqual({ type: 'git', url: expect.stringMatching(/^https:\/\/github\.com\/[\w.-]+\/[\w.-]+\.git$/) });
  expect(a.author.name).toBeTruthy();
});

test('the Python target names the distribution and module the README installs and imports', () => {
  const { python } = assembly().targets;
  expect(python).toEqual({ distName: pkg.name, module: pkg.name.replace(/-/g, '_') });
  const readme = fs.readFileSync(path.join(ROOT, 'README.md'), 'utf8');
  expect(readme).toContain(`pip install ${python.distName}`);
  expect(readme).toMatch(new RegExp(`^from ${python.module} import`, 'm'));
});

test('the README rendered on the package page is the repository README, and its relative links resolve', () => {
  const readme = fs.readFileSync(path.join(ROOT, 'README.md'), 'utf8');
  expect(assembly().readme.markdown).toBe(readme);
  const links = relativeLinks(readme);
  expect(links.length).toBeGreaterThan(0);
  // A link starting with `/` is left as it is, so it would point into Construct Hub itself.
  expect(links.filter((href) => href.startsWith('/') || !fs.existsSync(path.join(ROOT, href)))).toEqual([]);
});
