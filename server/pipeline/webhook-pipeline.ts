// The receiver pipeline, in Flux's order (docs/flux-behaviour.md, "Request pipeline"): find the receiver by path → refuse
// suspended / not-ready ones → provider check → build CEL filters → per resources[] entry: select
// objects from the caches, filter, trigger a coalesced patch → 200, or 500 if any entry failed.
import { KeyedVerdict, validateWithKeys } from './_validate-with-keys';
import { DecodeBudget } from './decode-budget';
import type { Delivery, DeliveryResult, EntryReport } from './delivery';
import type { DuplicateDeliveries } from './duplicate-deliveries';
import type { ReceiverRateLimiter } from './rate-limiter';
import type { ReceiversByPath } from './receivers-by-path';
import type { ReconcileEvents } from './reconcile-events';
import { RECONCILE_REQUESTED_AT_ANNOTATION, ReceiverResourceSpec, WILDCARD_NAME } from '../../src/model';
import { CompiledFilter, compileFilter, evaluateFilter, requestBodyForCel } from '../filters/cel';
import { CelMap, toCelMap } from '../filters/cel-values';
import type { ObjectMetadata, ObjectRef } from '../kube/kube-client';
import type { Logger } from '../observability/logger';
import type { ReceiverMetrics } from '../observability/metrics';
import type { Accepted, Provider, ProviderContext } from '../providers/provider';
import { unsupportedTypeReason } from '../providers/provider-types';
import type { ServedReceiver } from '../receivers/receiver-source';
import type { TargetCaches } from '../targets/target-caches';
import { cacheKeyFor, selectTargets, TargetPolicy } from '../targets/target-resolver';
import type { CoalescingTrigger } from '../trigger/coalescing-trigger';
import { requestedAtNow } from '../trigger/requested-at';

/**
 * A patch without an answer by then is aborted and a failure (500): a hung API server must not pin
 * deliveries. Also the longest any delivery waits for a patch of one object, one that joined a
 * trailing patch (queued behind a running one) included.
 */
export const PATCH_TIMEOUT_MS = 10_000;

/** What writes the annotation: the KubeClient (tests may wrap it to count calls). */
export interface AnnotationPatcher {
  /** Must stop the request when `signal` aborts, so a stale patch never lands after a newer one. */
  patchAnnotations(ref: ObjectRef, annotations: Record<string, string>, signal?: AbortSignal): Promise<void>;
}

export interface PipelineDependencies {
  readonly receivers: ReceiversByPath;
  readonly providerFor: (type: string) => Provider | undefined;
  readonly verifiers: ProviderContext['verifiers'];
  readonly caches: TargetCaches;
  readonly trigger: CoalescingTrigger;
  readonly patcher: AnnotationPatcher;
  readonly policy: TargetPolicy;
  readonly log: Logger;
  readonly metrics?: ReceiverMetrics;
  /** Redelivery window; undefined: every copy is handled (Flux). */
  readonly duplicates?: DuplicateDeliveries;
  /** Per-receiver limit of verified deliveries (an extension); none when absent. */
  readonly limiter?: ReceiverRateLimiter;
  /** Kubernetes Events for targets and (cluster mode) failed patches; undefined: none (`--record-events` off). */
  readonly events?: ReconcileEvents;
}

interface Filters {
  readonly req?: CelMap;
  readonly claims?: CelMap;
  readonly top?: CompiledFilter;
  readonly perEntry: readonly (CompiledFilter | undefined)[];
}

export class WebhookPipeline {
  private compiled = new Map<string, CompiledFilter>();
  private readonly decoding = new DecodeBudget();

  constructor(private readonly deps: PipelineDependencies) {}

  async handle(delivery: Delivery): Promise<DeliveryResult> {
    // Before the first load a miss would be a false 404: say "not yet" instead.
    if (!this.deps.receivers.loaded) return { status: 503, outcome: 'unavailable', reason: 'receivers not loaded yet' };
    const served = this.deps.receivers.lookup(delivery.url);
    if (!served) return { status: 404, outcome: 'not_found' };
    const ns = served.object.metadata.namespace!;
    const receiver = { namespace: ns, name: served.object.metadata.name, type: String(served.object.spec?.type ?? '') };
    if (served.object.spec?.suspend) return { status: 503, outcome: 'unavailable', receiver, reason: 'receiver is suspended' };
    if (!served.ready) return { status: 503, outcome: 'unavailable', receiver, reason: `receiver is not ready: ${served.notReadyReason ?? 'unknown'}` };

    // Decoded, a body costs several times its size until its patches are done: a bounded amount at a time.
    const release = await this.decoding.enter(delivery.body.length);
    if (!release) {
      return {
        status: 503,
        outcome: 'overloaded',
        receiver,
        reason: `bodies being decoded would exceed ${this.decoding.limit} bytes for ${this.decoding.maxWaitMs / 1000} s; retry`,
      };
    }
    try {
      return await this.handleReady(served, receiver, delivery);
    } finally {
      release();
    }
  }

