// One log line and the metrics for every request that reached the `/hook/` handler. Nothing
// derived from the request path is recorded: a matched receiver is named by namespace/name, an
// unmatched request by nothing at all.
import type { BoundObserver } from '../observability/bound-histogram';
import type { Logger } from '../observability/logger';
import { HANDLER_LABEL, ReceiverMetrics } from '../observability/metrics';
import { targetSummary, type DeliveryResult, type WebhookObserver } from '../pipeline/delivery';

/**
 * The longest value a request can put in its log line: event names, delivery ids, descriptions
 * and errors carry sender-chosen text (a 3 MiB `repo_url`, a huge header). Longer values are cut
 * and say how much was dropped, so one request costs a bounded log line (< 8 KiB with the limits).
 */
export const LOG_VALUE_MAX_CHARS = 1024;

/** The histogram series one (method, status) pair updates, bound once. */
interface HttpSeries {
  readonly duration: BoundObserver;
  readonly size: BoundObserver;
}

/** One series of the deliveries counter: counted here, added to the counter when scraped. */
interface DeliverySeries {
  readonly labels: { readonly namespace: string; readonly name: string; readonly type: string; readonly outcome: string };
  count: number;
  reported: number;
}

export class DeliveryRecorder implements WebhookObserver {
  private inflightCount = 0;
  private everStarted = false;
  private drainWaiters: (() => void)[] = [];
  // Bounded: methods are the ones Node's parser knows, statuses and outcomes are ours, receivers exist.
  private readonly httpSeries = new Map<string, HttpSeries>();
  private readonly deliverySeries = new Map<string, DeliverySeries>();

  constructor(private readonly log: Logger, private readonly metrics: ReceiverMetrics) {
    metrics.inflightNow = () => (this.everStarted ? this.inflightCount : undefined);
    metrics.flushDeliveries = () => {
      for (const s of this.deliverySeries.values()) {
        if (s.count === s.reported) continue;
        metrics.deliveries.inc(s.labels, s.count - s.reported);
        s.reported = s.count;
      }
    };
  }

  started(): void {
    this.inflightCount++;
    this.everStarted = true;
  }

  finished(): void {
    this.inflightCount--;
    if (this.inflightCount === 0) {
      const waiters = this.drainWaiters;
      this.drainWaiters = [];
      waiters.forEach((w) => w());
    }
  }

  /** Requests inside the `/hook/` handler right now. */
  get inflight(): number {
    return this.inflightCount;
  }

  /** Resolves when no request is in flight. */
  drained(): Promise<void> {
    return this.inflightCount === 0 ? Promise.resolve() : new Promise((resolve) => this.drainWaiters.push(resolve));
  }

  completed(delivery: { readonly method: string }, result: DeliveryResult, seconds: number, bytes = 0): void {
    const http = this.httpSeriesFor(delivery.method, result.status);
    http.duration.observe(seconds);
    // Headers only (Content-Length: 0) as in Flux, unless a JSON answer was asked for.
    http.size.observe(bytes);
    const r = result.receiver;
    this.deliverySeriesFor(r?.namespace ?? '', r?.name ?? '', r?.type ?? '', result.outcome).count++;
    if (r && result.verificationKey) this.metrics.verificationKeys.inc({ namespace: r.namespace, name: r.name, key: result.verificationKey });
    if (r && result.outcome === 'duplicate') this.metrics.duplicates.inc({ namespace: r.namespace, name: r.name, type: r.type });
    const fields = {
      receiver: r ? `${r.namespace}/${r.name}` : undefined,
      type: r?.type,
      event: boundLogValue(result.event),
      deliveryId: boundLogValue(result.deliveryId),
      verificationKey: result.verificationKey,
      description: boundLogValue(result.description),
      method: delivery.method,
      outcome: result.outcome,
      status: result.status,
      durationMs: Math.round(seconds * 1e6) / 1e3,
      error: boundLogValue(result.reason),
      retryAfterSeconds: result.retryAfterSeconds,
      targets: result.entries?.map((e) => targetSummary(e, boundLogValue)),
    };
    // 503 (not ready, suspended, body budget spent) is a refusal, not a failure: warn, as documented.
    if (result.status >= 500 && result.status !== 503) this.log.error('webhook failed', fields);
    else if (result.status === 400 || result.status === 429 || result.status === 503) this.log.warn('webhook refused', fields);
    else this.log.info('webhook handled', fields);
  }

  private httpSeriesFor(method: string, status: number): HttpSeries {
    const key = `${method} ${status}`;
    let series = this.httpSeries.get(key);
    if (!series) {
      const labels = { service: '', handler: HANDLER_LABEL, method, code: String(status) };
      series = { duration: this.metrics.requestDuration.bind(labels), size: this.metrics.responseSize.bind(labels) };
      this.httpSeries.set(key, series);
    }
    return series;
  }

  private deliverySeriesFor(namespace: string, name: string, type: string, outcome: string): DeliverySeries {
    const key = `${namespace}\u0000${name}\u0000${type}\u0000${outcome}`;
    let series = this.deliverySeries.get(key);
    if (!series) {
      series = { labels: { namespace, name, type, outcome }, count: 0, reported: 0 };
      this.deliverySeries.set(key, series);
    }
    return series;
  }
}

/** `value` cut to LOG_VALUE_MAX_CHARS, ending with how many characters were dropped. */
export function boundLogValue(value: string | undefined): string | undefined {
  if (value === undefined || value.length <= LOG_VALUE_MAX_CHARS) return value;
  return `${value.slice(0, LOG_VALUE_MAX_CHARS)}…(${value.length - LOG_VALUE_MAX_CHARS} more characters)`;
}
