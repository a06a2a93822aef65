// The version facts of one release, read from the packed artifacts the way a user meets them: the
// npm tarball (its name, package.json, jsii assembly, bin), the Python wheel and sdist (file names,
// metadata, the jsii tarball inside, which carries the bin), the OCI image layout (tag, labels and
// annotations of the index, each manifest and config, the bundle's `--version` in the image) and
// the image the constructs of the tarball render by default. `disagreements` says which differ.
import { execFileSync } from 'child_process';
import * as fs from 'fs';
import * as os from 'os';
import { join } from 'path';
import { TargetName } from 'jsii-pacmak/lib/targets';
import { toReleaseVersion } from 'jsii-pacmak/lib/targets/version-utils';
import { DEFAULT_IMAGE_REPOSITORY, SERVER_BINARY } from '../../src/model';
import { OciImage, readIndex, readImage, unpackImage } from '../image/oci-image';

export const NPM_NAME = 'cdk8s-flux-webhooks';
export const PYTHON_DIST = 'cdk8s_flux_webhooks';
export const VERSION_LABEL = 'org.opencontainers.image.version';
const REF_NAME = 'org.opencontainers.image.ref.name';
const MB = 1024 * 1024;

export interface VersionFact {
  /** Where the version was read, e.g. "wheel METADATA Version". */
  readonly where: string;
  readonly found: string;
  /** What it must be for the release's version (PyPI spells pre-releases its own way). */
  readonly expected: string;
}

/**
 * The version as the wheel and sdist state it: jsii-pacmak's PEP 440 form (`1.2.0-rc.1` →
 * `1.2.0.rc1`), normalized as setuptools writes it (`1.2.0rc1`).
 */
export function pythonVersion(version: string): string {
  return toReleaseVersion(version, TargetName.PYTHON).replace(/[.-]?(a|b|rc)(\d+)/, '$1$2');
}

/** One line per fact that differs from what the release's version makes it. */
export function disagreements(facts: readonly VersionFact[]): string[] {
  return facts.filter((f) => f.found !== f.expected).map((f) => `${f.where}: ${JSON.stringify(f.found)}, expected ${JSON.stringify(f.expected)}`);
}

function _only(dir: string, suffix: string, what: string): string {
  const files = fs.existsSync(dir) ? fs.readdirSync(dir).filter((f) => f.endsWith(suffix)) : [];
  if (files.length !== 1) {
    throw new Error(`expected one ${what} (*${suffix}) in ${dir}, found ${files.length ? files.join(', ') : 'none'}: remove ${dir} and run npx projen package-all`);
  }
  return files[0];
}

function _tarFile(tgz: string, member: string): string {
  return execFileSync('tar', ['-xzOf', tgz, member], { encoding: 'utf8', maxBuffer: 64 * MB });
}

// Python reads the wheel (a zip): it is there for the Python packages anyway, unlike unzip.
function _zipFile(zip: string, member: string): string {
  const script = 'import sys, zipfile; sys.stdout.write(zipfile.ZipFile(sys.argv[1]).read(sys.argv[2]).decode())';
  return execFileSync('python3', ['-c', script, zip, member], { encoding: 'utf8', maxBuffer: 64 * MB });
}

function _zipMembers(zip: string): string[] {
  const script = 'import sys, zipfile; print("\\n".join(zipfile.ZipFile(sys.argv[1]).namelist()))';
  return execFileSync('python3', ['-c', script, zip], { encoding: 'utf8', maxBuffer: 16 * MB }).split('\n');
}

function _metadataVersion(text: string, where: string): string {
  const m = /^Version: (.+)$/m.exec(text);
  if (!m) throw new Error(`${where} has no Version: field`);
  return m[1].trim();
}

/** The first line a bin prints for `--version`. */
export function binVersion(argv: readonly string[], env: NodeJS.ProcessEnv = process.env): string {
  return execFileSync(argv[0], [...argv.slice(1), '--version'], { encoding: 'utf8', env, timeout: 30_000 }).trim().split('\n')[0];
}

/** The npm tarball in `distJs`: its file name, package.json, jsii assembly and bin. */
export function npmFacts(distJs: string, version: string, work: string): VersionFact[] {
  const name = _only(distJs, '.jsii.tgz', 'npm tarball');
  const tgz = join(distJs, name);
  const pkg = JSON.parse(_tarFile(tgz, 'package/package.json'));
  const assembly = JSON.parse(_tarFile(tgz, 'package/.jsii'));
  fs.mkdirSync(work, { recursive: true });
  execFileSync('tar', ['-xzf', tgz, '-C', work]);
  const bin = join(work, 'package', pkg.bin?.[SERVER_BINARY] ?? `(no bin ${SERVER_BINARY})`);
  return [
    { where: 'npm tarball file name', found: name, expected: `${NPM_NAME}@${version}.jsii.tgz` },
    { where: 'npm tarball package.json version', found: pkg.version, expected: version },
    { where: 'npm tarball .jsii version', found: assembly.version, expected: version },
    { where: `npm tarball bin ${SERVER_BINARY} --version`, found: binVersion([process.execPath, bin]), expected: version },
  ];
}