  /** The provider check and everything after it, for a ready receiver. */
  private async handleReady(served: ServedReceiver, receiver: NonNullable<DeliveryResult['receiver']>, delivery: Delivery): Promise<DeliveryResult> {
    const { verdict, key: verificationKey } = await this.validate(served, delivery);
    if (!verdict.ok) return { status: 400, outcome: 'rejected', receiver, reason: `unable to validate payload: ${verdict.reason}` };
    const seen = { receiver, event: verdict.event, deliveryId: verdict.deliveryId, description: verdict.description, verificationKey };

    // Redelivery: only a verified copy of a delivery that already succeeded skips the patch.
    const duplicateKey = this.deps.duplicates?.keyOf(served.key, receiver.type, delivery.headers, delivery.body);
    if (duplicateKey !== undefined && this.deps.duplicates!.hasSucceeded(duplicateKey)) return { ...seen, status: 200, outcome: 'duplicate' };

    // Rate limit (extension): after the provider check, so forged requests cannot spend a real sender's tokens.
    const rate = this.deps.limiter?.take(served);
    if (rate && !rate.ok) {
      return { ...seen, status: 429, outcome: 'rate_limited', retryAfterSeconds: rate.retryAfterSeconds, reason: `over the rate limit of ${rate.limit.perSecond}/s (burst ${rate.limit.burst})` };
    }

    let filters: Filters;
    try {
      filters = this.filters(served, verdict);
    } catch (err) {
      return { ...seen, status: 500, outcome: 'filter_error', reason: `unable to create resource filters: ${(err as Error).message}` };
    }

    const entries = await Promise.all(served.object.spec.resources.map((entry, i) => this.entry(served, entry, i, filters)));
    const failed = entries.filter((e) => e.error);
    if (failed.length > 0) {
      return { ...seen, status: 500, outcome: 'target_error', entries, reason: `unable to request reconciliation: ${failed.map((e) => `resources[${e.index}]: ${e.error}`).join('; ')}` };
    }
    if (duplicateKey !== undefined) this.deps.duplicates!.recordSuccess(duplicateKey, delivery.arrivedAt);
    return { ...seen, status: 200, outcome: 'triggered', entries };
  }

  /** Deliveries waiting for room to decode their bodies now. */
  get decodeWaiting(): number {
    return this.decoding.queued;
  }

  /** Whether `url` is a receiver that will read its body (not unknown, not suspended, ready). */
  wantsBody(url: string): boolean {
    const served = this.deps.receivers.loaded ? this.deps.receivers.lookup(url) : undefined;
    return served !== undefined && served.ready && !served.object.spec?.suspend;
  }

  /** Drops compiled filters no current receiver uses (called after each reload). */
  pruneFilters(receivers: readonly ServedReceiver[]): void {
    const used = new Set<string>();
    for (const r of receivers) {
      const claims = r.object.spec?.type === 'generic-oidc';
      for (const expr of [r.object.spec?.resourceFilter, ...(r.object.spec?.resources ?? []).map((e) => e.filter)]) {
        if (expr) used.add(filterKey(expr, claims));
      }
    }
    this.compiled = new Map([...this.compiled].filter(([k]) => used.has(k)));
  }

  private async validate(served: ServedReceiver, delivery: Delivery): Promise<KeyedVerdict> {
    const type = String(served.object.spec.type);
    const provider = this.deps.providerFor(type);
    if (!provider) return { verdict: { ok: false, reason: unsupportedTypeReason(type) } };
    try {
      return await validateWithKeys(
        provider,
        { method: delivery.method, headers: delivery.headers, body: delivery.body },
        {
          name: served.object.metadata.name,
          namespace: served.object.metadata.namespace!,
          spec: served.object.spec,
          secret: served.secret,
          verifiers: this.deps.verifiers,
        },
        served.verificationKeys,
      );
    } catch (err) {
      return { verdict: { ok: false, reason: (err as Error).message } };
    }
  }

  private filters(served: ServedReceiver, verdict: Accepted): Filters {
    const spec = served.object.spec;
    const claims = spec.type === 'generic-oidc';
    const compile = (expr: string | undefined): CompiledFilter | undefined => {
      if (!expr) return undefined;
      const key = filterKey(expr, claims);
      let filter = this.compiled.get(key);
      if (!filter) {
        filter = compileFilter(expr, { claims });
        this.compiled.set(key, filter);
      }
      return filter;
    };
    const top = compile(spec.resourceFilter);
    const perEntry = spec.resources.map((e) => compile(e.filter));
    if (!top && perEntry.every((f) => !f)) return { perEntry };
    const req = requestBodyForCel(verdict.payload, verdict.payloadIsJson ? 'application/json' : undefined);
    // Converted once per delivery, not per target and filter.
    return { req: toCelMap(req), claims: toCelMap(verdict.claims), top, perEntry };
  }

