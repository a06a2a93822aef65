// A metadata-only cache of one kind in one namespace: LIST (PartialObjectMetadataList) then
// WATCH from its resourceVersion, re-listing after 410 Gone and retrying with backoff. Webhooks
// read from it and never call the API server themselves.
import type { KubeClient, ObjectMetadata, ResourceType, WatchEvent } from '../kube/kube-client';
import { KubeApiError } from '../kube/kube-client';
import type { Logger } from '../observability/logger';

const MIN_BACKOFF_MS = 500;
const MAX_BACKOFF_MS = 30_000;

export class MetadataInformer {
  private objects = new Map<string, ObjectMetadata>();
  private resourceVersion = '';
  private synced = false;
  private refused = false;
  private stopped = false;
  private readonly abort = new AbortController();
  private syncWaiters: (() => void)[] = [];
  private lastError?: string;
  private resolvedType?: ResourceType;

  constructor(
    private readonly client: KubeClient,
    readonly apiVersion: string,
    readonly kind: string,
    readonly namespace: string,
    private readonly log: Logger,
  ) {}

  /** Starts the list/watch loop in the background. */
  start(): void {
    void this.run();
  }

  stop(): void {
    this.stopped = true;
    this.abort.abort();
    this.wake();
  }

  get isSynced(): boolean {
    return this.synced;
  }

  /**
   * True once the first LIST succeeded or the API server refused it. Readiness waits for this, not
   * for success: a target the server may not list (kind not served, no RBAC) fails its own
   * receiver's requests (500, like Flux answering per request) and must not keep every other
   * receiver unready. Unreachable, 5xx and 429 ("storage is (re)initializing") are passing
   * states: they keep the cache pending.
   */
  get isSettled(): boolean {
    return this.synced || this.refused;
  }

  /** The REST coordinates, known once discovery succeeded. */
  get type(): ResourceType | undefined {
    return this.resolvedType;
  }

  /** Why the cache is not (or no longer) current, for errors and logs. */
  get error(): string | undefined {
    return this.lastError;
  }

  /**
   * Resolves true once the first LIST landed; false after `timeoutMs`, or at once when the LIST
   * already failed (answered per request like Flux, without holding the request meanwhile).
   */
  waitForSync(timeoutMs: number): Promise<boolean> {
    if (this.synced || this.refused) return Promise.resolve(this.synced);
    return new Promise((resolve) => {
      const timer = setTimeout(() => {
        this.syncWaiters = this.syncWaiters.filter((w) => w !== done);
        resolve(this.synced);
      }, timeoutMs);
      const done = (): void => {
        clearTimeout(timer);
        resolve(this.synced);
      };
      this.syncWaiters.push(done);
    });
  }

  get(name: string): ObjectMetadata | undefined {
    return this.objects.get(name);
  }

  list(): ObjectMetadata[] {
    return [...this.objects.values()];
  }

  private async run(): Promise<void> {
    let backoff = MIN_BACKOFF_MS;
    while (!this.stopped) {
      try {
        this.resolvedType ??= await this.client.resourceType(this.apiVersion, this.kind);
        if (!this.resourceVersion) {
          const list = await this.client.listMetadata(this.resolvedType, this.namespace);
          this.objects = new Map(list.items.map((o) => [o.metadata.name, slim(o)]));
          this.resourceVersion = list.metadata.resourceVersion ?? '';
          this.lastError = undefined;
          if (!this.synced) {
            this.synced = true;
            this.log.debug('target cache synced', { kind: this.kind, apiVersion: this.apiVersion, namespace: this.namespace, objects: this.objects.size });
          }
          this.refused = true;
          this.wake();
        }
        await this.client.watchMetadata(this.resolvedType, this.namespace, this.resourceVersion, (e) => this.apply(e), this.abort.signal);
        backoff = MIN_BACKOFF_MS;
      } catch (err) {
        if (this.stopped) break;
        if (err instanceof KubeApiError && err.status === 410) {
          this.resourceVersion = '';
          continue;
        }
        this.lastError = (err as Error).message;
        if (isRefusal(err)) {
          this.refused = true;
          this.wake();
        }
        this.log.warn('target cache list/watch failed; retrying', { kind: this.kind, namespace: this.namespace, error: this.lastError, retryInMs: backoff });
        await new Promise((r) => setTimeout(r, backoff).unref());
        backoff = Math.min(backoff * 2, MAX_BACKOFF_MS);
      }
    }
  }

  private apply(event: WatchEvent): void {
    const obj = event.object;
    switch (event.type) {
      case 'ADDED':
      case 'MODIFIED':
        this.objects.set(obj.metadata.name, slim(obj));
        break;
      case 'DELETED':
        this.objects.delete(obj.metadata.name);
        break;
      case 'ERROR':
        // 410 Gone: our resourceVersion is too old; the next loop re-lists.
        if (obj.code === 410) this.resourceVersion = '';
        this.log.debug('watch error event', { kind: this.kind, namespace: this.namespace, code: obj.code, error: obj.message });
        return;
      default:
        break;
    }
    if (obj.metadata?.resourceVersion) this.resourceVersion = obj.metadata.resourceVersion;
  }

  private wake(): void {
    const waiters = this.syncWaiters;
    this.syncWaiters = [];
    waiters.forEach((w) => w());
  }
}

/** A definitive answer about this target (4xx), as opposed to an API server not able to answer now. */
function isRefusal(err: unknown): boolean {
  return err instanceof KubeApiError && err.status >= 400 && err.status < 500 && err.status !== 408 && err.status !== 429;
}

/** managedFields are the bulk of an object's metadata and no filter needs them: not kept. */
function slim(object: ObjectMetadata): ObjectMetadata {
  if (!('managedFields' in object.metadata)) return object;
  const { managedFields: _dropped, ...metadata } = object.metadata;
  return { ...object, metadata: metadata as ObjectMetadata['metadata'] };
}
