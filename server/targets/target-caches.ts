// One MetadataInformer per (apiVersion, kind, namespace) the loaded receivers can target. The set
// is recomputed on every receiver reload: new caches start, unused ones stop.
import { MetadataInformer } from './metadata-informer';
import type { KubeClient } from '../kube/kube-client';
import type { Logger } from '../observability/logger';

export interface CacheKey {
  readonly apiVersion: string;
  readonly kind: string;
  readonly namespace: string;
}

export class TargetCaches {
  private readonly informers = new Map<string, MetadataInformer>();

  constructor(private readonly client: KubeClient, private readonly log: Logger) {}

  /** Makes the running caches exactly `keys`. */
  retain(keys: Iterable<CacheKey>): void {
    const wanted = new Map<string, CacheKey>();
    for (const key of keys) wanted.set(cacheId(key), key);
    for (const [id, informer] of this.informers) {
      if (!wanted.has(id)) {
        informer.stop();
        this.informers.delete(id);
      }
    }
    for (const [id, key] of wanted) {
      if (!this.informers.has(id)) this.start(id, key);
    }
  }

  /** The cache for `key`, started on demand if a reload raced with the request. */
  informer(key: CacheKey): MetadataInformer {
    return this.informers.get(cacheId(key)) ?? this.start(cacheId(key), key);
  }

  /** True when every cache has completed its first LIST. */
  get allSynced(): boolean {
    return [...this.informers.values()].every((i) => i.isSynced);
  }

  /** The caches whose first LIST has neither succeeded nor failed yet, described for /readyz. */
  pending(): string[] {
    return [...this.informers.values()].filter((i) => !i.isSettled).map(describeInformer);
  }

  /** The caches whose LIST failed and that keep retrying (their receivers answer 500), for /readyz. */
  failing(): string[] {
    return [...this.informers.values()].filter((i) => i.isSettled && !i.isSynced).map(describeInformer);
  }

  stop(): void {
    this.retain([]);
  }

  private start(id: string, key: CacheKey): MetadataInformer {
    const informer = new MetadataInformer(this.client, key.apiVersion, key.kind, key.namespace, this.log);
    this.informers.set(id, informer);
    informer.start();
    return informer;
  }
}

function describeInformer(i: MetadataInformer): string {
  return `${i.kind}.${i.apiVersion} in ${i.namespace}${i.error ? `: ${i.error}` : ''}`;
}

function cacheId(key: CacheKey): string {
  return `${key.apiVersion}|${key.kind}|${key.namespace}`;
}
