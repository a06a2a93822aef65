// Kubernetes Events (core/v1) for the objects a delivery touched, recorded like client-go's
// EventRecorder so a busy receiver cannot flood the apiserver:
// - aggregation: an event with the same object, type, reason and message as one recorded within
//   the window is written as a merge PATCH of that Event's `count` and `lastTimestamp`, not as a
//   new Event (client-go's EventCorrelator does the same with its LRU of recent events);
// - coalescing: while a write for a key is in flight, further occurrences only add to the count
//   the next write carries, so a burst costs at most two writes per key;
// - rate limit: a token bucket per involved object (client-go's spam filter defaults: burst 25,
//   one token per 5 minutes); an occurrence without a token is dropped.
// Recording never throws and never delays a delivery: failures are logged at debug level.
import type { KubeClient } from './kube-client';
import type { Logger } from '../observability/logger';

/** The object an event is about. */
export interface InvolvedObject {
  readonly apiVersion: string;
  readonly kind: string;
  readonly namespace: string;
  readonly name: string;
  readonly uid?: string;
}

export interface EventOccurrence {
  readonly object: InvolvedObject;
  readonly type: 'Normal' | 'Warning';
  readonly reason: string;
  /** Must not contain secrets: it is readable by anyone who may list events. */
  readonly message: string;
}

export interface EventRecorderOptions {
  /** `source.component` and `reportingComponent`. */
  readonly component: string;
  /** `reportingInstance` and `source.host` (the pod name). */
  readonly instance: string;
  /** An occurrence within this long of the last write of the same key is aggregated. */
  readonly windowMs?: number;
  readonly burst?: number;
  readonly refillMs?: number;
  /** Keys remembered (oldest forgotten first), like client-go's LRU of 4096. */
  readonly maxKeys?: number;
  readonly now?: () => number;
}

/** What the recorder needs from the API client. */
export type EventWriter = Pick<KubeClient, 'writeJson'>;

interface Series {
  name?: string;
  count: number;
  firstTimestamp: string;
  lastWriteAt: number;
  inFlight?: Promise<void>;
  pending: number;
}

export const EVENT_DEFAULTS = { windowMs: 10 * 60_000, burst: 25, refillMs: 5 * 60_000, maxKeys: 4096 } as const;

export class EventRecorder {
  private readonly series = new Map<string, Series>();
  private readonly buckets = new Map<string, { tokens: number; at: number }>();
  private readonly writes = new Set<Promise<void>>();
  private readonly windowMs: number;
  private readonly burst: number;
  private readonly refillMs: number;
  private readonly maxKeys: number;
  private readonly now: () => number;
  private sequence = 0;

  constructor(private readonly writer: EventWriter, private readonly log: Logger, private readonly options: EventRecorderOptions) {
    this.windowMs = options.windowMs ?? EVENT_DEFAULTS.windowMs;
    this.burst = options.burst ?? EVENT_DEFAULTS.burst;
    this.refillMs = options.refillMs ?? EVENT_DEFAULTS.refillMs;
    this.maxKeys = options.maxKeys ?? EVENT_DEFAULTS.maxKeys;
    this.now = options.now ?? Date.now;
  }

  /** Records one occurrence in the background. */
  record(occurrence: EventOccurrence): void {
    const o = occurrence.object;
    const objectKey = `${o.apiVersion}/${o.kind}/${o.namespace}/${o.name}/${o.uid ?? ''}`;
    const key = `${objectKey}\u0000${occurrence.type}\u0000${occurrence.reason}\u0000${occurrence.message}`;
    let series = this.series.get(key);
    if (series?.inFlight) {
      series.pending++;
      return;
    }
    if (!this.take(objectKey)) {
      this.log.debug('event dropped by the rate limit', { kind: o.kind, namespace: o.namespace, name: o.name, reason: occurrence.reason });
      return;
    }
    const now = this.now();
    if (!series || now - series.lastWriteAt > this.windowMs) {
      series = { count: 0, firstTimestamp: new Date(now).toISOString(), lastWriteAt: now, pending: 0 };
    }
    this.series.delete(key);
    this.series.set(key, series);
    if (this.series.size > this.maxKeys) this.series.delete(this.series.keys().next().value!);
    series.pending++;
    this.write(series, occurrence);
  }

