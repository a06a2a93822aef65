// Cluster mode (`serve --watch-receivers [--namespace ns]`): receivers come from
// `notification.toolkit.fluxcd.io/v1` Receiver objects, their tokens from Secrets, both kept in
// informer caches so the webhook hot path never waits on the API server. server/main.ts builds
// one from the command line (statusWrites 'auto'); tests build their own. It uses client-node's
// ListWatch and CustomObjectsApi directly rather than kube/ (full objects and status writes,
// which kube/'s metadata client does not do; see docs/architecture.md).
//
// `start` resolves after the first complete list of Receivers and Secrets has been emitted; it
// rejects with an Error that names the resource, the namespace scope and the missing permission
// when the initial list/watch fails. Later watch failures are logged and retried with backoff
// (`lastError` holds the one not yet recovered from; /readyz does not use it, since the last good
// set keeps being served meanwhile).
//
// Status: like notification-controller (Ready/Reconciling/Stalled, webhookPath,
// observedGeneration, lastHandledReconcileAt), written through the /status subresource with a
// JSON merge patch guarded by resourceVersion, and only when it differs from what is stored.
// `statusWrites`:
//   'auto'   – only for Receivers no notification-controller manages (no `finalizers.fluxcd.io`
//              finalizer, no managedFields entry by `notification-controller`); others are served,
//              never written;
//   'always' – for every Receiver (do not run next to notification-controller);
//   'never'  – read-only (no receivers/status permission needed).
//
// Secrets: `secretReads` 'watch' (default) list/watches every Secret of the scope, so a rotated
// token applies at once. 'get' reads only the Secrets Receivers reference, one GET each by name,
// so RBAC can be `get` with `resourceNames`: a Secret is read when a Receiver referencing it
// appears or changes, and re-read every `secretRefreshIntervalMs` (a rotated token applies
// within that interval plus one GET).
import {
  CoreV1Api, CustomObjectsApi, KubeConfig, ListWatch, PatchStrategy, Watch, setHeaderOptions,
  type KubernetesListObject, type KubernetesObject, type V1Secret,
} from '@kubernetes/client-node';
import { apiErrorDetails, describeApiError } from './_api-error';
import type { ReceiverSource, ServedReceiver } from '../receiver-source';
import {
  evaluateReceiver, secretMissingTokenMessage, secretNotFoundApiError, secretReadErrorMessage, statusEquals,
  type TokenLookup, type ValidationProblem,
} from './receiver-status';
import type { ReceiverObject, ReceiverStatus } from '../../../src/model';
import { RECEIVER_API_VERSION } from '../../../src/model';
import { createLogger, type Logger } from '../../observability/logger';
import type { ReceiverSecret } from '../../providers/provider';
import { clusterModeRefusal } from '../extension-types';
import { validateReceiverSpec } from '../receiver-spec-check';
import { readVerificationKeys } from '../verification-keys';

export type StatusWrites = 'auto' | 'always' | 'never';

export interface ClusterReceiverSourceOptions {
  readonly kubeConfig: KubeConfig;
  /** Watch only this namespace (a Role is then enough); all namespaces when omitted. */
  readonly namespace?: string;
  readonly statusWrites: StatusWrites;
  readonly logger?: Logger;
  /** Field manager of the status patches. Default `flux-webhook-receiver`. */
  readonly fieldManager?: string;
  /**
   * How often everything is re-evaluated and failed status writes are retried (Flux requeues
   * every `spec.interval`, 10m by default). Default 10 minutes.
   */
  readonly resyncIntervalMs?: number;
  /** How long `start` retries transient API errors (429, 5xx, network) before rejecting. Default 60 s. */
  readonly startTimeoutMs?: number;
  /** 'watch' (default): list/watch the Secrets of the scope; 'get': GET each referenced Secret by name. */
  readonly secretReads?: SecretReads;
  /** With secretReads 'get': how often the referenced Secrets are re-read. Default 30 s. */
  readonly secretRefreshIntervalMs?: number;
}

