// Which objects a `spec.resources[]` entry names (docs/flux-behaviour.md, "Requesting reconciliation"): namespace default and
// cross-namespace refusal, default apiVersions, a name or `*` + matchLabels. Objects come from
// the metadata caches; nothing here calls the API server.
import type { CacheKey, TargetCaches } from './target-caches';
import { DEFAULT_API_VERSIONS, ReceiverResourceSpec, WILDCARD_NAME } from '../../src/model';
import type { ObjectMetadata } from '../kube/kube-client';

/** How long a request may wait for a cache that has not completed its first LIST. */
export const CACHE_SYNC_WAIT_MS = 5_000;

/** An entry-level failure: the entry stops, the response becomes 500. */
export class TargetError extends Error {}

export interface TargetPolicy {
  readonly noCrossNamespaceRefs: boolean;
}

/** The cache an entry reads from; throws TargetError for entries Flux refuses before any read. */
export function cacheKeyFor(entry: ReceiverResourceSpec, receiverNamespace: string, policy: TargetPolicy): CacheKey {
  if (policy.noCrossNamespaceRefs && entry.namespace && entry.namespace !== receiverNamespace) {
    throw new TargetError('cross-namespace references are not allowed');
  }
  const apiVersion = entry.apiVersion || (Object.hasOwn(DEFAULT_API_VERSIONS, entry.kind) ? DEFAULT_API_VERSIONS[entry.kind] : undefined);
  if (!apiVersion) throw new TargetError(`apiVersion must be specified for kind "${entry.kind}"`);
  return { apiVersion, kind: entry.kind, namespace: entry.namespace || receiverNamespace };
}

/** The objects an entry selects, in a stable (name) order. */
export async function selectTargets(entry: ReceiverResourceSpec, key: CacheKey, caches: TargetCaches): Promise<ObjectMetadata[]> {
  if (entry.name === WILDCARD_NAME && entry.matchLabels == null) {
    throw new TargetError("matchLabels field not set when using wildcard '*' as name");
  }
  const informer = caches.informer(key);
  if (!(await informer.waitForSync(CACHE_SYNC_WAIT_MS))) {
    const what = entry.name === WILDCARD_NAME ? `list ${entry.kind} in namespace "${key.namespace}"` : `read ${entry.kind} "${key.namespace}/${entry.name}"`;
    throw new TargetError(`unable to ${what}: cache not synced${informer.error ? `: ${informer.error}` : ''}`);
  }
  if (entry.name !== WILDCARD_NAME) {
    const object = informer.get(entry.name);
    if (!object) throw new TargetError(`unable to read ${entry.kind} "${key.namespace}/${entry.name}" error: not found`);
    return [object];
  }
  const selector = Object.entries(entry.matchLabels!);
  return informer
    .list()
    .filter((o) => selector.every(([k, v]) => o.metadata.labels?.[k] === v))
    .sort((a, b) => (a.metadata.name < b.metadata.name ? -1 : a.metadata.name > b.metadata.name ? 1 : 0));
}
