// One log line and the metrics for every request that reached the `/hook/` handler. Nothing
// derived from the request path is recorded: a matched receiver is named by namespace/name, an
// unmatched request by nothing at all.
import type { Logger } from './logger';
import { HANDLER_LABEL, ReceiverMetrics } from './metrics';
import type { WebhookObserver } from '../http/webhook-server';
import type { DeliveryResult } from '../pipeline/delivery';

export class DeliveryRecorder implements WebhookObserver {
  private inflightCount = 0;
  private drainWaiters: (() => void)[] = [];

  constructor(private readonly log: Logger, private readonly metrics: ReceiverMetrics) {}

  started(): void {
    this.inflightCount++;
    this.metrics.inflight.inc({ service: '', handler: HANDLER_LABEL });
  }

  finished(): void {
    this.inflightCount--;
    this.metrics.inflight.dec({ service: '', handler: HANDLER_LABEL });
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

  completed(delivery: { readonly method: string }, result: DeliveryResult, seconds: number, responseBytes: number): void {
    const labels = { service: '', handler: HANDLER_LABEL, method: delivery.method, code: String(result.status) };
    this.metrics.requestDuration.observe(labels, seconds);
    this.metrics.responseSize.observe(labels, responseBytes);
    const r = result.receiver;
    this.metrics.deliveries.inc({ namespace: r?.namespace ?? '', name: r?.name ?? '', type: r?.type ?? '', outcome: result.outcome });
    const fields = {
      receiver: r ? `${r.namespace}/${r.name}` : undefined,
      type: r?.type,
      event: result.event,
      deliveryId: result.deliveryId,
      description: result.description,
      method: delivery.method,
      outcome: result.outcome,
      status: result.status,
      durationMs: Math.round(seconds * 1e6) / 1e3,
      error: result.reason,
      targets: result.entries?.map((e) => ({
        kind: e.kind,
        namespace: e.namespace,
        name: e.name,
        selected: e.selected,
        patched: e.patched,
        filteredOut: e.filteredOut,
        error: e.error,
      })),
    };
    if (result.status >= 500) this.log.error('webhook failed', fields);
    else if (result.status === 400 || result.status === 503) this.log.warn('webhook refused', fields);
    else this.log.info('webhook handled', fields);
  }
}