export type SecretReads = 'watch' | 'get';

/** With secretReads 'get', the default re-read interval: the bound for a rotated token to apply. */
export const DEFAULT_SECRET_REFRESH_MS = 30_000;

/** The finalizer notification-controller puts on every Receiver it reconciles. */
export const FLUX_FINALIZER = 'finalizers.fluxcd.io';
/** notification-controller's field manager name. */
export const FLUX_FIELD_MANAGER = 'notification-controller';
export const DEFAULT_FIELD_MANAGER = 'flux-webhook-receiver';

/** Helm release Secrets are large and never hold receiver tokens: they are not watched. */
export const SECRETS_FIELD_SELECTOR = 'type!=helm.sh/release.v1';

const [GROUP, VERSION] = RECEIVER_API_VERSION.split('/');
const PLURAL = 'receivers';
const DOCS_HINT = 'see "Cluster mode" in docs/server.md for the RBAC this mode needs';
const MIN_RETRY_MS = 500;
const MAX_RETRY_MS = 30_000;

/** One answer of a GET of a Secret: its data, or the API's error text. `version` tells answers apart. */
interface NamedSecret {
  readonly data?: Record<string, string>;
  readonly error?: string;
  readonly version: string;
}

interface ClusterReceiver extends KubernetesObject {
  readonly spec?: ReceiverObject['spec'];
  readonly status?: ReceiverStatus;
}

/** Whether a running notification-controller owns this Receiver's status. */
export function managedByNotificationController(obj: KubernetesObject): boolean {
  const meta = obj.metadata;
  if (meta?.finalizers?.includes(FLUX_FINALIZER)) return true;
  return (meta?.managedFields ?? []).some((f) => f.manager === FLUX_FIELD_MANAGER);
}

export class ClusterReceiverSource implements ReceiverSource {
  private readonly kc: KubeConfig;
  private readonly namespace?: string;
  private readonly statusWrites: StatusWrites;
  private readonly log: Logger;
  private readonly fieldManager: string;
  private readonly resyncIntervalMs: number;
  private readonly startTimeoutMs: number;
  private readonly customObjects: CustomObjectsApi;

  private readonly secretReads: SecretReads;
  private readonly secretRefreshIntervalMs: number;
  private receivers?: ListWatch<ClusterReceiver>;
  private secrets?: ListWatch<V1Secret>;
  /** secretReads 'get': the last answer of each referenced Secret (`ns/name`). */
  private readonly namedSecrets = new Map<string, NamedSecret>();
  /** secretReads 'get': Secrets to read again before the next pass (their Receiver changed). */
  private readonly staleSecrets = new Set<string>();
  private secretRefreshTimer?: NodeJS.Timeout;
  private core?: CoreV1Api;
  private onChange?: (receivers: readonly ServedReceiver[]) => void;
  private running = false;
  private starting = false;
  private scheduled = false;
  private resyncTimer?: NodeJS.Timeout;
  private readonly restartTimers = new Set<NodeJS.Timeout>();
  /** Consecutive failures per watch, for the retry backoff. */
  private readonly watchFailures = new Map<string, number>();
  /** Secrets (`ns/name`) referenced by some Receiver: only their events trigger a re-evaluation. */
  private referencedSecrets = new Set<string>();
  private readonly validations = new Map<string, { uid: string; generation: number; problem?: ValidationProblem }>();
  /** Status writes in flight or done, by receiver key: the base resourceVersion and the status sent. */
  private readonly writes = new Map<string, { resourceVersion: string; status: string }>();
  private readonly pendingWrites = new Set<Promise<void>>();
  /** The last logged state of each receiver (`ready` or its not-ready reason). */
  private readonly readiness = new Map<string, string>();
  private lastWatchError?: string;

