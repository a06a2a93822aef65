// Downloads (once) and prepares the runtime of the image: the stripped Node binary from the npm
// platform package and the Debian 12 libraries it links against. Everything is cached outside
// the repository, so a second build downloads nothing.
import { execFileSync } from 'child_process';
import { createHash } from 'crypto';
import * as fs from 'fs';
import { homedir } from 'os';
import { join } from 'path';
import { ARCH_INPUTS, DEBIAN_PACKAGES, DEBIAN_SOURCES, ImageArch, NODE_VERSION } from './runtime-inputs';

export function imageCacheDir(): string {
  return process.env.FLUX_WEBHOOKS_IMAGE_CACHE ?? join(homedir(), '.cache', 'cdk8s-flux-webhooks', 'image');
}

function _run(cmd: string, args: readonly string[], opts: { cwd?: string; quiet?: boolean } = {}): string {
  try {
    return execFileSync(cmd, args, { cwd: opts.cwd, encoding: 'utf8', stdio: ['ignore', 'pipe', 'pipe'], maxBuffer: 64 * 1024 * 1024 });
  } catch (e: any) {
    throw new Error(`image build: \`${cmd} ${args.join(' ')}\` failed (exit ${e.status}): ${String(e.stderr ?? e.message).trim().slice(-2000)}`);
  }
}

function _hasCommand(cmd: string): boolean {
  try {
    execFileSync('sh', ['-c', `command -v ${cmd}`], { stdio: 'ignore' });
    return true;
  } catch {
    return false;
  }
}

let _aptUpdated = false;

/** Installs missing host tools with apt (CI runs on a fresh Debian/Ubuntu machine as root). */
export function ensureHostTools(arches: readonly ImageArch[]): void {
  const missing: string[] = [];
  const need = (cmd: string, pkg: string) => {
    if (!_hasCommand(cmd) && !missing.includes(pkg)) missing.push(pkg);
  };
  need('tar', 'tar');
  need('dpkg-deb', 'dpkg');
  need('apt-get', 'apt');
  for (const arch of arches) {
    const a = ARCH_INPUTS[arch];
    if (process.arch === a.nativeNodeArch) need('strip', 'binutils');
    else need(a.crossBinutils.strip, a.crossBinutils.pkg);
  }
  if (!fs.existsSync('/usr/share/keyrings/debian-archive-keyring.gpg')) missing.push('debian-archive-keyring');
  if (missing.length === 0) return;
  if (!_hasCommand('apt-get') || process.getuid?.() !== 0) {
    throw new Error(`image build: missing host packages ${missing.join(', ')}; install them (apt-get install ${missing.join(' ')}) or run the build as root on Debian/Ubuntu`);
  }
  if (!_aptUpdated) {
    _run('apt-get', ['update', '-qq']);
    _aptUpdated = true;
  }
  process.stderr.write(`image build: installing ${missing.join(' ')}\n`);
  execFileSync('apt-get', ['install', '-y', '-qq', '--no-install-recommends', ...missing], {
    stdio: ['ignore', 'ignore', 'inherit'],
    env: { ...process.env, DEBIAN_FRONTEND: 'noninteractive' },
  });
}

function _sri(file: string): string {
  return 'sha512-' + createHash('sha512').update(fs.readFileSync(file)).digest('base64');
}

export function sha256File(file: string): string {
  return createHash('sha256').update(fs.readFileSync(file)).digest('hex');
}

export interface NodeRuntime {
  readonly version: string;
  /** Stripped `node` binary. */
  readonly binary: string;
  readonly license: string;
}

/** The official Node binary for `arch`, from the npm platform package, stripped of symbols. */
export function nodeRuntime(arch: ImageArch): NodeRuntime {
  const a = ARCH_INPUTS[arch];
  const dir = join(imageCacheDir(), 'node', `${a.nodePackage}-${NODE_VERSION}`);
  const binary = join(dir, 'node');
  const license = join(dir, 'LICENSE');
  if (fs.existsSync(binary) && fs.existsSync(license)) return { version: NODE_VERSION, binary, license };

  const npmDir = join(imageCacheDir(), 'npm');
  fs.mkdirSync(npmDir, { recursive: true });
  const tgz = join(npmDir, `${a.nodePackage}-${NODE_VERSION}.tgz`);
  if (!fs.existsSync(tgz) || _sri(tgz) !== a.nodeIntegrity) {
    _run('npm', ['pack', `${a.nodePackage}@${NODE_VERSION}`, '--pack-destination', npmDir, '--silent'], { cwd: npmDir });
  }
  const integrity = _sri(tgz);
  if (integrity !== a.nodeIntegrity) {
    throw new Error(`image build: ${tgz} has integrity ${integrity}, but image/runtime-inputs.ts pins ${a.nodeIntegrity} for ${a.nodePackage}@${NODE_VERSION}; delete the file and retry, or update the pin with \`npm view ${a.nodePackage}@${NODE_VERSION} dist.integrity\``);
  }
  const tmp = `${dir}.tmp-${process.pid}`;
  fs.rmSync(tmp, { recursive: true, force: true });
  fs.mkdirSync(tmp, { recursive: true });
  _run('tar', ['-xzf', tgz, '-C', tmp, '--strip-components=1', 'package/bin/node', 'package/LICENSE']);
  const strip = process.arch === a.nativeNodeArch ? 'strip' : a.crossBinutils.strip;
  _run(strip, ['--strip-all', join(tmp, 'bin', 'node')]);
  fs.renameSync(join(tmp, 'bin', 'node'), join(tmp, 'node'));
  fs.rmSync(join(tmp, 'bin'), { recursive: true });
  fs.rmSync(dir, { recursive: true, force: true });
  fs.renameSync(tmp, dir);
  return { version: NODE_VERSION, binary, license };
}

