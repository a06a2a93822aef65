// Builds the receiver image without a container daemon: a multi-arch OCI image layout under
// image/out/ (amd64 + arm64 manifests in one image index), reproducible from the same inputs.
//
//   npx projen image                      # bundle the server, build (or reuse) image/out
//   npx projen image -- --no-reuse        # rebuild even if the inputs did not change
//   options: --out DIR, --arch amd64[,arm64], --skip-bundle, --refresh-debian
import { execFileSync } from 'child_process';
import { createHash } from 'crypto';
import * as fs from 'fs';
import { join, relative } from 'path';
import { completeEntries, LayerBlob, LayerEntry, writeLayer } from './deterministic-layer';
import {
  APP_BUNDLE_PATH, CMD, ENTRYPOINT, EXPOSED_PORTS, IMAGE_ENV, IMAGE_HOME, IMAGE_USER, IMAGE_USER_NAME, APP_DIR,
  imageLabels, imageRefName, imageTag, NODE_PATH, packageJson, REPO_ROOT,
} from './image-config';
import { Descriptor, imageConfig, imageIndex, imageManifest, MEDIA_TYPES, pruneBlobs, writeJsonBlob, writeLayout } from './oci-layout';
import { debianPackages, DebianPackage, ensureHostTools, nodeRuntime, NodeRuntime, sha256File } from './runtime-cache';
import { ARCH_INPUTS, IMAGE_ARCHES, ImageArch, NODE_VERSION } from './runtime-inputs';
import { IMAGE_USER_ID } from '../src/model';

export const DEFAULT_OUT_DIR = join(REPO_ROOT, 'image', 'out');
export const BUNDLE_FILE = join(REPO_ROOT, 'assets', 'receiver-server', 'server.cjs');
/** Written next to the layout: what went in and what came out. */
export const BUILD_INFO_FILE = 'build-info.json';

export interface BuildOptions {
  readonly outDir?: string;
  readonly arches?: readonly ImageArch[];
  /** Keep the existing layout when it was built from the same inputs (default true). */
  readonly reuse?: boolean;
  /** Run server/build.mjs first (default true). */
  readonly bundle?: boolean;
  readonly refreshDebian?: boolean;
  /** Defaults to `git rev-parse HEAD`. */
  readonly revision?: string;
  /** Defaults to sourceDateEpoch(). */
  readonly sourceDateEpoch?: number;
  readonly log?: (line: string) => void;
}

export interface ArchResult {
  readonly arch: ImageArch;
  readonly manifestDigest: string;
  readonly configDigest: string;
  /** Sum of the gzipped layers plus config and manifest: what a registry stores and a node pulls. */
  readonly compressedSize: number;
  readonly uncompressedSize: number;
}

export interface BuildInfo {
  readonly inputsKey: string;
  readonly indexDigest: string;
  readonly refNames: readonly string[];
  readonly revision: string;
  readonly sourceDateEpoch: number;
  readonly node: string;
  readonly debian: Record<string, Record<string, string>>;
  readonly images: readonly ArchResult[];
}

export interface BuildResult extends BuildInfo {
  readonly outDir: string;
  readonly reused: boolean;
  readonly seconds: number;
}

function _git(args: string[]): string | undefined {
  try {
    return execFileSync('git', args, { cwd: REPO_ROOT, encoding: 'utf8', stdio: ['ignore', 'pipe', 'ignore'] }).trim() || undefined;
  } catch {
    return undefined;
  }
}

/** SOURCE_DATE_EPOCH if set, else the commit time, else 0. */
export function sourceDateEpoch(): number {
  const fromEnv = process.env.SOURCE_DATE_EPOCH;
  if (fromEnv !== undefined && fromEnv !== '') {
    if (!/^\d+$/.test(fromEnv)) throw new Error(`SOURCE_DATE_EPOCH must be seconds since 1970 (digits only), got ${JSON.stringify(fromEnv)}`);
    return Number(fromEnv);
  }
  return Number(_git(['log', '-1', '--format=%ct']) ?? 0);
}