  constructor(options: ClusterReceiverSourceOptions) {
    if (!['auto', 'always', 'never'].includes(options.statusWrites)) {
      throw new Error(`ClusterReceiverSource: statusWrites must be 'auto', 'always' or 'never', got '${String(options.statusWrites)}'`);
    }
    this.kc = options.kubeConfig;
    this.namespace = options.namespace || undefined;
    this.statusWrites = options.statusWrites;
    this.log = (options.logger ?? createLogger('info')).with({ component: 'cluster-source' });
    this.fieldManager = options.fieldManager ?? DEFAULT_FIELD_MANAGER;
    this.resyncIntervalMs = options.resyncIntervalMs ?? 10 * 60_000;
    this.startTimeoutMs = options.startTimeoutMs ?? 60_000;
    this.secretReads = options.secretReads ?? 'watch';
    if (!['watch', 'get'].includes(this.secretReads)) {
      throw new Error(`ClusterReceiverSource: secretReads must be 'watch' or 'get', got '${String(options.secretReads)}'`);
    }
    this.secretRefreshIntervalMs = options.secretRefreshIntervalMs ?? DEFAULT_SECRET_REFRESH_MS;
    this.customObjects = this.kc.makeApiClient(CustomObjectsApi);
  }

  /** The last list/watch failure not yet recovered from (logged; not part of /readyz). */
  get lastError(): string | undefined {
    return this.lastWatchError;
  }

  async start(onChange: (receivers: readonly ServedReceiver[]) => void): Promise<void> {
    if (this.running) throw new Error('ClusterReceiverSource already started');
    this.onChange = onChange;
    this.running = true;
    this.starting = true;
    const core = this.kc.makeApiClient(CoreV1Api);
    this.core = core;
    const ns = this.namespace;
    const scope = ns ? `in namespace ${ns}` : 'in all namespaces';

    this.receivers = new ListWatch<ClusterReceiver>(
      ns ? `/apis/${GROUP}/${VERSION}/namespaces/${ns}/${PLURAL}` : `/apis/${GROUP}/${VERSION}/${PLURAL}`,
      new Watch(this.kc),
      async (): Promise<KubernetesListObject<ClusterReceiver>> => (ns
        ? this.customObjects.listNamespacedCustomObject({ group: GROUP, version: VERSION, namespace: ns, plural: PLURAL })
        : this.customObjects.listClusterCustomObject({ group: GROUP, version: VERSION, plural: PLURAL })),
      false,
    );
    this.secrets = this.secretReads === 'get' ? undefined : new ListWatch<V1Secret>(
      ns ? `/api/v1/namespaces/${ns}/secrets` : '/api/v1/secrets',
      new Watch(this.kc),
      () => (ns
        ? core.listNamespacedSecret({ namespace: ns, fieldSelector: SECRETS_FIELD_SELECTOR })
        : core.listSecretForAllNamespaces({ fieldSelector: SECRETS_FIELD_SELECTOR })),
      false,
      undefined,
      SECRETS_FIELD_SELECTOR,
    );

    const onReceiver = (obj: ClusterReceiver): void => {
      // A changed Receiver re-reads its Secret (`flux reconcile receiver` picks up a rotation at once).
      const secretName = obj.spec?.secretRef?.name;
      if (this.secretReads === 'get' && secretName) this.staleSecrets.add(`${obj.metadata?.namespace}/${secretName}`);
      this.schedule();
    };
    const onSecret = (secret: V1Secret): void => {
      if (this.referencedSecrets.has(`${secret.metadata?.namespace}/${secret.metadata?.name}`)) this.schedule();
    };
    for (const verb of ['add', 'update', 'delete'] as const) {
      this.receivers.on(verb, onReceiver);
      this.secrets?.on(verb, onSecret);
    }
    const watches = [
      { what: `list/watch receivers.${GROUP} ${scope}`, informer: this.receivers, kind: 'receivers' as const, started: false },
      ...(this.secrets ? [{ what: `list/watch secrets ${scope}`, informer: this.secrets, kind: 'secrets' as const, started: false }] : []),
    ];
    const startErrors = new Map<string, unknown[]>();
    for (const w of watches) {
      startErrors.set(w.what, []);
      w.informer.on('error', (err: unknown) => {
        // Until its first list and watch succeed, a watch's errors belong to startWatch.
        if (!w.started) startErrors.get(w.what)!.push(err);
        else this.onWatchError(w.what, w.informer, err);
      });
    }

    let firstFailure: unknown;
    await Promise.allSettled(watches.map(async (w) => {
      try {
        await this.startWatch(w.what, w.kind, w.informer, startErrors.get(w.what)!);
        w.started = true;
      } catch (err) {
        // Make the other watch give up too; stop the informers only once both have settled,
        // so no list in flight can open a watch afterwards.
        this.running = false;
        firstFailure ??= err;
      }
    }));
    if (firstFailure === undefined && this.secretReads === 'get') {
      this.staleSecrets.clear();
      await this.readSecrets(this.referencedKeys(), true);
    }
    this.starting = false;
    if (firstFailure !== undefined) {
      await this.stop();
      throw firstFailure;
    }
    this.reconcileAll();
    this.resyncTimer = setInterval(() => {
      this.writes.clear();
      this.schedule();
    }, this.resyncIntervalMs);
    this.resyncTimer.unref();
    if (this.secretReads === 'get') {
      this.secretRefreshTimer = setInterval(() => {
        void this.readSecrets(this.referencedKeys(), true).then((changed) => {
          if (changed) this.schedule();
        });
      }, this.secretRefreshIntervalMs);
      this.secretRefreshTimer.unref();
    }
    this.log.info('watching receivers', { scope: ns ?? '*', statusWrites: this.statusWrites, secretReads: this.secretReads });
  }

