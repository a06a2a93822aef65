// The receiver server's Prometheus metrics: names and label names, written once. The server
// registers exactly these (server/observability/metrics.ts); the constructs build the dashboard and
// the alerting rules from them, so renaming a metric or a label here changes both halves together
// and a name the server stopped exporting fails the build instead of the dashboard.

/** One metric: its name as `/metrics` shows it and its label names. */
export interface MetricDefinition<L extends string = string> {
  readonly name: string;
  readonly labels: readonly L[];
  /** Histograms are exposed as `<name>_bucket` (with `le`), `<name>_sum` and `<name>_count`. */
  readonly histogram?: boolean;
}

function metric<L extends string>(name: string, labels: readonly L[], histogram = false): MetricDefinition<L> {
  return { name, labels, histogram };
}

const HTTP_LABELS = ['service', 'handler', 'method', 'code'] as const;
const RECEIVER_LABELS = ['namespace', 'name'] as const;

/** The metrics the receiver server exports next to Node's process metrics. */
export const RECEIVER_METRICS = {
  // Flux's HTTP metrics (slok/go-http-metrics with prefix `gotk_receiver`), same names and labels.
  requestDuration: metric('gotk_receiver_http_request_duration_seconds', HTTP_LABELS, true),
  responseSize: metric('gotk_receiver_http_response_size_bytes', HTTP_LABELS, true),
  inflight: metric('gotk_receiver_http_requests_inflight', ['service', 'handler'] as const),
  // Ours.
  deliveries: metric('flux_webhook_receiver_deliveries_total', [...RECEIVER_LABELS, 'type', 'outcome'] as const),
  targets: metric('flux_webhook_receiver_target_objects_total', [...RECEIVER_LABELS, 'kind', 'outcome'] as const),
  patches: metric('flux_webhook_receiver_patches_total', ['outcome'] as const),
  coalesced: metric('flux_webhook_receiver_coalesced_triggers_total', [] as const),
  receivers: metric('flux_webhook_receiver_receivers', ['state'] as const),
  verificationKeys: metric('flux_webhook_receiver_verification_key_matches_total', [...RECEIVER_LABELS, 'key'] as const),
  duplicates: metric('flux_webhook_receiver_duplicate_deliveries_total', [...RECEIVER_LABELS, 'type'] as const),
  bufferedBytes: metric('flux_webhook_receiver_buffered_body_bytes', [] as const),
  decodeWaiting: metric('flux_webhook_receiver_deliveries_waiting_to_decode', [] as const),
  // prom-client's default process metric (the same name Go's client uses).
  residentMemory: metric('process_resident_memory_bytes', [] as const),
} as const;

/**
 * Every value of the deliveries counter's `outcome` label. The pipeline's `Outcome`
 * (server/pipeline/delivery.ts, with the status of each) is checked to be the same set.
 */
export type DeliveryOutcome = 'triggered' | 'duplicate' | 'not_found' | 'too_large' | 'bad_request' | 'unavailable'
  | 'rejected' | 'filter_error' | 'target_error' | 'rate_limited' | 'overloaded';

/** Outcomes of `flux_webhook_receiver_deliveries_total` that answered 200. */
export const ACCEPTED_OUTCOMES: readonly DeliveryOutcome[] = ['triggered', 'duplicate'];
/**
 * Outcomes of a delivery that reached a receiver and was not accepted: a bad signature or token
 * (`rejected`), not ready or suspended (`unavailable`), over the rate limit, failed filters or
 * targets.
 */
export const REFUSED_OUTCOMES: readonly DeliveryOutcome[] = ['rejected', 'unavailable', 'rate_limited', 'filter_error', 'target_error'];

/**
 * The metrics notification-controller's receiver server exports with the same meaning: only the
 * HTTP ones (it counts no deliveries per receiver, patches, coalescing or keys).
 */
export const FLUX_RECEIVER_METRICS = {
  requestDuration: RECEIVER_METRICS.requestDuration,
  inflight: RECEIVER_METRICS.inflight,
  residentMemory: RECEIVER_METRICS.residentMemory,
} as const;