export function gitRevision(): string {
  return _git(['rev-parse', 'HEAD']) ?? 'unknown';
}

function _walk(root: string, rel = ''): string[] {
  const out: string[] = [];
  for (const name of fs.readdirSync(join(root, rel)).sort()) {
    const p = rel ? `${rel}/${name}` : name;
    const st = fs.lstatSync(join(root, p));
    if (st.isDirectory()) out.push(..._walk(root, p));
    else out.push(p);
  }
  return out;
}

/** The shared libraries (minus iconv modules) and copyright files of the Debian packages. */
function _debianEntries(pkgs: readonly DebianPackage[]): LayerEntry[] {
  const entries: LayerEntry[] = [];
  for (const pkg of pkgs) {
    for (const rel of _walk(pkg.root)) {
      const isLib = /^(lib|lib64|usr\/lib)\//.test(rel) && !rel.includes('/gconv/');
      const isCopyright = /^usr\/share\/doc\/[^/]+\/copyright$/.test(rel);
      if (!isLib && !isCopyright) continue;
      const abs = join(pkg.root, rel);
      const st = fs.lstatSync(abs);
      if (st.isSymbolicLink()) entries.push({ path: rel, kind: 'symlink', target: fs.readlinkSync(abs) });
      else if (st.isFile()) entries.push({ path: rel, kind: 'file', source: abs, mode: st.mode % 0o1000 });
    }
  }
  return entries;
}

function _runtimeEntries(node: NodeRuntime, pkgs: readonly DebianPackage[]): LayerEntry[] {
  const uid = IMAGE_USER_ID;
  return [
    { path: 'etc/passwd', kind: 'file', content: `root:x:0:0:root:/root:/sbin/nologin\nnobody:x:65534:65534:nobody:/nonexistent:/sbin/nologin\n${IMAGE_USER_NAME}:x:${uid}:${uid}:${IMAGE_USER_NAME}:${IMAGE_HOME}:/sbin/nologin\n` },
    { path: 'etc/group', kind: 'file', content: `root:x:0:\nnobody:x:65534:\n${IMAGE_USER_NAME}:x:${uid}:\n` },
    { path: 'etc/nsswitch.conf', kind: 'file', content: 'passwd: files\ngroup: files\nhosts: files dns\n' },
    { path: IMAGE_HOME.slice(1), kind: 'dir', mode: 0o700, uid, gid: uid },
    { path: 'root', kind: 'dir', mode: 0o700 },
    { path: 'tmp', kind: 'dir', mode: 0o1777 },
    { path: NODE_PATH.slice(1), kind: 'file', source: node.binary, mode: 0o755 },
    { path: 'nodejs/LICENSE', kind: 'file', source: node.license },
    ..._debianEntries(pkgs),
  ];
}

function _appEntries(): LayerEntry[] {
  if (!fs.existsSync(BUNDLE_FILE)) {
    throw new Error(`image build: ${relative(REPO_ROOT, BUNDLE_FILE)} is missing; bundle the server first (npx projen bundle:server) or drop --skip-bundle`);
  }
  return [{ path: APP_DIR.slice(1), kind: 'dir' }, { path: APP_BUNDLE_PATH.slice(1), kind: 'file', source: BUNDLE_FILE }];
}

/** A digest of everything that determines the image bytes. */
function _inputsKey(parts: object): string {
  const h = createHash('sha256');
  for (const f of fs.readdirSync(join(REPO_ROOT, 'image')).filter((n) => n.endsWith('.ts')).sort()) {
    h.update(f).update(fs.readFileSync(join(REPO_ROOT, 'image', f)));
  }
  h.update(JSON.stringify(parts));
  return h.digest('hex');
}

