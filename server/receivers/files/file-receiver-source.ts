// Files mode: receivers from YAML/JSON files, tokens from mounted Secrets. A bad document takes
// only its own receiver out of service; changes (including Kubernetes' atomic `..data` symlink
// swaps) are picked up by fs.watch + debounce + a full reload, with a slow poll as a safety net.
// The poll only stats the files a load reads and reloads when one of them changed: re-parsing
// everything every 10 s kept the process busy at rest (and, after a few rounds, V8 optimized the
// parsers: about 3 MB more resident memory, docs/benchmarks.md). A load runs in slices of a few
// milliseconds, one document at a time, and the new set replaces the old one only when complete:
// deliveries and health checks are answered while thousands of definitions are read.
import { createHash, Hash } from 'crypto';
import * as fs from 'fs';
import * as path from 'path';
import { readMountedSecret, readMountedSecretKey } from './mounted-secrets';
import { checkReceiverDefinition } from './receiver-document-check';
import { definitionDocuments, definitionFiles } from './receiver-files';
import { hookPath, RECEIVER_API_VERSION, RECEIVER_KIND, ReceiverObject } from '../../../src/model';
import type { Logger } from '../../observability/logger';
import type { ReceiverSource, ServedReceiver } from '../receiver-source';
import { readVerificationKeys } from '../verification-keys';

export interface FileReceiverSourceOptions {
  /** A file or a directory of definitions. */
  readonly receivers: string;
  readonly secretsDir?: string;
  /** Namespace of documents that name none. */
  readonly defaultNamespace: string;
  readonly log: Logger;
  /** Quiet time after a change before reloading. */
  readonly debounceMs?: number;
  /** Safety-net check interval (fs.watch can miss events on some filesystems). */
  readonly pollMs?: number;
  /** Longest stretch a load keeps the event loop before it lets other work run. */
  readonly sliceMs?: number;
}

/** A definition that could not be served as written. */
export interface LoadProblem {
  /** `<file>#<document>`. */
  readonly origin: string;
  /** `<namespace>/<name>` when known, else `document <n>`. */
  readonly object: string;
  /** The field, e.g. `spec.resources[0].kind`. */
  readonly field?: string;
  readonly message: string;
}

export interface LoadResult {
  readonly receivers: ServedReceiver[];
  readonly problems: LoadProblem[];
}

export class FileReceiverSource implements ReceiverSource {
  private watchers: fs.FSWatcher[] = [];
  private timer?: NodeJS.Timeout;
  private poller?: NodeJS.Timeout;
  private fingerprint = '';
  /** The files' signature taken before the last load (undefined: could not be taken). */
  private signature?: string;
  private readonly knownPaths = new Map<string, string>();
  private onChange?: (receivers: readonly ServedReceiver[]) => void;
  private latest: LoadResult = { receivers: [], problems: [] };
  /** The load in progress, and whether another was asked for meanwhile. */
  private loading?: Promise<void>;
  private loadAgain = false;
  private stopped = false;

  constructor(private readonly options: FileReceiverSourceOptions) {}

  /** Problems of the last load. */
  get problems(): readonly LoadProblem[] {
    return this.latest.problems;
  }

  async start(onChange: (receivers: readonly ServedReceiver[]) => void): Promise<void> {
    this.onChange = onChange;
    try {
      definitionFiles(this.options.receivers);
    } catch (err) {
      throw new Error(`cannot read receiver definitions from ${this.options.receivers}: ${(err as Error).message}`);
    }
    await this.reload();
    for (const { dir, relevant } of this._watchedDirectories()) {
      try {
        const watcher = fs.watch(dir, { recursive: true, persistent: false }, (_event, name) => {
          if (relevant(name)) this._schedule();
        });
        watcher.on('error', (err) => this.options.log.warn('file watch failed; relying on periodic rescans', { dir, error: err }));
        this.watchers.push(watcher);
      } catch (err) {
        this.options.log.warn('cannot watch directory; relying on periodic rescans', { dir, error: err as Error });
      }
    }
    this.poller = setInterval(() => this._poll(), this.options.pollMs ?? 10_000);
    this.poller.unref();
  }

