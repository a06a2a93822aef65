// The Grafana dashboard of a receiver server (or of notification-controller's receiver endpoint),
// written from the metric definitions: one list of panels, laid out two per row. Every query is
// a PromQL expression with Grafana's `$__rate_interval` as its only placeholder.
import { createHash } from 'crypto';
import { by, series } from './promql';
import { ACCEPTED_OUTCOMES, DeliveryOutcome, FLUX_RECEIVER_METRICS, RECEIVER_METRICS as M } from '../model';

/** One query of a panel. */
export interface PanelQuery {
  readonly expr: string;
  readonly legend: string;
}

/** One panel: a time series with its queries. */
export interface PanelDefinition {
  readonly title: string;
  readonly description: string;
  readonly unit: string;
  readonly queries: readonly PanelQuery[];
}

/** Grafana's rate window variable, replaced by a duration when the dashboard runs. */
export const RATE_INTERVAL = '$__rate_interval';

/** The panels of the bundled receiver server scraped as `job`. */
export function serverPanels(job: string, memoryLimitBytes?: number): PanelDefinition[] {
  const rate = (selector: string) => `rate(${selector}[${RATE_INTERVAL}])`;
  return [
    {
      title: 'Deliveries per receiver and outcome',
      description: 'Requests that reached a receiver, by outcome (triggered, duplicate, rejected, unavailable, rate_limited, …).',
      unit: 'reqps',
      queries: [{ expr: `sum${by(M.deliveries, ['namespace', 'name', 'outcome'])} (${rate(series(M.deliveries, { job, name: { not: '' } }))})`, legend: '{{namespace}}/{{name}} {{outcome}}' }],
    },
    {
      title: 'Refused requests by reason',
      description: 'Every outcome but triggered and duplicate: rejected (signature or token), not_found (unknown path), too_large, bad_request, unavailable, rate_limited, overloaded, filter_error, target_error.',
      unit: 'reqps',
      queries: [{ expr: `sum${by(M.deliveries, ['outcome'])} (${rate(series(M.deliveries, { job, outcome: { notRe: ACCEPTED_OUTCOMES } }))})`, legend: '{{outcome}}' }],
    },
    latencyPanel(job, 'Delivery latency (includes the PATCH)', 'Time from request to answer of accepted deliveries, which answer after their reconcile PATCH.'),
    {
      title: 'Reconcile PATCHes by outcome',
      description: 'reconcile.fluxcd.io/requestedAt merge patches sent to the API server (ok or error), and target objects that failed per receiver.',
      unit: 'ops',
      queries: [
        { expr: `sum${by(M.patches, ['outcome'])} (${rate(series(M.patches, { job }))})`, legend: 'patch {{outcome}}' },
        { expr: `sum${by(M.targets, ['namespace', 'name', 'kind'])} (${rate(series(M.targets, { job, outcome: 'failed' }))})`, legend: 'failed {{namespace}}/{{name}} {{kind}}' },
      ],
    },
    {
      title: 'Deliveries per PATCH (coalescing)',
      description: 'Triggering deliveries per reconcile PATCH: above 1 when bursts share a patch. Coalesced triggers per second beside it.',
      unit: 'none',
      queries: [
        {
          expr: `sum (${rate(series(M.deliveries, { job, outcome: 'triggered' satisfies DeliveryOutcome }))}) / sum (${rate(series(M.patches, { job }))})`,
          legend: 'deliveries per PATCH',
        },
        { expr: `sum (${rate(series(M.coalesced, { job }))})`, legend: 'coalesced triggers/s' },
      ],
    },
    {
      title: 'Rate-limited deliveries (429)',
      description: 'Deliveries over their receiver\'s rate limit. The limit is per pod: with N replicas a receiver accepts up to N times the limit.',
      unit: 'reqps',
      queries: [{ expr: `sum${by(M.deliveries, ['namespace', 'name'])} (${rate(series(M.deliveries, { job, outcome: 'rate_limited' satisfies DeliveryOutcome }))})`, legend: '{{namespace}}/{{name}}' }],
    },
    {
      title: 'Duplicate deliveries',
      description: 'Redelivered copies answered 200 without a patch (the redelivery window).',
      unit: 'reqps',
      queries: [{ expr: `sum${by(M.duplicates, ['namespace', 'name'])} (${rate(series(M.duplicates, { job }))})`, legend: '{{namespace}}/{{name}}' }],
    },
    {
      title: 'Verification key that matched (token rotation)',
      description: 'Verified deliveries by the Secret key that verified them: during a rotation the old key\'s line falls to zero before it is retired.',
      unit: 'reqps',
      queries: [{ expr: `sum${by(M.verificationKeys, ['namespace', 'name', 'key'])} (${rate(series(M.verificationKeys, { job }))})`, legend: '{{namespace}}/{{name}} {{key}}' }],
    },
    {
      title: 'Receivers by readiness',
      description: 'Loaded receivers, ready and not ready, per pod.',
      unit: 'none',
      queries: [{ expr: `sum${by(M.receivers, ['pod', 'state'])} (${series(M.receivers, { job })})`, legend: '{{pod}} {{state}}' }],
    },
    {
      title: 'Memory against the limit',
      description: 'Resident memory per pod, the container\'s memory limit, and request bodies held in memory.',
      unit: 'bytes',
      queries: [
        { expr: `sum${by(M.residentMemory, ['pod'])} (${series(M.residentMemory, { job })})`, legend: '{{pod}} resident' },
        ...(memoryLimitBytes !== undefined ? [{ expr: `vector(${memoryLimitBytes})`, legend: 'limit' }] : []),
        { expr: `sum${by(M.bufferedBytes, ['pod'])} (${series(M.bufferedBytes, { job })})`, legend: '{{pod}} buffered bodies' },
      ],
    },
  ];
}

