// One image layer, built so that the same entries always give the same bytes: entries are
// materialized with exact modes and numeric owners, archived by GNU tar in name order with a
// fixed mtime and no atime/ctime/PID in pax headers, then gzipped by zlib (fixed header).
import { spawn } from 'child_process';
import { createHash } from 'crypto';
import * as fs from 'fs';
import { dirname, join } from 'path';
import { Transform } from 'stream';
import { pipeline } from 'stream/promises';
import { createGzip } from 'zlib';

export interface LayerEntry {
  /** Path inside the image, without the leading slash. */
  readonly path: string;
  readonly kind: 'dir' | 'file' | 'symlink';
  readonly mode?: number;
  readonly uid?: number;
  readonly gid?: number;
  /** For files: copy this host file... */
  readonly source?: string;
  /** ...or write this content. */
  readonly content?: string | Buffer;
  /** For symlinks. */
  readonly target?: string;
}

export interface LayerBlob {
  /** sha256 of the gzipped tar (the layer's descriptor digest). */
  readonly digest: string;
  /** sha256 of the uncompressed tar (the config's rootfs.diff_ids entry). */
  readonly diffId: string;
  readonly size: number;
  readonly uncompressedSize: number;
}

/** Adds the missing parent directories (root-owned, 0755) and sorts the entries by path. */
export function completeEntries(entries: readonly LayerEntry[]): LayerEntry[] {
  const byPath = new Map<string, LayerEntry>();
  for (const e of entries) {
    if (e.path.startsWith('/') || e.path.split('/').includes('..')) throw new Error(`layer entry path ${JSON.stringify(e.path)} must be relative and stay inside the image`);
    if (byPath.has(e.path)) throw new Error(`layer entry ${e.path} is listed twice`);
    byPath.set(e.path, e);
  }
  for (const e of entries) {
    for (let p = dirname(e.path); p !== '.' && p !== ''; p = dirname(p)) {
      if (!byPath.has(p)) byPath.set(p, { path: p, kind: 'dir' });
    }
  }
  return [...byPath.values()].sort((a, b) => (a.path < b.path ? -1 : a.path > b.path ? 1 : 0));
}

function _materialize(entries: readonly LayerEntry[], stage: string): void {
  fs.rmSync(stage, { recursive: true, force: true });
  fs.mkdirSync(stage, { recursive: true });
  for (const e of entries) {
    const dest = join(stage, e.path);
    if (e.kind === 'dir') {
      fs.mkdirSync(dest, { recursive: true });
      fs.chmodSync(dest, e.mode ?? 0o755);
    } else if (e.kind === 'file') {
      if (e.source !== undefined) fs.copyFileSync(e.source, dest);
      else if (e.content !== undefined) fs.writeFileSync(dest, e.content);
      else throw new Error(`layer entry ${e.path} is a file without source or content`);
      fs.chmodSync(dest, e.mode ?? 0o644);
    } else {
      if (!e.target) throw new Error(`layer entry ${e.path} is a symlink without target`);
      fs.symlinkSync(e.target, dest);
    }
    fs.lchownSync(dest, e.uid ?? 0, e.gid ?? 0);
  }
}

function _hashing(hash: ReturnType<typeof createHash>, counter: { bytes: number }): Transform {
  return new Transform({
    transform(chunk: Buffer, _enc, cb) {
      hash.update(chunk);
      counter.bytes += chunk.length;
      cb(null, chunk);
    },
  });
}

/**
 * Writes the layer blob into `blobsDir` (named by digest) and returns its digests.
 * `stage` is a scratch directory; it is removed afterwards. Needs root (exact file owners).
 */
export async function writeLayer(entries: readonly LayerEntry[], stage: string, blobsDir: string, epoch: number): Promise<LayerBlob> {
  if (process.getuid?.() !== 0) {
    throw new Error('image build: layers need exact file owners (root, and uid 65532 for the home directory); run the build as root (CI does)');
  }
  const all = completeEntries(entries);
  _materialize(all, stage);
  const topLevel = all.filter((e) => !e.path.includes('/')).map((e) => e.path);
  const tar = spawn('tar', [
    '--create', '--file=-', `--directory=${stage}`,
    '--sort=name', '--format=posix', '--numeric-owner', '--no-acls', '--no-xattrs', '--no-selinux',
    '--pax-option=exthdr.name=%d/PaxHeaders/%f,delete=atime,delete=ctime',
    `--mtime=@${epoch}`,
    '--', ...topLevel,
  ], { stdio: ['ignore', 'pipe', 'pipe'] });
  let stderr = '';
  tar.stderr.on('data', (d) => (stderr += d));
  const exited = new Promise<void>((resolve, reject) => {
    tar.on('error', reject);
    tar.on('close', (code) => (code === 0 ? resolve() : reject(new Error(`image build: tar failed (exit ${code}): ${stderr.trim()}`))));
  });

  fs.mkdirSync(blobsDir, { recursive: true });
  const tmp = join(blobsDir, `.layer-${process.pid}-${Math.random().toString(16).slice(2)}`);
  const diffHash = createHash('sha256');
  const blobHash = createHash('sha256');
  const raw = { bytes: 0 };
  const gz = { bytes: 0 };
  await Promise.all([
    pipeline(tar.stdout, _hashing(diffHash, raw), createGzip({ level: 9, memLevel: 9 }), _hashing(blobHash, gz), fs.createWriteStream(tmp)),
    exited,
  ]);
  const digest = `sha256:${blobHash.digest('hex')}`;
  fs.renameSync(tmp, join(blobsDir, digest.slice('sha256:'.length)));
  fs.rmSync(stage, { recursive: true, force: true });
  return { digest, diffId: `sha256:${diffHash.digest('hex')}`, size: gz.bytes, uncompressedSize: raw.bytes };
}