  async stop(): Promise<void> {
    this.running = false;
    if (this.resyncTimer) clearInterval(this.resyncTimer);
    if (this.secretRefreshTimer) clearInterval(this.secretRefreshTimer);
    for (const t of this.restartTimers) clearTimeout(t);
    this.restartTimers.clear();
    await Promise.all([this.receivers?.stop(), this.secrets?.stop()]);
    await this.writesSettled();
  }

  /**
   * Resolves once every status write sent so far has been answered. A write is sent in the same
   * evaluation that hands the served receivers on, so after seeing an evaluation's result this
   * says whether it wrote anything.
   */
  async writesSettled(): Promise<void> {
    await Promise.allSettled([...this.pendingWrites]);
  }

  /**
   * Starts one informer. Transient failures (429 while the API server initialises, 5xx, network)
   * are retried until `startTimeoutMs`; 401/403/404 fail at once with what to fix.
   */
  private async startWatch(what: string, kind: 'receivers' | 'secrets', informer: { start(): Promise<void> }, errors: unknown[]): Promise<void> {
    const deadline = Date.now() + this.startTimeoutMs;
    for (let attempt = 1; ; attempt++) {
      if (!this.running) throw new Error('cluster mode stopped while starting');
      errors.length = 0;
      await informer.start();
      if (errors.length === 0) return;
      const { status, message } = apiErrorDetails(errors[0]);
      const text = `cannot ${what}: ${status ? `HTTP ${status}: ` : ''}${message}`;
      if (status === 401 || status === 403) {
        throw new Error(`cluster mode cannot start: ${text}; grant get, list and watch on ${kind} (${DOCS_HINT})`);
      }
      if (status === 404) {
        const hint = kind === 'receivers' ? 'is the Flux Receiver CRD (notification.toolkit.fluxcd.io/v1) installed?' : 'does the namespace exist?';
        throw new Error(`cluster mode cannot start: ${text}; ${hint}`);
      }
      const delay = Math.min(MIN_RETRY_MS * 2 ** (attempt - 1), MAX_RETRY_MS);
      if (!this.running || Date.now() + delay > deadline) {
        throw new Error(`cluster mode cannot start: ${text} (gave up after ${attempt} attempts)`);
      }
      this.log.warn('list/watch failed while starting; retrying', { error: text, retryInMs: delay });
      await new Promise((resolve) => setTimeout(resolve, delay));
    }
  }

