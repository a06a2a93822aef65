// Files mode: receivers from YAML/JSON files, tokens from mounted Secrets. A bad document takes
// only its own receiver out of service; changes (including Kubernetes' atomic `..data` symlink
// swaps) are picked up by fs.watch + debounce + a full reload, with a slow poll as a safety net.
// The poll only stats the files a load reads and reloads when one of them changed: re-parsing
// everything every 10 s kept the process busy at rest (and, after a few rounds, V8 optimized the
// parsers: more resident memory, docs/benchmarks.md). A load runs in slices of a few
// milliseconds, one document at a time, and the new set replaces the old one only when complete:
// deliveries and health checks are answered while thousands of definitions are read.
// A `cdk8s synth` output directory is a valid location too: Receivers inside ConfigMap data
// (what WebhookReceiver mounts) are read, and objects that are not Receivers are skipped with
// one summary line, so `serve --receivers dist/` runs the synthesized app locally. Away from a
// pod, Secrets can be read by name through the API instead of a secrets directory.
import { createHash, Hash } from 'crypto';
import * as fs from 'fs';
import * as path from 'path';
import { parseAllDocuments } from 'yaml';
import { readMountedSecret, readMountedSecretKey, SecretRead } from './mounted-secrets';
import { checkReceiverDefinition } from './receiver-document-check';
import { definitionDocuments, definitionFiles, ParsedDocument } from './receiver-files';
import { hookPath, RECEIVER_API_VERSION, RECEIVER_KIND, ReceiverObject, SECRET_KEYS } from '../../../src/model';
import type { Logger } from '../../observability/logger';
import { readVerificationKeys } from '../read-verification-keys';
import type { ReceiverSource, ServedReceiver } from '../receiver-source';

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
  /**
   * Reads a Secret through the API (`--secrets-from-cluster`): its data, or undefined when it
   * does not exist. Instead of `secretsDir`; each named Secret is read again every `secretsRefreshMs`.
   */
  readonly readSecret?: (namespace: string, name: string) => Promise<Record<string, Buffer> | undefined>;
  /** With readSecret: how often the named Secrets are read again. Default 30 s. */
  readonly secretsRefreshMs?: number;
}