/**
 * The panels notification-controller's metrics can fill. Its receiver endpoint counts HTTP requests
 * only: deliveries per receiver, refusals by reason, PATCHes, coalescing, 429s, duplicates,
 * verification keys and receiver readiness have no metric there.
 */
export function fluxPanels(job: string): PanelDefinition[] {
  const F = FLUX_RECEIVER_METRICS;
  const rate = (selector: string) => `rate(${selector}[${RATE_INTERVAL}])`;
  return [
    {
      title: 'Webhook requests by status code',
      description: 'Requests to notification-controller\'s receiver endpoint, all receivers together, by HTTP status.',
      unit: 'reqps',
      queries: [{ expr: `sum${by(F.requestDuration, ['code'])} (${rate(series(F.requestDuration, { job }, 'count'))})`, legend: '{{code}}' }],
    },
    latencyPanel(job, 'Webhook latency (includes the PATCHes)', 'Time from request to answer of accepted requests.'),
    {
      title: 'Requests in flight',
      description: 'Webhook requests being handled at once, per pod.',
      unit: 'none',
      queries: [{ expr: `sum${by(F.inflight, ['pod'])} (${series(F.inflight, { job })})`, legend: '{{pod}}' }],
    },
    {
      title: 'Memory',
      description: 'Resident memory of notification-controller per pod.',
      unit: 'bytes',
      queries: [{ expr: `sum${by(F.residentMemory, ['pod'])} (${series(F.residentMemory, { job })})`, legend: '{{pod}}' }],
    },
  ];
}

/** Median and 99th percentile of Flux's request-duration histogram for answers 200 (both servers export it). */
function latencyPanel(job: string, title: string, description: string): PanelDefinition {
  const d = FLUX_RECEIVER_METRICS.requestDuration;
  return {
    title,
    description,
    unit: 's',
    queries: [0.5, 0.99].map((q) => ({
      expr: `histogram_quantile(${q}, sum${by(d, ['le'])} (rate(${series(d, { job, code: '200' }, 'bucket')}[${RATE_INTERVAL}])))`,
      legend: `p${q * 100}`,
    })),
  };
}

/** A Grafana dashboard (schema 39) of `panels`, two per row, with a Prometheus data source picker. */
export function grafanaDashboard(title: string, job: string, panels: readonly PanelDefinition[]): object {
  const datasource = { type: 'prometheus', uid: '${datasource}' };
  return {
    // A stable uid per job: several installs get several dashboards, a re-synth keeps its links.
    uid: `fwr-${createHash('sha256').update(job).digest('hex').slice(0, 16)}`,
    title,
    tags: ['flux', 'webhooks'],
    timezone: 'browser',
    schemaVersion: 39,
    editable: false,
    refresh: '30s',
    time: { from: 'now-6h', to: 'now' },
    templating: {
      list: [{ name: 'datasource', label: 'Data source', type: 'datasource', query: 'prometheus', current: {}, hide: 0 }],
    },
    panels: panels.map((p, i) => ({
      id: i + 1,
      type: 'timeseries',
      title: p.title,
      description: p.description,
      datasource,
      gridPos: { h: 8, w: 12, x: (i % 2) * 12, y: Math.floor(i / 2) * 8 },
      fieldConfig: { defaults: { unit: p.unit }, overrides: [] },
      options: { legend: { displayMode: 'list', placement: 'bottom', showLegend: true }, tooltip: { mode: 'multi', sort: 'none' } },
      targets: p.queries.map((q, j) => ({ refId: String.fromCharCode(65 + j), datasource, expr: q.expr, legendFormat: q.legend })),
    })),
  };
}