  private onWatchError(what: string, informer: { start(): Promise<void> }, err: unknown): void {
    const { status, message } = apiErrorDetails(err);
    const text = `cannot ${what}: ${status ? `HTTP ${status}: ` : ''}${message}`;
    if (!this.running) return;
    this.lastWatchError = text;
    const failures = (this.watchFailures.get(what) ?? 0) + 1;
    this.watchFailures.set(what, failures);
    const delay = Math.min(MIN_RETRY_MS * 2 ** (failures - 1), MAX_RETRY_MS);
    this.log.error('watch failed; serving the last known receivers and retrying', { error: text, retryInMs: delay, hint: status === 403 ? DOCS_HINT : undefined });
    const timer = setTimeout(() => {
      this.restartTimers.delete(timer);
      if (!this.running) return;
      void informer.start().then(() => {
        // No new failure while relisting and re-watching: the watch is back.
        if (this.running && this.watchFailures.get(what) === failures) {
          this.watchFailures.delete(what);
          if (this.watchFailures.size === 0) this.lastWatchError = undefined;
          this.log.info('watch recovered', { watch: what });
          this.schedule();
        }
      });
    }, delay);
    this.restartTimers.add(timer);
  }

  /** Coalesces bursts of events (the initial list, a rollout of many Secrets) into one pass. */
  private schedule(): void {
    if (this.scheduled || this.starting || !this.running) return;
    this.scheduled = true;
    setImmediate(() => {
      void this.readPendingSecrets()
        .catch((err) => this.log.error('reading Secrets failed', { error: describeApiError(err) }))
        .then(() => {
          this.scheduled = false;
          if (this.running) this.reconcileAll();
        });
    });
  }

  /** secretReads 'get': reads Secrets not read yet or marked stale, until none is left (new ones may come meanwhile). */
  private async readPendingSecrets(): Promise<void> {
    if (this.secretReads !== 'get') return;
    for (let round = 0; round < 3 && this.running; round++) {
      const pending = this.referencedKeys().filter((k) => !this.namedSecrets.has(k) || this.staleSecrets.has(k));
      if (pending.length === 0) return;
      for (const k of pending) this.staleSecrets.delete(k);
      await this.readSecrets(pending, false);
    }
  }

  /** `ns/name` of every Secret a Receiver in the cache references. */
  private referencedKeys(): string[] {
    const keys = new Set<string>();
    for (const obj of this.receivers?.list() ?? []) {
      const secretName = obj.spec?.secretRef?.name;
      if (secretName) keys.add(`${obj.metadata?.namespace}/${secretName}`);
    }
    return [...keys];
  }

  /**
   * GETs each Secret by name. 404 and 401/403 are answers (the Receiver is not ready with the
   * API's message); other failures keep the last answer and are logged. With `prune`, answers
   * for Secrets no longer in `keys` are dropped. Returns whether any answer changed.
   */
  private async readSecrets(keys: readonly string[], prune: boolean): Promise<boolean> {
    const core = this.core;
    if (!core) return false;
    let changed = false;
    await Promise.all(keys.map(async (key) => {
      const [namespace, name] = key.split('/');
      let next: NamedSecret;
      try {
        const secret = await core.readNamespacedSecret({ namespace, name });
        next = { data: secret.data ?? {}, version: secret.metadata?.resourceVersion ?? '' };
      } catch (err) {
        const { status, message } = apiErrorDetails(err);
        if (status === 404) {
          next = { error: secretNotFoundApiError(name), version: '404' };
        } else if (status === 401 || status === 403) {
          next = { error: message, version: String(status) };
          this.log.warn('cannot read a Secret a Receiver references', { secret: key, error: describeApiError(err), hint: `grant get on this Secret; ${DOCS_HINT}` });
        } else {
          this.log.error('cannot read a Secret a Receiver references; keeping the last answer', { secret: key, error: describeApiError(err) });
          return;
        }
      }
      const previous = this.namedSecrets.get(key);
      if (!previous || previous.version !== next.version || previous.error !== next.error) changed = true;
      this.namedSecrets.set(key, next);
    }));
    if (prune) {
      const wanted = new Set(keys);
      for (const key of [...this.namedSecrets.keys()]) {
        if (!wanted.has(key)) {
          this.namedSecrets.delete(key);
          changed = true;
        }
      }
    }
    return changed;
  }

