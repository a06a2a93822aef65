// The assembled server: receiver source → receivers by path and target caches; webhook listener →
// pipeline; metrics and health listeners; graceful shutdown. main.ts builds one from the command
// line; tests build one in-process with their own source and a wrapped kube client.
import type * as http from 'http';
import * as os from 'os';
import { DeliveryRecorder } from './delivery-recorder';
import { SERVER_BINARY } from '../../src/model';
import { BodyBudget } from '../http/body-budget';
import { listen } from '../http/listen-address';
import { createOpsServer, OpsRoute } from '../http/ops-server';
import { createWebhookServer } from '../http/webhook-server';
import { EventRecorder } from '../kube/event-recorder';
import type { KubeClient } from '../kube/kube-client';
import { Logger } from '../observability/logger';
import { ReceiverMetrics } from '../observability/metrics';
import { DuplicateDeliveries } from '../pipeline/duplicate-deliveries';
import { RateLimitDefaults, ReceiverRateLimiter } from '../pipeline/rate-limiter';
import { ReceiversByPath } from '../pipeline/receivers-by-path';
import { ReconcileEvents } from '../pipeline/reconcile-events';
import { AnnotationPatcher, WebhookPipeline } from '../pipeline/webhook-pipeline';
import type { Provider, ProviderContext } from '../providers/provider';
import type { ReceiverSource, ServedReceiver } from '../receivers/receiver-source';
import { CacheKey, TargetCaches } from '../targets/target-caches';
import { cacheKeyFor, TargetPolicy } from '../targets/target-resolver';
import { CoalescingTrigger } from '../trigger/coalescing-trigger';

/** How long SIGTERM waits for requests in flight before closing their connections. */
export const DEFAULT_SHUTDOWN_GRACE_MS = 25_000;

export interface ReceiverServerOptions {
  readonly listen: string;
  readonly metricsListen: string;
  readonly healthListen: string;
  readonly policy: TargetPolicy;
  /** Redelivery window (ms); undefined or 0: every copy of a delivery is handled, as in Flux. */
  readonly duplicateWindowMs?: number;
  /** Per-receiver limits of verified deliveries; none when absent (main.ts passes the flags, which default on). */
  readonly rateLimits?: RateLimitDefaults;
  /** JSON answer to every delivery, not only to `Accept: application/json`. */
  readonly jsonAnswers?: boolean;
  /** Request-body bytes all requests together may hold in memory. @default DEFAULT_BODY_BUDGET_BYTES */
  readonly bodyBudgetBytes?: number;
  /** `--record-events`: Kubernetes Events on targets (and failing cluster Receivers). Off by default. */
  readonly recordEvents?: boolean;
}

export interface ReceiverServerParts {
  readonly source: ReceiverSource;
  readonly kube: KubeClient;
  /** Writes the annotation; defaults to `kube`. */
  readonly patcher?: AnnotationPatcher;
  readonly providerFor: (type: string) => Provider | undefined;
  readonly verifiers: ProviderContext['verifiers'];
  readonly log: Logger;
  readonly metrics?: ReceiverMetrics;
}

export interface BoundPorts {
  readonly webhook: number;
  readonly metrics: number;
  readonly health: number;
}

export class ReceiverServer {
  /** Starts listening, then loads receivers; /readyz turns 200 once they and their caches are ready. */
  static async start(options: ReceiverServerOptions, parts: ReceiverServerParts): Promise<ReceiverServer> {
    const server = new ReceiverServer(options, parts);
    await server.startListeners();
    await parts.source.start((receivers) => server.receiversChanged(receivers));
    return server;
  }

  readonly served = new ReceiversByPath();
  readonly metrics: ReceiverMetrics;
  readonly caches: TargetCaches;
  readonly trigger: CoalescingTrigger;
  /** Set with `recordEvents`. */
  readonly events?: EventRecorder;
  private readonly pipeline: WebhookPipeline;
  private readonly limiter: ReceiverRateLimiter;
  private readonly recorder: DeliveryRecorder;
  private readonly webhook: http.Server;
  private readonly ops: http.Server[] = [];
  private boundPorts?: BoundPorts;
  private shuttingDown?: Promise<void>;

  private constructor(private readonly options: ReceiverServerOptions, private readonly parts: ReceiverServerParts) {
    this.metrics = parts.metrics ?? new ReceiverMetrics();
    this.caches = new TargetCaches(parts.kube, parts.log);
    this.trigger = new CoalescingTrigger({ coalesced: () => this.metrics.coalesced.inc() });
    this.limiter = new ReceiverRateLimiter(options.rateLimits ?? {}, parts.log);
    if (options.recordEvents) this.events = new EventRecorder(parts.kube, parts.log, { component: SERVER_BINARY, instance: os.hostname() });
    this.pipeline = new WebhookPipeline({
      receivers: this.served,
      providerFor: parts.providerFor,
      verifiers: parts.verifiers,
      caches: this.caches,
      trigger: this.trigger,
      patcher: parts.patcher ?? parts.kube,
      policy: options.policy,
      log: parts.log,
      metrics: this.metrics,
      duplicates: options.duplicateWindowMs ? new DuplicateDeliveries({ windowMs: options.duplicateWindowMs }) : undefined,
      limiter: this.limiter,
      events: this.events && new ReconcileEvents(this.events),
    });
    this.recorder = new DeliveryRecorder(parts.log, this.metrics);
    const budget = new BodyBudget(options.bodyBudgetBytes);
    this.metrics.bufferedBytesNow = () => budget.held;
    this.metrics.decodeWaitingNow = () => this.pipeline.decodeWaiting;
    this.webhook = createWebhookServer(this.pipeline, this.recorder, budget, { jsonAnswers: options.jsonAnswers ?? false });
  }

