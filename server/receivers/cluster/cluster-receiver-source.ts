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
// This class starts the watches and evaluates each Receiver (receiver-status.ts); the status is
// written like notification-controller's (Ready/Reconciling/Stalled, webhookPath,
// observedGeneration, lastHandledReconcileAt) by status-writer.ts, as `statusWrites` allows; the
// Secrets are read by secret-sources.ts, watched or one by one by name as `secretReads` says.
import {
  CoreV1Api, CustomObjectsApi, KubeConfig, ListWatch, Watch,
  type KubernetesListObject, type KubernetesObject, type V1Secret,
} from '@kubernetes/client-node';
import { apiErrorDetails, describeApiError } from './_api-error';
import type { ReceiverSource, ServedReceiver } from '../receiver-source';
import {
  evaluateReceiver, secretMissingTokenMessage, secretReadErrorMessage, statusEquals,
  type TokenLookup, type ValidationProblem,
} from './receiver-status';
import { SecretsByName, WatchedSecrets, type SecretReads, type SecretSource } from './secret-sources';
import { DEFAULT_FIELD_MANAGER, StatusWriter, type StatusWrites } from './status-writer';
import type { ReceiverObject, ReceiverStatus } from '../../../src/model';
import { RECEIVER_API_VERSION } from '../../../src/model';
import { createLogger, type Logger } from '../../observability/logger';
import type { ReceiverSecret } from '../../providers/provider';
import { clusterModeRefusal } from '../extension-types';
import { readVerificationKeys } from '../read-verification-keys';
import { validateReceiverSpec } from '../receiver-spec-check';

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

/** With secretReads 'get', the default re-read interval: the bound for a rotated token to apply. */
export const DEFAULT_SECRET_REFRESH_MS = 30_000;

const [GROUP, VERSION] = RECEIVER_API_VERSION.split('/');
const PLURAL = 'receivers';
const DOCS_HINT = 'see "Cluster mode" in docs/server.md for the RBAC this mode needs';
const MIN_RETRY_MS = 500;
const MAX_RETRY_MS = 30_000;

/** What starting and restarting a list/watch needs of it. */
type Informer = Pick<ListWatch<KubernetesObject>, 'start'> & { on(verb: 'error', cb: (err: unknown) => void): void };

interface ClusterReceiver extends KubernetesObject {
  readonly spec?: ReceiverObject['spec'];
  readonly status?: ReceiverStatus;
}

export class ClusterReceiverSource implements ReceiverSource {
  private readonly kc: KubeConfig;
  private readonly namespace?: string;
  private readonly statusWrites: StatusWrites;
  private readonly log: Logger;
  private readonly resyncIntervalMs: number;
  private readonly startTimeoutMs: number;
  private readonly customObjects: CustomObjectsApi;

  private readonly secretReads: SecretReads;
  private readonly secretRefreshIntervalMs: number;
  private readonly status: StatusWriter;
  private receivers?: ListWatch<ClusterReceiver>;
  private secrets?: SecretSource;
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
    this.resyncIntervalMs = options.resyncIntervalMs ?? 10 * 60_000;
    this.startTimeoutMs = options.startTimeoutMs ?? 60_000;
    this.secretReads = options.secretReads ?? 'watch';
    if (!['watch', 'get'].includes(this.secretReads)) {
      throw new Error(`ClusterReceiverSource: secretReads must be 'watch' or 'get', got '${String(options.secretReads)}'`);
    }
    this.secretRefreshIntervalMs = options.secretRefreshIntervalMs ?? DEFAULT_SECRET_REFRESH_MS;
    this.customObjects = this.kc.makeApiClient(CustomObjectsApi);
    this.status = new StatusWriter({
      statusWrites: this.statusWrites,
      customObjects: this.customObjects,
      fieldManager: options.fieldManager ?? DEFAULT_FIELD_MANAGER,
      log: this.log,
      rbacHint: DOCS_HINT,
    });
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
    const onSecret = (secret: V1Secret): void => {
      if (this.referencedSecrets.has(`${secret.metadata?.namespace}/${secret.metadata?.name}`)) this.schedule();
    };
    const secrets: SecretSource = this.secretReads === 'get' ? new SecretsByName(core, this.log, DOCS_HINT) : new WatchedSecrets(this.kc, core, ns, onSecret);
    this.secrets = secrets;

    const onReceiver = (obj: ClusterReceiver): void => {
      // A changed Receiver re-reads its Secret (`flux reconcile receiver` picks up a rotation at once).
      const secretName = obj.spec?.secretRef?.name;
      if (secretName) secrets.receiverChanged(`${obj.metadata?.namespace}/${secretName}`);
      this.schedule();
    };
    for (const verb of ['add', 'update', 'delete'] as const) this.receivers.on(verb, onReceiver);
    const watches: { what: string; informer: Informer; kind: 'receivers' | 'secrets'; started: boolean }[] = [
      { what: `list/watch receivers.${GROUP} ${scope}`, informer: this.receivers, kind: 'receivers', started: false },
      ...(secrets.informer ? [{ what: `list/watch secrets ${scope}`, informer: secrets.informer, kind: 'secrets' as const, started: false }] : []),
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
    if (firstFailure === undefined) await secrets.prepare(() => this.referencedKeys(), true);
    this.starting = false;
    if (firstFailure !== undefined) {
      await this.stop();
      throw firstFailure;
    }
    this.reconcileAll();
    this.resyncTimer = setInterval(() => {
      this.status.forgetAll();
      this.schedule();
    }, this.resyncIntervalMs);
    this.resyncTimer.unref();
    secrets.refreshEvery(this.secretRefreshIntervalMs, () => this.referencedKeys(), () => this.schedule());
    this.log.info('watching receivers', { scope: ns ?? '*', statusWrites: this.statusWrites, secretReads: this.secretReads });
  }

  async stop(): Promise<void> {
    this.running = false;
    if (this.resyncTimer) clearInterval(this.resyncTimer);
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
    await this.status.settled();
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
      void (this.secrets?.prepare(() => this.referencedKeys(), false) ?? Promise.resolve())
        .catch((err) => this.log.error('reading Secrets failed', { error: describeApiError(err) }))
        .then(() => {
          this.scheduled = false;
          if (this.running) this.reconcileAll();
        });
    });
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
      if (evaluation.status && this.status.mayWrite(obj) && !statusEquals(evaluation.status, obj.status)) {
        this.status.write(key, obj, evaluation.status);
      }
    }
    for (const key of [...this.validations.keys()]) if (!live.has(key)) this.validations.delete(key);
    this.status.forgetAllBut(live);
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
    const read = this.secrets!.read(namespace, secretName);
    if ('error' in read) return { token: { kind: 'error', message: secretReadErrorMessage(namespace, secretName, read.error) } };
    const bytes = (k: string): Buffer | undefined => (read.data[k] === undefined ? undefined : Buffer.from(read.data[k], 'base64'));
    const secret: ReceiverSecret = { token: bytes('token'), email: bytes('email'), audience: bytes('audience') };
    if (!secret.token) return { token: { kind: 'error', message: secretMissingTokenMessage(namespace, secretName) }, secret };
    return { token: { kind: 'found', token: secret.token }, secret };
  }

  /** One key of the receiver's Secret, read the way `lookupSecret` reads it (a verification key). */
  private secretKey(namespace: string, secretName: string | undefined, key: string): Buffer | undefined {
    if (!secretName) return undefined;
    const read = this.secrets!.read(namespace, secretName);
    return 'error' in read || read.data[key] === undefined ? undefined : Buffer.from(read.data[key], 'base64');
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
}