  /** Resolves once every write started so far (and its follow-ups) has finished: for tests and shutdown. */
  async flushed(): Promise<void> {
    while (this.writes.size > 0) await Promise.all([...this.writes]);
  }

  private write(series: Series, occurrence: EventOccurrence): void {
    const write = this.send(series, occurrence).then(() => {
      series.inFlight = undefined;
      this.writes.delete(write);
      // Occurrences that arrived during the write go out together, as one more count.
      if (series.pending > 0) this.write(series, occurrence);
    });
    series.inFlight = write;
    this.writes.add(write);
  }

  private async send(series: Series, occurrence: EventOccurrence): Promise<void> {
    const adding = series.pending;
    series.pending = 0;
    const nowMs = this.now();
    const now = new Date(nowMs).toISOString();
    const o = occurrence.object;
    const base = `/api/v1/namespaces/${encodeURIComponent(o.namespace)}/events`;
    try {
      if (series.name) {
        const res = await this.writer.writeJson('PATCH', `${base}/${encodeURIComponent(series.name)}`, { count: series.count + adding, lastTimestamp: now }, 'application/merge-patch+json');
        if (res.status === 200) {
          series.count += adding;
          series.lastWriteAt = nowMs;
          return;
        }
        // Expired (events live an hour by default) or deleted: start a new Event.
        if (res.status !== 404) throw new Error(`PATCH event: HTTP ${res.status}`);
        series.name = undefined;
        series.firstTimestamp = now;
        series.count = 0;
      }
      const name = `${o.name}.${(BigInt(nowMs) * 1_000_000n + BigInt(this.sequence++ % 1_000_000)).toString(16)}`;
      const count = series.count + adding;
      const res = await this.writer.writeJson('POST', base, {
        apiVersion: 'v1',
        kind: 'Event',
        metadata: { name, namespace: o.namespace },
        involvedObject: { apiVersion: o.apiVersion, kind: o.kind, namespace: o.namespace, name: o.name, ...(o.uid ? { uid: o.uid } : {}) },
        reason: occurrence.reason,
        message: occurrence.message,
        type: occurrence.type,
        count,
        firstTimestamp: series.firstTimestamp,
        lastTimestamp: now,
        source: { component: this.options.component, host: this.options.instance },
        reportingComponent: this.options.component,
        reportingInstance: this.options.instance,
      });
      if (res.status !== 201 && res.status !== 200) throw new Error(`POST event: HTTP ${res.status}`);
      series.name = name;
      series.count = count;
      series.lastWriteAt = nowMs;
    } catch (err) {
      this.log.debug('event not recorded', { kind: o.kind, namespace: o.namespace, name: o.name, reason: occurrence.reason, error: (err as Error).message });
    }
  }

  /** One token of the object's bucket, refilled over time up to the burst. */
  private take(objectKey: string): boolean {
    const now = this.now();
    let bucket = this.buckets.get(objectKey);
    if (!bucket) {
      bucket = { tokens: this.burst, at: now };
      this.buckets.set(objectKey, bucket);
      if (this.buckets.size > this.maxKeys) this.buckets.delete(this.buckets.keys().next().value!);
    }
    const refilled = Math.floor((now - bucket.at) / this.refillMs);
    if (refilled > 0) {
      bucket.tokens = Math.min(this.burst, bucket.tokens + refilled);
      bucket.at += refilled * this.refillMs;
    }
    if (bucket.tokens < 1) return false;
    bucket.tokens--;
    return true;
  }
}