  private reconcileAll(): void {
    const now = new Date();
    const served: ServedReceiver[] = [];
    const referenced = new Set<string>();
    const live = new Set<string>();
    for (const obj of this.receivers?.list() ?? []) {
      const name = obj.metadata?.name ?? '';
      const namespace = obj.metadata?.namespace ?? '';
      const key = `${namespace}/${name}`;
      live.add(key);
      const object = obj as unknown as ReceiverObject;
      const secretName = object.spec?.secretRef?.name;
      if (secretName) referenced.add(`${namespace}/${secretName}`);

      const { token, secret } = this.lookupSecret(namespace, secretName);
      const evaluation = evaluateReceiver({ object, token, problem: this.validate(key, object), now });
      // Verification keys are this server's extension: a problem with them keeps the receiver from serving, not Flux's status.
      const keys = readVerificationKeys(object, (k) => this.secretKey(namespace, secretName, k));
      served.push({
        key,
        object,
        webhookPath: evaluation.webhookPath,
        secret,
        verificationKeys: keys.ok ? keys.keys : undefined,
        ready: evaluation.ready && keys.ok,
        notReadyReason: evaluation.notReadyReason ?? (keys.ok ? undefined : keys.reason),
        origin: 'cluster',
      });
      this.logTransition(key, evaluation.notReadyReason);
      if (evaluation.status && this.mayWriteStatus(obj) && !statusEquals(evaluation.status, obj.status)) {
        this.writeStatus(key, obj, evaluation.status);
      }
    }
    for (const key of [...this.validations.keys()]) if (!live.has(key)) this.validations.delete(key);
    for (const key of [...this.writes.keys()]) if (!live.has(key)) this.writes.delete(key);
    for (const key of [...this.readiness.keys()]) {
      if (!live.has(key)) {
        this.readiness.delete(key);
        this.log.info('receiver removed', { receiver: key });
      }
    }
    this.referencedSecrets = referenced;
    served.sort((a, b) => (a.key < b.key ? -1 : a.key > b.key ? 1 : 0));
    try {
      this.onChange?.(served);
    } catch (err) {
      this.log.error('receiver registry update failed', { error: err });
    }
  }

  /** Logs when a receiver starts or stops serving (never the path: it is a credential). */
  private logTransition(key: string, notReadyReason: string | undefined): void {
    const state = notReadyReason ?? 'ready';
    if (this.readiness.get(key) === state) return;
    this.readiness.set(key, state);
    if (notReadyReason) this.log.warn('receiver not ready', { receiver: key, reason: notReadyReason });
    else this.log.info('receiver ready', { receiver: key });
  }

  private lookupSecret(namespace: string, secretName: string | undefined): { token: TokenLookup; secret?: ReceiverSecret } {
    if (!secretName) return { token: { kind: 'none' } };
    let data: Record<string, string>;
    if (this.secretReads === 'get') {
      const named = this.namedSecrets.get(`${namespace}/${secretName}`);
      if (!named || named.error !== undefined) {
        return { token: { kind: 'error', message: secretReadErrorMessage(namespace, secretName, named?.error ?? secretNotFoundApiError(secretName)) } };
      }
      data = named.data ?? {};
    } else {
      const found = this.secrets?.get(secretName, namespace);
      if (!found) {
        return { token: { kind: 'error', message: secretReadErrorMessage(namespace, secretName, secretNotFoundApiError(secretName)) } };
      }
      data = found.data ?? {};
    }
    const bytes = (k: string): Buffer | undefined => (data[k] === undefined ? undefined : Buffer.from(data[k], 'base64'));
    const secret: ReceiverSecret = { token: bytes('token'), email: bytes('email'), audience: bytes('audience') };
    if (!secret.token) return { token: { kind: 'error', message: secretMissingTokenMessage(namespace, secretName) }, secret };
    return { token: { kind: 'found', token: secret.token }, secret };
  }