export interface DebianPackage {
  readonly name: string;
  readonly version: string;
  readonly sha256: string;
  /** The package's files, extracted with dpkg-deb. */
  readonly root: string;
}

function _aptOptions(arch: ImageArch, stateDir: string): string[] {
  const debianArch = ARCH_INPUTS[arch].debianArch;
  return [
    '-o', `APT::Architecture=${debianArch}`,
    '-o', `APT::Architectures=${debianArch}`,
    '-o', `Dir::State=${join(stateDir, 'state')}`,
    '-o', 'Dir::State::status=/dev/null',
    '-o', `Dir::Cache=${join(stateDir, 'cache')}`,
    '-o', `Dir::Etc::SourceList=${join(stateDir, 'sources.list')}`,
    '-o', `Dir::Etc::SourceParts=${join(stateDir, 'sources.list.d')}`,
    '-o', 'Dir::Etc::Preferences=/dev/null',
    '-o', `Dir::Etc::PreferencesParts=${join(stateDir, 'preferences.d')}`,
    '-o', 'Debug::NoLocking=1',
    '-o', 'APT::Sandbox::User=root',
  ];
}

/**
 * Downloads the current Debian 12 `packages` for `arch` into `dest` (emptied first) with a
 * private apt state under the image cache: no `dpkg --add-architecture`, host sources untouched.
 */
export function aptDownload(arch: ImageArch, packages: readonly string[], dest: string): void {
  const apt = join(imageCacheDir(), 'debian', arch, 'apt');
  for (const d of ['state/lists/partial', 'cache/archives/partial', 'sources.list.d', 'preferences.d']) fs.mkdirSync(join(apt, d), { recursive: true });
  fs.writeFileSync(join(apt, 'sources.list'), DEBIAN_SOURCES.join('\n') + '\n');
  const opts = _aptOptions(arch, apt);
  _run('apt-get', [...opts, 'update', '-qq']);
  fs.rmSync(dest, { recursive: true, force: true });
  fs.mkdirSync(dest, { recursive: true });
  _run('apt-get', [...opts, 'download', ...packages.map((p) => `${p}:${ARCH_INPUTS[arch].debianArch}`)], { cwd: dest });
}

/**
 * The Debian 12 packages of DEBIAN_PACKAGES for `arch`, fetched with `apt-get download` and a
 * private apt state (no `dpkg --add-architecture`, nothing taken from the build host).
 * Resolved once and cached; `refresh` resolves the current versions again.
 */
export function debianPackages(arch: ImageArch, refresh = false): DebianPackage[] {
  const dir = join(imageCacheDir(), 'debian', arch);
  const resolvedFile = join(dir, 'resolved.json');
  if (!refresh && fs.existsSync(resolvedFile)) {
    const resolved: DebianPackage[] = JSON.parse(fs.readFileSync(resolvedFile, 'utf8'));
    const intact = resolved.every((p) => fs.existsSync(join(dir, 'debs', `${p.name}.deb`)) && fs.existsSync(p.root)
      && sha256File(join(dir, 'debs', `${p.name}.deb`)) === p.sha256);
    if (intact && resolved.map((p) => p.name).join() === DEBIAN_PACKAGES.join()) return resolved;
  }
  const debs = join(dir, 'debs');
  aptDownload(arch, DEBIAN_PACKAGES, debs);
  const debianArch = ARCH_INPUTS[arch].debianArch;

  const resolved: DebianPackage[] = [];
  const files = fs.readdirSync(debs);
  for (const name of DEBIAN_PACKAGES) {
    const file = files.find((f) => f.startsWith(`${name}_`) && f.endsWith(`_${debianArch}.deb`));
    if (!file) throw new Error(`image build: apt-get download did not produce ${name}:${debianArch} in ${debs} (got ${files.join(', ')})`);
    const version = decodeURIComponent(file.split('_')[1]);
    fs.renameSync(join(debs, file), join(debs, `${name}.deb`));
    const root = join(dir, 'root', name);
    fs.rmSync(root, { recursive: true, force: true });
    fs.mkdirSync(root, { recursive: true });
    _run('dpkg-deb', ['-x', join(debs, `${name}.deb`), root]);
    resolved.push({ name, version, sha256: sha256File(join(debs, `${name}.deb`)), root });
  }
  fs.writeFileSync(resolvedFile, JSON.stringify(resolved, null, 2) + '\n');
  return resolved;
}