  get ports(): BoundPorts {
    return this.boundPorts!;
  }

  /**
   * Ready = receivers loaded and every target cache's first LIST done, successfully or not. A cache
   * that cannot list (kind not served, RBAC) fails only its own receivers' requests, with 500.
   */
  readiness(): { ready: boolean; reasons: string[] } {
    const reasons: string[] = [];
    if (!this.served.loaded) reasons.push('receivers not loaded yet');
    for (const pending of this.caches.pending()) reasons.push(`target cache not synced: ${pending}`);
    if (this.shuttingDown) reasons.push('shutting down');
    return { ready: reasons.length === 0, reasons };
  }

  /** Stops accepting, lets requests in flight finish (at most `graceMs`), then stops everything. */
  shutdown(graceMs = DEFAULT_SHUTDOWN_GRACE_MS): Promise<void> {
    this.shuttingDown ??= this.drainAndStop(graceMs);
    return this.shuttingDown;
  }

  private async drainAndStop(graceMs: number): Promise<void> {
    const inflight = this.recorder.inflight;
    this.parts.log.info('shutting down: no new connections, draining requests in flight', { inflight, graceMs });
    const closed = new Promise<void>((resolve) => this.webhook.close(() => resolve()));
    this.webhook.closeIdleConnections();
    let timer: NodeJS.Timeout | undefined;
    const drained = await Promise.race([
      this.recorder.drained().then(() => true),
      new Promise<boolean>((resolve) => (timer = setTimeout(() => resolve(false), graceMs))),
    ]);
    clearTimeout(timer);
    if (!drained) this.parts.log.warn('shutdown grace period over; closing remaining connections', { inflight: this.recorder.inflight });
    this.webhook.closeAllConnections();
    await closed;
    await this.parts.source.stop();
    this.caches.stop();
    for (const server of this.ops) {
      server.closeAllConnections();
      await new Promise<void>((resolve) => server.close(() => resolve()));
    }
    this.parts.kube.close();
    this.parts.log.info('shut down', { drained });
  }

  private async startListeners(): Promise<void> {
    const webhook = await listen(this.webhook, this.options.listen);
    const registry = this.metrics.registry;
    const metricsRoute: OpsRoute = async () => ({ status: 200, contentType: registry.contentType, body: await registry.metrics() });
    const healthz: OpsRoute = async () => ({ status: 200, contentType: 'text/plain; charset=utf-8', body: 'ok\n' });
    const readyz: OpsRoute = async () => {
      const { ready, reasons } = this.readiness();
      // Ready with failing caches: their own receivers answer 500; say which, after "ok".
      const failing = this.caches.failing().map((f) => `target cache failing (its receivers answer 500): ${f}\n`).join('');
      return { status: ready ? 200 : 503, contentType: 'text/plain; charset=utf-8', body: ready ? 'ok\n' + failing : reasons.join('\n') + '\n' };
    };
    const routesByAddress = new Map<string, Map<string, OpsRoute>>();
    const add = (address: string, path: string, route: OpsRoute): void => {
      const routes = routesByAddress.get(address) ?? new Map<string, OpsRoute>();
      routes.set(path, route);
      routesByAddress.set(address, routes);
    };
    add(this.options.metricsListen, '/metrics', metricsRoute);
    add(this.options.healthListen, '/healthz', healthz);
    add(this.options.healthListen, '/readyz', readyz);
    const ports = new Map<string, number>();
    for (const [address, routes] of routesByAddress) {
      const server = createOpsServer(routes);
      this.ops.push(server);
      ports.set(address, await listen(server, address));
    }
    this.boundPorts = { webhook, metrics: ports.get(this.options.metricsListen)!, health: ports.get(this.options.healthListen)! };
    this.parts.log.info('listening', { webhook: this.options.listen, metrics: this.options.metricsListen, health: this.options.healthListen });
  }

  private receiversChanged(receivers: readonly ServedReceiver[]): void {
    this.served.replace(receivers);
    this.pipeline.pruneFilters(receivers);
    this.limiter.retain(receivers);
    const keys: CacheKey[] = [];
    for (const r of receivers) {
      const ns = r.object.metadata.namespace;
      if (!r.ready || !ns || !Array.isArray(r.object.spec?.resources)) continue;
      for (const entry of r.object.spec.resources) {
        try {
          keys.push(cacheKeyFor(entry, ns, this.options.policy));
        } catch {
          // refused at request time with the same error (500), like Flux
        }
      }
    }
    this.caches.retain(keys);
    this.metrics.receivers.set({ state: 'ready' }, receivers.filter((r) => r.ready).length);
    this.metrics.receivers.set({ state: 'not_ready' }, receivers.filter((r) => !r.ready).length);
  }
}