/** Secrets read through the API, by `namespace/name`: the data, or why there is none. */
export type FetchedSecrets = ReadonlyMap<string, Fetched>;
type Fetched = { readonly data: Record<string, Buffer> } | { readonly error: string };

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
  /** Objects that are not Receivers (a synthesized app's Deployment, Service, …), counted by kind. */
  readonly skipped: Record<string, number>;
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
  private latest: LoadResult = { receivers: [], problems: [], skipped: {} };
  /** With readSecret: the last answer for each named Secret, and when they were read. */
  private fetched = new Map<string, Fetched>();
  private fetchedAt = 0;
  /** The receivers logged as served, to log only what a load changes. */
  private logged = new Set<string>();
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
    for (const { dir, relevant } of this.watchedDirectories()) {
      try {
        const watcher = fs.watch(dir, { recursive: true, persistent: false }, (_event, name) => {
          if (!relevant(name)) return;
          // Which change a reload follows from, for whoever wonders why the server reloaded.
          this.options.log.debug('receiver files changed; reloading', { dir, file: name === null ? undefined : String(name) });
          this.schedule();
        });
        watcher.on('error', (err) => this.options.log.warn('file watch failed; relying on periodic rescans', { dir, error: err }));
        this.watchers.push(watcher);
      } catch (err) {
        this.options.log.warn('cannot watch directory; relying on periodic rescans', { dir, error: err as Error });
      }
    }
    this.poller = setInterval(() => this.poll(), this.options.pollMs ?? 10_000);
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
        await this.loadOnce();
      } while (this.loadAgain && !this.stopped);
    })().finally(() => {
      this.loading = undefined;
    });
    return this.loading;
  }

  private async loadOnce(): Promise<void> {
    // Taken before reading: a change made during the load shows up at the next poll.
    this.signature = signatureOrUndefined(this.options);
    let result: LoadResult & { readonly fingerprint: string };
    try {
      const readSecret = this.options.readSecret ? this.secretReader(this.options.readSecret) : undefined;
      const fetchedSecrets = readSecret ? this.fetched : undefined;
      const sliceMs = this.options.sliceMs ?? DEFAULT_SLICE_MS;
      result = await loadReceiverFilesInSlices({ ...this.options, fetchedSecrets }, this.knownPaths, sliceMs, readSecret);
    } catch (err) {
      // The location vanished or is unreadable: keep serving the last good set.
      this.options.log.error('cannot read receiver definitions; keeping the previous set', { location: this.options.receivers, error: err as Error });
      if (!this.fingerprint) this.publish({ receivers: [], problems: [{ origin: this.options.receivers, object: '-', message: (err as Error).message }], skipped: {} }, 'unreadable');
      return;
    }
    if (this.stopped || result.fingerprint === this.fingerprint) return;
    for (const r of result.receivers) if (r.webhookPath) this.knownPaths.set(r.key, r.webhookPath);
    this.publish(result, result.fingerprint);
  }

  /**
   * With readSecret: what the load calls for a Secret a receiver names that is not in `fetched`.
   * When the last refresh is old, `fetched` starts empty, so the load reads each named Secret once.
   */
  private secretReader(readSecret: NonNullable<FileReceiverSourceOptions['readSecret']>): (key: string) => Promise<void> {
    if (Date.now() - this.fetchedAt >= (this.options.secretsRefreshMs ?? 30_000)) {
      this.fetched = new Map();
      this.fetchedAt = Date.now();
    }
    const fetched = this.fetched;
    return async (key) => {
      const [namespace, name] = key.split('/');
      try {
        const data = await readSecret(namespace, name);
        fetched.set(key, data ? { data } : { error: `unable to read token from secret '${key}': it does not exist` });
      } catch (err) {
        fetched.set(key, { error: `unable to read token from secret '${key}': ${(err as Error).message}` });
      }
    };
  }

  private publish(result: LoadResult, fingerprint: string): void {
    this.fingerprint = fingerprint;
    this.latest = result;
    for (const p of result.problems) {
      this.options.log.error('invalid receiver definition', { origin: p.origin, object: p.object, field: p.field, error: p.message });
    }
    for (const r of result.receivers.filter((x) => !x.ready)) {
      this.options.log.error('receiver not ready', { receiver: r.key, origin: r.origin, served: r.webhookPath !== undefined, reason: r.notReadyReason });
    }
    // What `send` points at when a path gets 404: the receivers this server serves, by name (never
    // by path); once each, when it starts being served, so thousands of receivers do not log
    // thousands of lines at every reload.
    const ready = new Set<string>();
    for (const r of result.receivers.filter((x) => x.ready)) {
      ready.add(r.key);
      if (!this.logged.has(r.key)) this.options.log.info('serving receiver', { receiver: r.key, type: r.object.spec?.type, origin: r.origin });
    }
    this.logged = ready;
    const skipped = Object.entries(result.skipped);
    if (skipped.length > 0) {
      this.options.log.info('skipped objects that are not Receivers', {
        count: skipped.reduce((n, [, c]) => n + c, 0),
        kinds: skipped.map(([kind, c]) => `${kind}: ${c}`).join(', '),
      });
    }
    this.options.log.info('receivers loaded', {
      ready: result.receivers.filter((r) => r.ready).length,
      notReady: result.receivers.filter((r) => !r.ready).length,
      problems: result.problems.length,
    });
    this.onChange?.(result.receivers);
  }

  /** A full reload only when a file a load reads changed (or cannot be checked, or changed just now). */
  private poll(): void {
    // A load in progress takes its own signature; the next poll compares with that one.
    if (this.loading) return;
    const signature = signatureOrUndefined(this.options);
    const secretsDue = this.options.readSecret !== undefined && Date.now() - this.fetchedAt >= (this.options.secretsRefreshMs ?? 30_000);
    if (signature === undefined || signature !== this.signature || secretsDue) void this.reload();
  }

  private schedule(): void {
    clearTimeout(this.timer);
    this.timer = setTimeout(() => void this.reload(), this.options.debounceMs ?? 200);
  }

  /**
   * The directories to watch, and which changes in each matter. A single definitions file is
   * watched through its directory (the kubelet replaces it by swapping `..data`), where other
   * files may change all the time: only its own name and the kubelet's `..` entries count there.
   */
  private watchedDirectories(): Watched[] {
    const any = (): boolean => true;
    const watched: Watched[] = [];
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

interface Watched {
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
export function loadReceiverFiles(options: LoadOptions, knownPaths: ReadonlyMap<string, string> = new Map()): LoadResult {
  const result: LoadResult = { receivers: [], problems: [], skipped: {} };
  for (const _document of loadSteps(options, knownPaths, result, createHash('sha256')));
  return result;
}

/**
 * The same load, giving the event loop back whenever it has run for `sliceMs`: between two
 * documents, each parsed, checked (schema, CEL) and read (Secret) in one go. With `readSecret`,
 * a Secret a receiver names that `fetchedSecrets` lacks is read into it first, so one pass over
 * the definitions finds and uses them.
 */
export async function loadReceiverFilesInSlices(
  options: LoadOptions,
  knownPaths: ReadonlyMap<string, string>,
  sliceMs: number,
  readSecret?: (key: string) => Promise<void>,
): Promise<LoadResult & { readonly fingerprint: string }> {
  const result: LoadResult = { receivers: [], problems: [], skipped: {} };
  const hash = createHash('sha256');
  let sliceStart = performance.now();
  for (const step of loadSteps(options, knownPaths, result, hash, readSecret !== undefined)) {
    if (step.secret !== undefined) {
      await readSecret!(step.secret);
      continue;
    }
    if (performance.now() - sliceStart < sliceMs) continue;
    await new Promise((resolve) => setImmediate(resolve));
    sliceStart = performance.now();
  }
  hash.update(JSON.stringify(result.problems));
  return { ...result, fingerprint: hash.digest('hex') };
}

/** A point where a load may pause: between documents, or to have a Secret read (`namespace/name`) into `fetchedSecrets`. */
interface LoadStep {
  readonly secret?: string;
}

/**
 * Fills `result` one document at a time, yielding before each; every receiver goes into
 * `fingerprint` as it is made (what it serves, with its secrets hashed), so a load that changes
 * nothing is told apart without another pass.
 */
function* loadSteps(
  options: LoadOptions,
  knownPaths: ReadonlyMap<string, string>,
  result: LoadResult,
  fingerprint: Hash,
  readsSecrets = false,
): Generator<LoadStep> {
  const { receivers, problems, skipped } = result;
  const seen = new Map<string, string>();
  for (const file of definitionFiles(options.receivers)) {
    for (const parsed of definitionDocuments(file)) {
      yield {};
      for (const doc of receiverDocuments(parsed, options.defaultNamespace, skipped)) {
        const origin = doc.origin;
        if (doc.syntaxError) {
          problems.push({ origin, object: `document ${doc.index}`, message: `cannot parse: ${doc.syntaxError}` });
          continue;
        }
        const check = checkReceiverDefinition(doc.value, doc.defaultNamespace);
        const object = check.key ?? `document ${doc.index}`;
        check.problems.forEach((p) => problems.push({ origin, object, field: p.path, message: p.message }));
        if (!check.key) continue;
        const first = seen.get(check.key);
        if (first) {
          problems.push({ origin, object, field: 'metadata.name', message: `duplicate Receiver ${check.key} (first defined in ${first}); this one is ignored` });
          continue;
        }
        seen.set(check.key, origin);
        const value = doc.value as ReceiverObject;
        const secret = secretKey(value, check.namespace!);
        if (readsSecrets && secret !== undefined && !options.fetchedSecrets?.has(secret)) yield { secret };
        const valid = check.problems.length === 0;
        const served = servedReceiver(check.key, value, check.namespace!, valid, origin, options, knownPaths, check.problems[0]);
        receivers.push(served);
        addToFingerprint(fingerprint, served);
      }
    }
  }
}

/** `namespace/name` of the Secret a Receiver names, if any. */
function secretKey(doc: ReceiverObject, namespace: string): string | undefined {
  const name = doc.spec?.secretRef?.name;
  return name ? `${namespace}/${name}` : undefined;
}

/** What one load reads: the definitions, and the Secrets from a directory or as read through the API. */
export interface LoadOptions extends Pick<FileReceiverSourceOptions, 'receivers' | 'secretsDir' | 'defaultNamespace'> {
  /** Instead of `secretsDir`: Secrets read through the API, by `namespace/name`. */
  readonly fetchedSecrets?: FetchedSecrets;
}

interface ReceiverDocument extends ParsedDocument {
  readonly origin: string;
  /** Namespace of a Receiver that names none: a ConfigMap's, else the configured default. */
  readonly defaultNamespace: string;
}

const DATA_KEY = /\.(ya?ml|json)$/i;
const RECEIVER_GROUP = `${RECEIVER_API_VERSION.split('/')[0]}/`;

/**
 * The documents to check as Receivers in one parsed document. Receivers inside ConfigMap data are
 * unpacked (what WebhookReceiver mounts, as it appears in a synthesized app); other Kubernetes
 * objects are counted in `skipped` instead of reported; anything that claims to be a Receiver, or
 * is no object at all, is checked (and reported if wrong).
 */
function receiverDocuments(doc: ParsedDocument, defaultNamespace: string, skipped: Record<string, number>): ReceiverDocument[] {
  const origin = `${doc.file}#${doc.index}`;
  const kind = otherKind(doc.value);
  if (kind === undefined) return [{ ...doc, origin, defaultNamespace }];
  const inner = kind === 'ConfigMap' ? configMapReceivers(doc, origin, defaultNamespace) : [];
  if (inner.length === 0) skipped[kind] = (skipped[kind] ?? 0) + 1;
  return inner;
}

/** The kind of a Kubernetes object that is not a Receiver; undefined for anything to check as one. */
function otherKind(value: unknown): string | undefined {
  const v = value as { kind?: unknown; apiVersion?: unknown } | null | undefined;
  if (typeof v !== 'object' || v === null || typeof v.kind !== 'string' || typeof v.apiVersion !== 'string') return undefined;
  if (v.kind === RECEIVER_KIND || v.apiVersion.startsWith(RECEIVER_GROUP)) return undefined;
  return v.kind;
}

/** The Receiver documents in a ConfigMap's `*.yaml|*.yml|*.json` data keys (other content is not ours to judge). */
function configMapReceivers(doc: ParsedDocument, origin: string, defaultNamespace: string): ReceiverDocument[] {
  const cm = doc.value as { apiVersion?: unknown; metadata?: { namespace?: unknown }; data?: unknown };
  if (cm.apiVersion !== 'v1' || typeof cm.data !== 'object' || cm.data === null) return [];
  const namespace = typeof cm.metadata?.namespace === 'string' ? cm.metadata.namespace : defaultNamespace;
  const out: ReceiverDocument[] = [];
  for (const [key, text] of Object.entries(cm.data as Record<string, unknown>)) {
    if (!DATA_KEY.test(key) || typeof text !== 'string') continue;
    parseAllDocuments(text).forEach((inner, j) => {
      if (inner.errors.length > 0) return;
      const value = inner.toJS() as { kind?: unknown } | null;
      if (value?.kind !== RECEIVER_KIND) return;
      out.push({ file: doc.file, index: doc.index, value, origin: `${origin}/${key}#${j + 1}`, defaultNamespace: namespace });
    });
  }
  return out;
}

function servedReceiver(
  key: string,
  doc: ReceiverObject,
  namespace: string,
  valid: boolean,
  origin: string,
  options: Pick<LoadOptions, 'secretsDir' | 'fetchedSecrets'>,
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
  const fetched = options.fetchedSecrets?.get(`${namespace}/${secretName}`);
  const read: SecretRead = options.fetchedSecrets
    ? fetchedSecret(namespace, secretName, fetched)
    : readMountedSecret(options.secretsDir, namespace, secretName);
  if (!read.ok) {
    return { key, object, origin, webhookPath: knownPaths.get(key), ready: false, notReadyReason: invalid ?? `TokenNotFound: ${read.reason}` };
  }
  const webhookPath = hookPath(read.secret.token!, name, namespace);
  const keys = readVerificationKeys(object, (k) => (fetched && 'data' in fetched ? fetched.data[k] : readMountedSecretKey(options.secretsDir!, secretName, k)));
  if (!keys.ok) return { key, object, origin, secret: read.secret, webhookPath, ready: false, notReadyReason: invalid ?? keys.reason };
  return { key, object, origin, secret: read.secret, verificationKeys: keys.keys, webhookPath, ready: valid, notReadyReason: invalid };
}

/** A Secret read through the API, checked like a mounted one (`token` required). */
function fetchedSecret(namespace: string, name: string, fetched: Fetched | undefined): SecretRead {
  if (!fetched) return { ok: false, reason: `unable to read token from secret '${namespace}/${name}': not read yet` };
  if ('error' in fetched) return { ok: false, reason: fetched.error };
  const token = fetched.data[SECRET_KEYS.token];
  if (!token) return { ok: false, reason: `invalid '${namespace}/${name}' secret data: required fields '${SECRET_KEYS.token}'` };
  return { ok: true, secret: { token, email: fetched.data[SECRET_KEYS.email], audience: fetched.data[SECRET_KEYS.audience] } };
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

function signatureOrUndefined(options: Pick<FileReceiverSourceOptions, 'receivers' | 'secretsDir'>): string | undefined {
  try {
    return receiverFilesSignature(options);
  } catch {
    return undefined;
  }
}

function addToFingerprint(hash: Hash, r: ServedReceiver): void {
  hash.update(JSON.stringify([r.key, r.origin, r.webhookPath, r.ready, r.notReadyReason, r.object]));
  for (const v of [r.secret?.token, r.secret?.email, r.secret?.audience]) hash.update(v ? createHash('sha256').update(v).digest('hex') : '-');
  for (const k of r.verificationKeys ?? []) hash.update(`${k.name}=${createHash('sha256').update(k.value).digest('hex')}`);
}