  async stop(): Promise<void> {
    this.stopped = true;
    this.watchers.forEach((w) => w.close());
    this.watchers = [];
    clearTimeout(this.timer);
    clearInterval(this.poller);
  }

  /**
   * Reads everything again and publishes the result if anything changed. One load at a time: a
   * reload asked for during a load runs once more after it (the files may have changed since it
   * read them); the promise settles when no load is left.
   */
  reload(): Promise<void> {
    if (this.loading) {
      this.loadAgain = true;
      return this.loading;
    }
    this.loading = (async () => {
      do {
        this.loadAgain = false;
        await this._loadOnce();
      } while (this.loadAgain && !this.stopped);
    })().finally(() => {
      this.loading = undefined;
    });
    return this.loading;
  }

  private async _loadOnce(): Promise<void> {
    // Taken before reading: a change made during the load shows up at the next poll.
    this.signature = _signatureOrUndefined(this.options);
    let result: LoadResult & { readonly fingerprint: string };
    try {
      result = await loadReceiverFilesInSlices(this.options, this.knownPaths, this.options.sliceMs ?? DEFAULT_SLICE_MS);
    } catch (err) {
      // The location vanished or is unreadable: keep serving the last good set.
      this.options.log.error('cannot read receiver definitions; keeping the previous set', { location: this.options.receivers, error: err as Error });
      if (!this.fingerprint) this._publish({ receivers: [], problems: [{ origin: this.options.receivers, object: '-', message: (err as Error).message }] }, 'unreadable');
      return;
    }
    if (this.stopped || result.fingerprint === this.fingerprint) return;
    for (const r of result.receivers) if (r.webhookPath) this.knownPaths.set(r.key, r.webhookPath);
    this._publish(result, result.fingerprint);
  }

  private _publish(result: LoadResult, fingerprint: string): void {
    this.fingerprint = fingerprint;
    this.latest = result;
    for (const p of result.problems) {
      this.options.log.error('invalid receiver definition', { origin: p.origin, object: p.object, field: p.field, error: p.message });
    }
    for (const r of result.receivers.filter((x) => !x.ready)) {
      this.options.log.error('receiver not ready', { receiver: r.key, origin: r.origin, served: r.webhookPath !== undefined, reason: r.notReadyReason });
    }
    this.options.log.info('receivers loaded', {
      ready: result.receivers.filter((r) => r.ready).length,
      notReady: result.receivers.filter((r) => !r.ready).length,
      problems: result.problems.length,
    });
    this.onChange?.(result.receivers);
  }

  /** A full reload only when a file a load reads changed (or cannot be checked, or changed just now). */
  private _poll(): void {
    // A load in progress takes its own signature; the next poll compares with that one.
    if (this.loading) return;
    const signature = _signatureOrUndefined(this.options);
    if (signature === undefined || signature !== this.signature) void this.reload();
  }

  private _schedule(): void {
    clearTimeout(this.timer);
    this.timer = setTimeout(() => void this.reload(), this.options.debounceMs ?? 200);
  }

  /**
   * The directories to watch, and which changes in each matter. A single definitions file is
   * watched through its directory (the kubelet replaces it by swapping `..data`), where other
   * files may change all the time: only its own name and the kubelet's `..` entries count there.
   */
  private _watchedDirectories(): _Watched[] {
    const any = (): boolean => true;
    const watched: _Watched[] = [];
    let isDirectory = false;
    try {
      isDirectory = fs.statSync(this.options.receivers).isDirectory();
    } catch {
      isDirectory = false;
    }
    if (isDirectory) {
      watched.push({ dir: this.options.receivers, relevant: any });
    } else {
      const base = path.basename(this.options.receivers);
      watched.push({
        dir: path.dirname(this.options.receivers),
        relevant: (name) => name === null || String(name) === base || String(name).startsWith('..'),
      });
    }
    if (this.options.secretsDir && fs.existsSync(this.options.secretsDir)) watched.push({ dir: this.options.secretsDir, relevant: any });
    return watched;
  }
}