  private async entry(served: ServedReceiver, entry: ReceiverResourceSpec, index: number, filters: Filters): Promise<EntryReport> {
    const ns = served.object.metadata.namespace!;
    const counts = { selected: 0, patched: 0, filteredOut: 0 };
    const report = (error?: string): EntryReport =>
      ({ index, kind: entry.kind, namespace: entry.namespace || ns, name: entry.name, ...counts, error });
    const count = (outcome: 'patched' | 'filtered_out' | 'failed'): void =>
      this.deps.metrics?.targets.inc({ namespace: ns, name: served.object.metadata.name, kind: entry.kind, outcome });
    let objects: ObjectMetadata[];
    let ref: Omit<ObjectRef, 'name'>;
    try {
      const key = cacheKeyFor(entry, ns, this.deps.policy);
      objects = await selectTargets(entry, key, this.deps.caches);
      const type = this.deps.caches.informer(key).type!;
      ref = { ...type, namespace: key.namespace };
    } catch (err) {
      this.deps.events?.failed(served, { kind: entry.kind, namespace: entry.namespace || ns, name: entry.name }, (err as Error).message);
      return report((err as Error).message);
    }
    counts.selected = objects.length;
    if (objects.length === 0 && entry.name === WILDCARD_NAME) {
      this.deps.log.debug('no resources found matching labels', { receiver: served.key, kind: entry.kind, matchLabels: entry.matchLabels });
    }
    for (const object of objects) {
      try {
        if (!this.accepts(filters, filters.perEntry[index], ref, object)) {
          counts.filteredOut++;
          count('filtered_out');
          continue;
        }
        const target: ObjectRef = { ...ref, name: object.metadata.name };
        try {
          await within(
            PATCH_TIMEOUT_MS,
            this.deps.trigger.request(`${target.group}/${target.kind}/${target.namespace}/${target.name}`, () => this.patch(target)),
            `patch ${target.kind} "${target.namespace}/${target.name}": no answer within ${PATCH_TIMEOUT_MS} ms`,
          );
        } catch (err) {
          this.deps.events?.failed(served, target, (err as Error).message);
          throw err;
        }
        this.deps.events?.requested(served, target, typeof object.metadata.uid === 'string' ? object.metadata.uid : undefined);
        counts.patched++;
        count('patched');
      } catch (err) {
        count('failed');
        return report((err as Error).message);
      }
    }
    return report();
  }

  private accepts(filters: Filters, own: CompiledFilter | undefined, ref: Omit<ObjectRef, 'name'>, object: ObjectMetadata): boolean {
    if (!filters.top && !own) return true;
    const res = toCelMap({ apiVersion: ref.group ? `${ref.group}/${ref.version}` : ref.version, kind: ref.kind, metadata: object.metadata });
    const vars = { res, req: filters.req, claims: filters.claims };
    if (filters.top && !evaluateFilter(filters.top, vars)) return false;
    return !own || evaluateFilter(own, vars);
  }

  /**
   * One PATCH, aborted after PATCH_TIMEOUT_MS: the coalescing trigger starts the next patch of the
   * object only when this one settled, and an aborted request is not applied later, so values
   * land in the order they were made (requestedAt never goes backwards in the apiserver).
   */
  private async patch(target: ObjectRef): Promise<void> {
    const abort = new AbortController();
    const message = `patch ${target.kind} "${target.namespace}/${target.name}": no answer within ${PATCH_TIMEOUT_MS} ms`;
    const timer = setTimeout(() => abort.abort(new Error(message)), PATCH_TIMEOUT_MS);
    try {
      await this.deps.patcher.patchAnnotations(target, { [RECONCILE_REQUESTED_AT_ANNOTATION]: requestedAtNow() }, abort.signal);
      this.deps.metrics?.patches.inc({ outcome: 'ok' });
    } catch (err) {
      this.deps.metrics?.patches.inc({ outcome: 'error' });
      throw abort.signal.aborted ? new Error(message) : err;
    } finally {
      clearTimeout(timer);
    }
  }
}

/** `work`, or a rejection with `message` after `ms`, whichever comes first. */
async function within<T>(ms: number, work: Promise<T>, message: string): Promise<T> {
  let timer: NodeJS.Timeout | undefined;
  const timeout = new Promise<never>((_, reject) => {
    timer = setTimeout(() => reject(new Error(message)), ms);
  });
  try {
    return await Promise.race([work, timeout]);
  } finally {
    clearTimeout(timer);
  }
}

function filterKey(expression: string, claims: boolean): string {
  return `${claims ? 'claims' : 'plain'}\u0000${expression}`;
}
