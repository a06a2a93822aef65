// Prometheus metrics. The HTTP metrics mirror Flux's (slok/go-http-metrics, prefix
// `gotk_receiver`, handler label fixed to `/hook/`); the receiver metrics are ours. No label ever
// carries a path or a token: receiver labels are set only for receivers that exist.
import { collectDefaultMetrics, Counter, exponentialBuckets, Gauge, Registry } from 'prom-client';
import { BoundHistogram } from './bound-histogram';
import { RECEIVER_METRICS as M } from '../../src/model/metrics';

/** The handler label of every HTTP metric, like Flux without `--export-http-path-metrics`. */
export const HANDLER_LABEL = '/hook/';

export type TargetOutcome = 'patched' | 'filtered_out' | 'failed';

export class ReceiverMetrics {
  readonly registry = new Registry();
  readonly requestDuration: BoundHistogram<'service' | 'handler' | 'method' | 'code'>;
  readonly responseSize: BoundHistogram<'service' | 'handler' | 'method' | 'code'>;
  readonly inflight: Gauge<'service' | 'handler'>;
  readonly deliveries: Counter<'namespace' | 'name' | 'type' | 'outcome'>;
  /** Adds the deliveries counted since the last scrape to `deliveries` (the DeliveryRecorder sets it). */
  flushDeliveries?: () => void;
  readonly targets: Counter<'namespace' | 'name' | 'kind' | 'outcome'>;
  readonly patches: Counter<'outcome'>;
  readonly coalesced: Counter;
  readonly receivers: Gauge<'state'>;
  /** Token rotation and redelivery (extensions): which Secret key verified, and duplicates answered without a patch. */
  readonly verificationKeys: Counter<'namespace' | 'name' | 'key'>;
  readonly duplicates: Counter<'namespace' | 'name' | 'type'>;
  /**
   * Requests in the `/hook/` handler now, read at scrape time (the DeliveryRecorder sets it;
   * undefined until the first request, so the series appears with the first request as before).
   */
  inflightNow?: () => number | undefined;
  /** Request-body bytes held in memory right now (the shared budget). */
  bufferedBytesNow?: () => number;
  readonly bufferedBytes: Gauge;
  /** Deliveries waiting for room in the decode budget right now. */
  decodeWaitingNow?: () => number;
  readonly decodeWaiting: Gauge;

  constructor(options: { readonly defaultMetrics?: boolean } = {}) {
    const registers = [this.registry];
    if (options.defaultMetrics ?? true) collectDefaultMetrics({ register: this.registry });
    this.requestDuration = new BoundHistogram({
      name: M.requestDuration.name,
      help: 'The latency of the HTTP requests.',
      labelNames: M.requestDuration.labels,
      buckets: [0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10],
      registers,
    });
    this.responseSize = new BoundHistogram({
      name: M.responseSize.name,
      help: 'The size of the HTTP responses.',
      labelNames: M.responseSize.labels,
      buckets: exponentialBuckets(100, 10, 8),
      registers,
    });
    this.bufferedBytes = new Gauge({
      name: M.bufferedBytes.name,
      help: 'Request-body bytes held in memory across all requests (bounded by the body budget).',
      registers,
      collect: () => {
        const now = this.bufferedBytesNow?.();
        if (now !== undefined) this.bufferedBytes.set(now);
      },
    });
    this.decodeWaiting = new Gauge({
      name: M.decodeWaiting.name,
      help: 'Deliveries waiting for room to decode their bodies (bounded by the decode budget); past 10 s they get 503.',
      registers,
      collect: () => this.decodeWaiting.set(this.decodeWaitingNow?.() ?? 0),
    });
    this.inflight = new Gauge({
      name: M.inflight.name,
      help: 'The number of inflight requests being handled at the same time.',
      labelNames: M.inflight.labels,
      registers,
      // Set when scraped instead of inc/dec per request (two label look-ups per request saved).
      collect: () => {
        const now = this.inflightNow?.();
        if (now !== undefined) this.inflight.set({ service: '', handler: HANDLER_LABEL }, now);
      },
    });
    this.deliveries = new Counter({
      name: M.deliveries.name,
      help: 'Webhook deliveries by receiver, type and outcome (receiver labels are empty when no receiver matched).',
      labelNames: M.deliveries.labels,
      registers,
      // Counted per request in plain numbers, added here when scraped (no label hashing per request).
      collect: () => this.flushDeliveries?.(),
    });
    this.targets = new Counter({
      name: M.targets.name,
      help: 'Objects selected by deliveries, by receiver, target kind and outcome.',
      labelNames: M.targets.labels,
      registers,
    });
    this.patches = new Counter({
      name: M.patches.name,
      help: 'reconcile.fluxcd.io/requestedAt merge patches sent to the API server, by outcome (ok or error).',
      labelNames: M.patches.labels,
      registers,
    });
    this.coalesced = new Counter({
      name: M.coalesced.name,
      help: 'Trigger requests answered by a patch shared with other deliveries instead of a patch of their own.',
      registers,
    });
    this.receivers = new Gauge({
      name: M.receivers.name,
      help: 'Loaded receivers by state (ready or not_ready).',
      labelNames: M.receivers.labels,
      registers,
    });
    this.verificationKeys = new Counter({
      name: M.verificationKeys.name,
      help: 'Verified deliveries by receiver and the name of the Secret key that verified them (never its value).',
      labelNames: M.verificationKeys.labels,
      registers,
    });
    this.duplicates = new Counter({
      name: M.duplicates.name,
      help: 'Redelivered copies (same delivery id and body) answered 200 without a patch, because a patch after the first copy had succeeded.',
      labelNames: M.duplicates.labels,
      registers,
    });
  }
}