interface _Watched {
  readonly dir: string;
  /** Whether a change to `name` (relative to `dir`, null when the platform does not say) may change a load. */
  readonly relevant: (name: string | Buffer | null) => boolean;
}

/** A slice of a load: short enough that a delivery or a health check never waits long behind it. */
const DEFAULT_SLICE_MS = 10;

/**
 * One full load. `knownPaths` holds the last path each receiver was served on, so a receiver
 * whose Secret disappears keeps answering 503 there instead of vanishing.
 */
export function loadReceiverFiles(options: Pick<FileReceiverSourceOptions, 'receivers' | 'secretsDir' | 'defaultNamespace'>, knownPaths: ReadonlyMap<string, string> = new Map()): LoadResult {
  const result: LoadResult = { receivers: [], problems: [] };
  for (const _document of _loadSteps(options, knownPaths, result, createHash('sha256')));
  return result;
}

/**
 * The same load, giving the event loop back whenever it has run for `sliceMs`: between two
 * documents, each parsed, checked (schema, CEL) and read (Secret) in one go.
 */
export async function loadReceiverFilesInSlices(
  options: Pick<FileReceiverSourceOptions, 'receivers' | 'secretsDir' | 'defaultNamespace'>,
  knownPaths: ReadonlyMap<string, string>,
  sliceMs: number,
): Promise<LoadResult & { readonly fingerprint: string }> {
  const result: LoadResult = { receivers: [], problems: [] };
  const hash = createHash('sha256');
  let sliceStart = performance.now();
  for (const _document of _loadSteps(options, knownPaths, result, hash)) {
    if (performance.now() - sliceStart < sliceMs) continue;
    await new Promise((resolve) => setImmediate(resolve));
    sliceStart = performance.now();
  }
  hash.update(JSON.stringify(result.problems));
  return { ...result, fingerprint: hash.digest('hex') };
}

/**
 * Fills `result` one document at a time, yielding before each; every receiver goes into
 * `fingerprint` as it is made (what it serves, with its secrets hashed), so a load that changes
 * nothing is told apart without another pass.
 */
function* _loadSteps(
  options: Pick<FileReceiverSourceOptions, 'receivers' | 'secretsDir' | 'defaultNamespace'>,
  knownPaths: ReadonlyMap<string, string>,
  result: LoadResult,
  fingerprint: Hash,
): Generator<void> {
  const { receivers, problems } = result;
  const seen = new Map<string, string>();
  for (const file of definitionFiles(options.receivers)) {
    for (const doc of definitionDocuments(file)) {
      yield;
      const origin = `${file}#${doc.index}`;
      if (doc.syntaxError) {
        problems.push({ origin, object: `document ${doc.index}`, message: `cannot parse: ${doc.syntaxError}` });
        continue;
      }
      const check = checkReceiverDefinition(doc.value, options.defaultNamespace);
      const object = check.key ?? `document ${doc.index}`;
      check.problems.forEach((p) => problems.push({ origin, object, field: p.path, message: p.message }));
      if (!check.key) continue;
      const first = seen.get(check.key);
      if (first) {
        problems.push({ origin, object, field: 'metadata.name', message: `duplicate Receiver ${check.key} (first defined in ${first}); this one is ignored` });
        continue;
      }
      seen.set(check.key, origin);
      const valid = check.problems.length === 0;
      const served = _served(check.key, doc.value as ReceiverObject, check.namespace!, valid, origin, options, knownPaths, check.problems[0]);
      receivers.push(served);
      _addToFingerprint(fingerprint, served);
    }
  }
}