function _entriesFingerprint(entries: readonly LayerEntry[]): object[] {
  return completeEntries(entries).map((e) => ({
    p: e.path,
    k: e.kind,
    m: e.mode,
    u: e.uid,
    g: e.gid,
    t: e.target,
    h: e.source ? sha256File(e.source) : e.content !== undefined ? createHash('sha256').update(e.content).digest('hex') : undefined,
  }));
}

function _readInfo(outDir: string): BuildInfo | undefined {
  try {
    return JSON.parse(fs.readFileSync(join(outDir, BUILD_INFO_FILE), 'utf8'));
  } catch {
    return undefined;
  }
}

export async function buildImage(opts: BuildOptions = {}): Promise<BuildResult> {
  const started = Date.now();
  const log = opts.log ?? ((line: string) => process.stderr.write(`${line}\n`));
  const outDir = opts.outDir ?? DEFAULT_OUT_DIR;
  const arches = opts.arches ?? IMAGE_ARCHES;
  if (opts.bundle ?? true) {
    execFileSync(process.execPath, [join(REPO_ROOT, 'server', 'build.mjs')], { cwd: REPO_ROOT, stdio: ['ignore', 'ignore', 'inherit'] });
  }
  const pkg = packageJson();
  const revision = opts.revision ?? gitRevision();
  const epoch = opts.sourceDateEpoch ?? sourceDateEpoch();
  const created = new Date(epoch * 1000).toISOString();
  const labels = imageLabels(revision, pkg);
  const refNames = [imageRefName(pkg), imageTag(pkg)];

  ensureHostTools(arches);
  const runtimes = new Map(arches.map((arch) => [arch, { node: nodeRuntime(arch), debian: debianPackages(arch, opts.refreshDebian) }]));
  const appEntries = _appEntries();
  const runtimeEntries = new Map(arches.map((arch) => [arch, _runtimeEntries(runtimes.get(arch)!.node, runtimes.get(arch)!.debian)]));
  const inputsKey = _inputsKey({
    arches,
    epoch,
    revision,
    labels,
    refNames,
    app: _entriesFingerprint(appEntries),
    runtime: arches.map((a) => _entriesFingerprint(runtimeEntries.get(a)!)),
  });
  const debian = Object.fromEntries(arches.map((a) => [a, Object.fromEntries(runtimes.get(a)!.debian.map((p) => [p.name, p.version]))]));

  const previous = _readInfo(outDir);
  if ((opts.reuse ?? true) && previous?.inputsKey === inputsKey && fs.existsSync(join(outDir, 'blobs', 'sha256', previous.indexDigest.slice(7)))) {
    log(`image: ${outDir} is up to date (index ${previous.indexDigest})`);
    return { ...previous, outDir, reused: true, seconds: (Date.now() - started) / 1000 };
  }

  fs.mkdirSync(outDir, { recursive: true });
  fs.rmSync(join(outDir, BUILD_INFO_FILE), { force: true });
  const blobs = join(outDir, 'blobs', 'sha256');
  const [appLayer, ...runtimeLayers] = await Promise.all<LayerBlob>([
    writeLayer(appEntries, join(outDir, '.stage-app'), blobs, epoch),
    ...arches.map((arch) => writeLayer(runtimeEntries.get(arch)!, join(outDir, `.stage-${arch}`), blobs, epoch)),
  ]);

  const manifests: Descriptor[] = [];
  const images: ArchResult[] = [];
  arches.forEach((arch, i) => {
    const runtimeLayer = runtimeLayers[i];
    const deb = runtimes.get(arch)!.debian.map((p) => `${p.name} ${p.version}`).join(', ');
    const platform = ARCH_INPUTS[arch].platform;
    const config = writeJsonBlob(blobs, MEDIA_TYPES.config, imageConfig({
      created,
      platform,
      labels,
      user: IMAGE_USER,
      env: IMAGE_ENV,
      entrypoint: ENTRYPOINT,
      cmd: CMD,
      workingDir: APP_DIR,
      exposedPorts: EXPOSED_PORTS,
      diffIds: [runtimeLayer.diffId, appLayer.diffId],
      history: [
        `runtime: node v${NODE_VERSION} (${ARCH_INPUTS[arch].nodePackage}, stripped); Debian 12 ${deb}; nonroot user ${IMAGE_USER}`,
        `app: ${APP_BUNDLE_PATH} (${pkg.version}, ${revision})`,
      ],
    }));
    const layers = [runtimeLayer, appLayer].map((l) => ({ mediaType: MEDIA_TYPES.layerGzip, digest: l.digest, size: l.size }));
    const manifest = writeJsonBlob(blobs, MEDIA_TYPES.manifest, imageManifest(config, layers, labels), { platform });
    manifests.push(manifest);
    images.push({
      arch,
      manifestDigest: manifest.digest,
      configDigest: config.digest,
      compressedSize: runtimeLayer.size + appLayer.size + config.size + manifest.size,
      uncompressedSize: runtimeLayer.uncompressedSize + appLayer.uncompressedSize,
    });
  });
  const index = writeJsonBlob(blobs, MEDIA_TYPES.index, imageIndex(manifests, labels));
  writeLayout(outDir, index, refNames);

  const keep = new Set<string>([index.digest, appLayer.digest, ...runtimeLayers.map((l) => l.digest)]);
  for (const m of manifests) keep.add(m.digest);
  for (const im of images) keep.add(im.configDigest);
  pruneBlobs(blobs, keep);

  const info: BuildInfo = { inputsKey, indexDigest: index.digest, refNames, revision, sourceDateEpoch: epoch, node: NODE_VERSION, debian, images };
  fs.writeFileSync(join(outDir, BUILD_INFO_FILE), JSON.stringify(info, null, 2) + '\n');
  return { ...info, outDir, reused: false, seconds: (Date.now() - started) / 1000 };
}