/** The wheel and sdist in `distPython`: file names, metadata and the jsii tarball they carry. */
export function pythonFacts(distPython: string, version: string): VersionFact[] {
  const py = pythonVersion(version);
  const wheel = _only(distPython, '.whl', 'wheel');
  const sdist = _only(distPython, '.tar.gz', 'sdist');
  const wheelPath = join(distPython, wheel);
  const members = _zipMembers(wheelPath);
  const metadata = members.find((m) => /\.dist-info\/METADATA$/.test(m));
  if (!metadata) throw new Error(`${wheel} has no .dist-info/METADATA`);
  const jsiiTarball = members.find((m) => m.startsWith(`${PYTHON_DIST}/_jsii/`) && m.endsWith('.jsii.tgz')) ?? '(none)';
  const sdistRoot = sdist.slice(0, -'.tar.gz'.length);
  return [
    { where: 'wheel file name', found: wheel, expected: `${PYTHON_DIST}-${py}-py3-none-any.whl` },
    { where: 'wheel METADATA Version', found: _metadataVersion(_zipFile(wheelPath, metadata), `${wheel} METADATA`), expected: py },
    { where: 'wheel jsii tarball', found: jsiiTarball, expected: `${PYTHON_DIST}/_jsii/${NPM_NAME}@${version}.jsii.tgz` },
    { where: 'sdist file name', found: sdist, expected: `${PYTHON_DIST}-${py}.tar.gz` },
    { where: 'sdist PKG-INFO Version', found: _metadataVersion(_tarFile(join(distPython, sdist), `${sdistRoot}/PKG-INFO`), `${sdist} PKG-INFO`), expected: py },
  ];
}

/** The image the constructs deploy for `version`. */
export function defaultImage(version: string): string {
  return `${DEFAULT_IMAGE_REPOSITORY}:v${version}`;
}

/**
 * The OCI layout: the reference the constructs deploy must be in index.json, and every version
 * annotation and label under it (image index, each manifest and config) must say the version.
 */
export function imageFacts(layout: string, version: string, ref = defaultImage(version)): VersionFact[] {
  const top = JSON.parse(fs.readFileSync(join(layout, 'index.json'), 'utf8'));
  const refs: string[] = top.manifests.map((m: { annotations?: Record<string, string> }) => m.annotations?.[REF_NAME] ?? '');
  const facts: VersionFact[] = [{ where: `${layout}/index.json reference to ${DEFAULT_IMAGE_REPOSITORY}`, found: refs.find((r) => r.startsWith(`${DEFAULT_IMAGE_REPOSITORY}:`)) ?? '(none)', expected: ref }];
  if (!refs.includes(ref)) return facts;
  const { index } = readIndex(layout, ref);
  facts.push({ where: `image index annotation ${VERSION_LABEL}`, found: index.annotations?.[VERSION_LABEL] ?? '(none)', expected: version });
  for (const d of index.manifests) {
    const arch = d.platform?.architecture ?? d.digest;
    const image = readImage(layout, ref, arch);
    facts.push({ where: `${arch} manifest annotation ${VERSION_LABEL}`, found: image.manifest.annotations?.[VERSION_LABEL] ?? '(none)', expected: version });
    facts.push({ where: `${arch} config label ${VERSION_LABEL}`, found: image.config.config.Labels?.[VERSION_LABEL] ?? '(none)', expected: version });
  }
  return facts;
}

/**
 * `--version` of the server in the amd64 image: the image's own node binary running the image's
 * bundle, as its entrypoint does (unpacked into `rootfs`).
 */
export function imageBinFact(layout: string, version: string, rootfs: string, ref = defaultImage(version)): VersionFact {
  const image: OciImage = readImage(layout, ref, 'amd64');
  unpackImage(layout, image, rootfs);
  const entrypoint = image.config.config.Entrypoint.map((a) => (a.startsWith('/') ? join(rootfs, a) : a));
  const env = Object.fromEntries(image.config.config.Env.map((e) => [e.slice(0, e.indexOf('=')), e.slice(e.indexOf('=') + 1)]));
  return { where: `${ref} (amd64) ${SERVER_BINARY} --version`, found: binVersion(entrypoint, { ...env, PATH: process.env.PATH }), expected: version };
}

/** The image a WebhookReceiver of the packed library (unpacked into `work` by npmFacts) renders. */
export function renderedImageFact(work: string, version: string, nodeModules: string): VersionFact {
  const script = [
    "const { App, Chart } = require('cdk8s');",
    `const { WebhookReceiver } = require(${JSON.stringify(join(work, 'package'))});`,
    'const app = new App();',
    "const chart = new Chart(app, 'release-check');",
    "new WebhookReceiver(chart, 'Receiver');",
    "const images = chart.toJson().filter((o) => o.kind === 'Deployment').flatMap((d) => d.spec.template.spec.containers.map((c) => c.image));",
    'process.stdout.write(JSON.stringify(images));',
  ].join('\n');
  const images: string[] = JSON.parse(execFileSync(process.execPath, ['-e', script], {
    encoding: 'utf8', cwd: os.tmpdir(), env: { ...process.env, NODE_PATH: nodeModules }, timeout: 60_000,
  }));
  return { where: 'image rendered by the packed WebhookReceiver', found: images.join(', ') || '(no Deployment)', expected: defaultImage(version) };
}
