// One release, one version: every place the packed artifacts state a version agrees with
// package.json (the version `npx projen release` bumped to). Reads dist/js, dist/python and
// image/out as `package-all` and `image` left them.
import * as fs from 'fs';
import * as os from 'os';
import { join } from 'path';
import { disagreements, imageBinFact, imageFacts, npmFacts, pythonFacts, renderedImageFact, VersionFact } from '../version-facts';

const ROOT = join(__dirname, '..', '..', '..');
const VERSION: string = JSON.parse(fs.readFileSync(join(ROOT, 'package.json'), 'utf8')).version;
const LAYOUT = join(ROOT, 'image', 'out');

let work: string;
let npm: VersionFact[];
beforeAll(() => {
  work = fs.mkdtempSync(join(os.tmpdir(), 'release-artifacts-'));
  npm = npmFacts(join(ROOT, 'dist', 'js'), VERSION, join(work, 'npm'));
});
afterAll(() => fs.rmSync(work, { recursive: true, force: true }));

test(`the npm tarball is version ${VERSION}: name, package.json, jsii assembly, bin --version`, () => {
  expect(disagreements(npm)).toEqual([]);
  expect(npm).toHaveLength(4);
});

test('the wheel and sdist are the same version, in PyPI spelling, carrying the same tarball', () => {
  const facts = pythonFacts(join(ROOT, 'dist', 'python'), VERSION);
  expect(disagreements(facts)).toEqual([]);
  expect(facts).toHaveLength(5);
});

test('the image is tagged with the version and every version label says it', () => {
  const facts = imageFacts(LAYOUT, VERSION);
  expect(disagreements(facts)).toEqual([]);
  // The reference, the index, and a manifest and a config per architecture.
  expect(facts).toHaveLength(2 + 2 * 2);
});

test('the server in the image prints the version', () => {
  expect(disagreements([imageBinFact(LAYOUT, VERSION, join(work, 'rootfs'))])).toEqual([]);
});

test('the packed constructs deploy the image of their own version by default', () => {
  expect(disagreements([renderedImageFact(join(work, 'npm'), VERSION, join(ROOT, 'node_modules'))])).toEqual([]);
});