function _parseArgs(argv: readonly string[]): BuildOptions {
  const opts: { -readonly [K in keyof BuildOptions]: BuildOptions[K] } = {};
  for (let i = 0; i < argv.length; i++) {
    const arg = argv[i];
    const value = () => {
      const v = argv[++i];
      if (v === undefined) throw new Error(`image build: ${arg} needs a value`);
      return v;
    };
    if (arg === '--out') {opts.outDir = value();} else if (arg === '--arch') {
      const arches = value().split(',');
      const bad = arches.filter((a) => !(IMAGE_ARCHES as readonly string[]).includes(a));
      if (bad.length) throw new Error(`image build: --arch ${bad.join(',')} is not supported; use ${IMAGE_ARCHES.join(',')}`);
      opts.arches = arches as ImageArch[];
    } else if (arg === '--no-reuse') {opts.reuse = false;} else if (arg === '--skip-bundle') {opts.bundle = false;} else if (arg === '--refresh-debian') {opts.refreshDebian = true;} else {throw new Error(`image build: unknown option ${arg} (options: --out DIR, --arch amd64,arm64, --no-reuse, --skip-bundle, --refresh-debian)`);}
  }
  return opts;
}

if (require.main === module) {
  buildImage(_parseArgs(process.argv.slice(2))).then((r) => {
    const mb = (n: number) => `${(n / 1e6).toFixed(1)} MB`;
    for (const im of r.images) {
      console.log(`${im.arch}: ${im.manifestDigest}  ${mb(im.compressedSize)} compressed, ${mb(im.uncompressedSize)} unpacked`);
    }
    console.log(`${r.reused ? 'reused' : 'built'} ${r.refNames[0]} in ${relative(process.cwd(), r.outDir) || '.'}: index ${r.indexDigest} (${r.seconds.toFixed(1)} s)`);
  }).catch((e) => {
    console.error(e instanceof Error ? e.message : e);
    process.exit(1);
  });
}