function _served(
  key: string,
  doc: ReceiverObject,
  namespace: string,
  valid: boolean,
  origin: string,
  options: Pick<FileReceiverSourceOptions, 'secretsDir'>,
  knownPaths: ReadonlyMap<string, string>,
  firstProblem?: { path: string; message: string },
): ServedReceiver {
  const object: ReceiverObject = {
    ...doc,
    apiVersion: doc.apiVersion ?? RECEIVER_API_VERSION,
    kind: doc.kind ?? RECEIVER_KIND,
    metadata: { ...doc.metadata, namespace },
  };
  const name = object.metadata.name;
  const secretName = object.spec?.secretRef?.name;
  const invalid = valid ? undefined : `ValidationFailed: ${firstProblem!.path}: ${firstProblem!.message}`;
  if (object.spec?.type === 'generic-oidc' && !secretName) {
    return { key, object, origin, webhookPath: hookPath('', name, namespace), ready: valid, notReadyReason: invalid };
  }
  if (!secretName) {
    return { key, object, origin, webhookPath: knownPaths.get(key), ready: false, notReadyReason: invalid ?? 'ValidationFailed: secretRef is required' };
  }
  const read = readMountedSecret(options.secretsDir, namespace, secretName);
  if (!read.ok) {
    return { key, object, origin, webhookPath: knownPaths.get(key), ready: false, notReadyReason: invalid ?? `TokenNotFound: ${read.reason}` };
  }
  const webhookPath = hookPath(read.secret.token!, name, namespace);
  const keys = readVerificationKeys(object, (k) => readMountedSecretKey(options.secretsDir!, secretName, k));
  if (!keys.ok) return { key, object, origin, secret: read.secret, webhookPath, ready: false, notReadyReason: invalid ?? keys.reason };
  return { key, object, origin, secret: read.secret, verificationKeys: keys.keys, webhookPath, ready: valid, notReadyReason: invalid };
}

/**
 * File times have a coarse clock (a few ms; a second or two on some filesystems): a file that
 * changed this recently may change again with the same size and times, so a signature that
 * includes one is not trusted (git's "racily clean" problem).
 */
export const RACY_WINDOW_MS = 2000;

/**
 * What a load reads, by identity, size and times: the definition files, each Secret directory
 * and every visible file in it (stat follows the kubelet's `..data` symlinks, so a swap changes
 * the inode). Undefined when one of them changed within RACY_WINDOW_MS of `nowMs`. Throws when
 * the definitions location cannot be read.
 */
export function receiverFilesSignature(options: Pick<FileReceiverSourceOptions, 'receivers' | 'secretsDir'>, nowMs = Date.now()): string | undefined {
  const parts: string[] = [];
  let newestNs = 0n;
  const add = (file: string): void => {
    try {
      const s = fs.statSync(file, { bigint: true });
      parts.push(`${file}\u0000${s.dev}:${s.ino}:${s.size}:${s.mtimeNs}:${s.ctimeNs}`);
      for (const ns of [s.mtimeNs, s.ctimeNs]) if (ns > newestNs) newestNs = ns;
    } catch (err) {
      parts.push(`${file}\u0000${(err as NodeJS.ErrnoException).code ?? 'unreadable'}`);
    }
  };
  const visible = (dir: string): string[] => {
    try {
      return fs.readdirSync(dir).filter((name) => !name.startsWith('.')).sort().map((name) => path.join(dir, name));
    } catch (err) {
      parts.push(`${dir}/\u0000${(err as NodeJS.ErrnoException).code ?? 'unreadable'}`);
      return [];
    }
  };
  definitionFiles(options.receivers).forEach(add);
  if (options.secretsDir) {
    for (const dir of visible(options.secretsDir)) {
      add(dir);
      visible(dir).forEach(add);
    }
  }
  if (newestNs > BigInt(nowMs - RACY_WINDOW_MS) * 1_000_000n) return undefined;
  return parts.join('\n');
}

function _signatureOrUndefined(options: Pick<FileReceiverSourceOptions, 'receivers' | 'secretsDir'>): string | undefined {
  try {
    return receiverFilesSignature(options);
  } catch {
    return undefined;
  }
}

function _addToFingerprint(hash: Hash, r: ServedReceiver): void {
  hash.update(JSON.stringify([r.key, r.origin, r.webhookPath, r.ready, r.notReadyReason, r.object]));
  for (const v of [r.secret?.token, r.secret?.email, r.secret?.audience]) hash.update(v ? createHash('sha256').update(v).digest('hex') : '-');
  for (const k of r.verificationKeys ?? []) hash.update(`${k.name}=${createHash('sha256').update(k.value).digest('hex')}`);
}
