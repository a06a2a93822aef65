// Where cluster mode reads the Secrets Receivers reference, in the two ways `secretReads` offers:
// 'watch' list/watches every Secret of the scope (a rotated token applies at once); 'get' reads
// only the referenced Secrets, one GET each by name, so RBAC can be `get` with `resourceNames` (a
// Secret is read when a Receiver referencing it appears or changes, and again every refresh
// interval).
import { CoreV1Api, KubeConfig, ListWatch, Watch, type V1Secret } from '@kubernetes/client-node';
import { apiErrorDetails, describeApiError } from './_api-error';
import { secretNotFoundApiError } from './receiver-status';
import type { Logger } from '../../observability/logger';

export type SecretReads = 'watch' | 'get';

/** Helm release Secrets are large and never hold receiver tokens: they are not watched. */
export const SECRETS_FIELD_SELECTOR = 'type!=helm.sh/release.v1';

/** What a Secret read gave: its data, or the API's error text (which the Receiver's status shows). */
export type SecretRead = { readonly data: Readonly<Record<string, string>> } | { readonly error: string };

/** The Secrets of one scope, read one of the two ways; keys are `namespace/name`. */
export interface SecretSource {
  readonly reads: SecretReads;
  /** The list/watch to start beside the Receivers' one (watched Secrets only). */
  readonly informer?: ListWatch<V1Secret>;
  /** A Receiver referencing `key` appeared or changed: read it again before the next evaluation. */
  receiverChanged(key: string): void;
  /** Reads what the next evaluation needs; `all`: every referenced Secret, dropping the others. */
  prepare(referenced: () => readonly string[], all: boolean): Promise<void>;
  /** Re-reads the referenced Secrets every `intervalMs`, calling `changed` when an answer changed. */
  refreshEvery(intervalMs: number, referenced: () => readonly string[], changed: () => void): void;
  read(namespace: string, name: string): SecretRead;
  stop(): Promise<void>;
}

/** 'watch': an informer over every Secret of the scope; `onEvent` hears each change. */
export class WatchedSecrets implements SecretSource {
  readonly reads = 'watch';
  readonly informer: ListWatch<V1Secret>;

  constructor(kc: KubeConfig, core: CoreV1Api, namespace: string | undefined, onEvent: (secret: V1Secret) => void) {
    this.informer = new ListWatch<V1Secret>(
      namespace ? `/api/v1/namespaces/${namespace}/secrets` : '/api/v1/secrets',
      new Watch(kc),
      () => (namespace
        ? core.listNamespacedSecret({ namespace, fieldSelector: SECRETS_FIELD_SELECTOR })
        : core.listSecretForAllNamespaces({ fieldSelector: SECRETS_FIELD_SELECTOR })),
      false,
      undefined,
      SECRETS_FIELD_SELECTOR,
    );
    for (const verb of ['add', 'update', 'delete'] as const) this.informer.on(verb, onEvent);
  }

  receiverChanged(): void {}

  async prepare(): Promise<void> {}

  refreshEvery(): void {}

  read(namespace: string, name: string): SecretRead {
    const found = this.informer.get(name, namespace);
    return found ? { data: found.data ?? {} } : { error: secretNotFoundApiError(name) };
  }

  async stop(): Promise<void> {
    await this.informer.stop();
  }
}

/** One answer of a GET of a Secret. `version` tells answers apart. */
interface NamedSecret {
  readonly data?: Record<string, string>;
  readonly error?: string;
  readonly version: string;
}

/** 'get': each referenced Secret read by name, kept until read again. */
export class SecretsByName implements SecretSource {
  readonly reads = 'get';
  private readonly answers = new Map<string, NamedSecret>();
  /** Secrets to read again before the next pass (their Receiver changed). */
  private readonly stale = new Set<string>();
  private refreshTimer?: NodeJS.Timeout;
  private stopped = false;

  constructor(private readonly core: CoreV1Api, private readonly log: Logger, private readonly rbacHint: string) {}

  receiverChanged(key: string): void {
    this.stale.add(key);
  }

  async prepare(referenced: () => readonly string[], all: boolean): Promise<void> {
    if (all) {
      this.stale.clear();
      await this.readSecrets(referenced(), true);
      return;
    }
    // Until none is left: new references may come while reading.
    for (let round = 0; round < 3 && !this.stopped; round++) {
      const pending = referenced().filter((k) => !this.answers.has(k) || this.stale.has(k));
      if (pending.length === 0) return;
      for (const k of pending) this.stale.delete(k);
      await this.readSecrets(pending, false);
    }
  }

  refreshEvery(intervalMs: number, referenced: () => readonly string[], changed: () => void): void {
    this.refreshTimer = setInterval(() => {
      void this.readSecrets(referenced(), true).then((didChange) => {
        if (didChange) changed();
      });
    }, intervalMs);
    this.refreshTimer.unref();
  }

  read(namespace: string, name: string): SecretRead {
    const answer = this.answers.get(`${namespace}/${name}`);
    if (!answer || answer.error !== undefined) return { error: answer?.error ?? secretNotFoundApiError(name) };
    return { data: answer.data ?? {} };
  }

  async stop(): Promise<void> {
    this.stopped = true;
    if (this.refreshTimer) clearInterval(this.refreshTimer);
  }

  /**
   * GETs each Secret by name. 404 and 401/403 are answers (the Receiver is not ready with the
   * API's message); other failures keep the last answer and are logged. With `prune`, answers
   * for Secrets no longer in `keys` are dropped. Returns whether any answer changed.
   */
  private async readSecrets(keys: readonly string[], prune: boolean): Promise<boolean> {
    let changed = false;
    await Promise.all(keys.map(async (key) => {
      const [namespace, name] = key.split('/');
      let next: NamedSecret;
      try {
        const secret = await this.core.readNamespacedSecret({ namespace, name });
        next = { data: secret.data ?? {}, version: secret.metadata?.resourceVersion ?? '' };
      } catch (err) {
        const { status, message } = apiErrorDetails(err);
        if (status === 404) {
          next = { error: secretNotFoundApiError(name), version: '404' };
        } else if (status === 401 || status === 403) {
          next = { error: message, version: String(status) };
          this.log.warn('cannot read a Secret a Receiver references', { secret: key, error: describeApiError(err), hint: `grant get on this Secret; ${this.rbacHint}` });
        } else {
          this.log.error('cannot read a Secret a Receiver references; keeping the last answer', { secret: key, error: describeApiError(err) });
          return;
        }
      }
      const previous = this.answers.get(key);
      if (!previous || previous.version !== next.version || previous.error !== next.error) changed = true;
      this.answers.set(key, next);
    }));
    if (prune) {
      const wanted = new Set(keys);
      for (const key of [...this.answers.keys()]) {
        if (!wanted.has(key)) {
          this.answers.delete(key);
          changed = true;
        }
      }
    }
    return changed;
  }
}