  /** One key of the receiver's Secret, read the way `lookupSecret` reads it (a verification key). */
  private secretKey(namespace: string, secretName: string | undefined, key: string): Buffer | undefined {
    if (!secretName) return undefined;
    const data = this.secretReads === 'get' ? this.namedSecrets.get(`${namespace}/${secretName}`)?.data : this.secrets?.get(secretName, namespace)?.data;
    return data?.[key] === undefined ? undefined : Buffer.from(data[key], 'base64');
  }

  /** CEL compilation is the costly part; a spec only changes with its generation (or a re-created object). */
  private validate(key: string, object: ReceiverObject): ValidationProblem | undefined {
    const generation = object.metadata.generation ?? 0;
    const uid = object.metadata.uid ?? '';
    const cached = this.validations.get(key);
    if (cached && cached.uid === uid && cached.generation === generation) return cached.problem;
    const problem = clusterModeRefusal(object.spec) ?? validateReceiverSpec(object.spec);
    this.validations.set(key, { uid, generation, problem });
    if (problem) this.log.warn('receiver has a terminal configuration error', { receiver: key, reason: problem.reason, error: problem.detail });
    return problem;
  }

  private mayWriteStatus(obj: ClusterReceiver): boolean {
    if (obj.metadata?.deletionTimestamp) return false;
    if (this.statusWrites === 'never') return false;
    if (this.statusWrites === 'always') return true;
    return !managedByNotificationController(obj);
  }

  private writeStatus(key: string, obj: ClusterReceiver, status: ReceiverStatus): void {
    const resourceVersion = obj.metadata?.resourceVersion ?? '';
    const serialized = JSON.stringify(status);
    const previous = this.writes.get(key);
    // Already sent for this version of the object: wait for the watch to bring the result.
    if (previous && previous.resourceVersion === resourceVersion && previous.status === serialized) return;
    this.writes.set(key, { resourceVersion, status: serialized });

    // A merge patch replaces lists and deletes keys set to null: send every field we own.
    const body: Record<string, unknown> = {};
    const current = (obj.status ?? {}) as Record<string, unknown>;
    const desired = status as Record<string, unknown>;
    for (const field of new Set([...Object.keys(current), ...Object.keys(desired)])) {
      body[field] = desired[field] === undefined ? null : desired[field];
    }
    const write = this.customObjects.patchNamespacedCustomObjectStatus(
      {
        group: GROUP,
        version: VERSION,
        namespace: obj.metadata!.namespace!,
        plural: PLURAL,
        name: obj.metadata!.name!,
        body: { metadata: { resourceVersion }, status: body },
        fieldManager: this.fieldManager,
      },
      setHeaderOptions('Content-Type', PatchStrategy.MergePatch),
    ).then(
      () => {
        this.log.debug('receiver status updated', { receiver: key, ready: status.conditions?.find((c) => c.type === 'Ready')?.reason });
      },
      (err) => {
        const { status: code } = apiErrorDetails(err);
        if (code === 409 || code === 404) {
          // Changed or deleted meanwhile: the watch delivers the new state and we re-evaluate.
          this.writes.delete(key);
          return;
        }
        this.log.error('cannot write receiver status; it is retried at the next resync', {
          receiver: key,
          error: describeApiError(err),
          hint: code === 403 ? `grant patch on receivers/status, or run with statusWrites 'never'; ${DOCS_HINT}` : undefined,
        });
      },
    );
    const tracked = write.finally(() => this.pendingWrites.delete(tracked));
    this.pendingWrites.add(tracked);
  }
}
