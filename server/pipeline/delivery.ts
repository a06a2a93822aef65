// The pipeline's contract with the outside: what the HTTP layer hands in (a Delivery), what comes
// back (a DeliveryResult), and the observer told about each one. http/ and app/ depend on these
// types; the pipeline depends on neither.
import type { IncomingHttpHeaders } from 'http';
import type { DeliveryOutcome } from '../../src/model/metrics';

/** What happened to a delivery, as a bounded label. */
export type Outcome =
  | 'triggered' // 200
  | 'duplicate' // 200: a copy of a delivery that already succeeded (no new patch)
  | 'not_found' // 404
  | 'too_large' // 413
  | 'bad_request' // 400: body read error
  | 'unavailable' // 503: suspended or not ready
  | 'rejected' // 400: provider check failed
  | 'filter_error' // 500: CEL filters could not be built
  | 'target_error' // 500: some resource entry failed
  | 'rate_limited' // 429: over the receiver's rate limit (an extension, see pipeline/rate-limiter.ts)
  | 'overloaded'; // 503: the request-body budget is spent (http/body-budget.ts), or the decode budget stayed spent (pipeline/decode-budget.ts)

// The monitoring dashboard and alerts name outcomes from the model's list: both must be this set.
type SameSet<A, B> = [A] extends [B] ? ([B] extends [A] ? true : false) : false;
export const OUTCOMES_MATCH_THE_MODEL: SameSet<Outcome, DeliveryOutcome> = true;

/** A webhook request whose body has been buffered. */
export interface Delivery {
  readonly method: string;
  /** The raw request-target (path and query, undecoded): Flux's lookup key. */
  readonly url: string;
  readonly headers: IncomingHttpHeaders;
  readonly body: Buffer;
  /** Epoch ms when the request arrived. */
  readonly arrivedAt: number;
}

/** What one `resources[]` entry did. */
export interface EntryReport {
  readonly index: number;
  readonly kind: string;
  readonly namespace?: string;
  /** The entry's name or `*`. */
  readonly name: string;
  readonly selected: number;
  readonly patched: number;
  readonly filteredOut: number;
  readonly error?: string;
}

/** One target's report as the log line and the JSON answer show it; `text` may bound the error text. */
export function targetSummary(e: EntryReport, text: (value: string | undefined) => string | undefined = (value) => value) {
  return {
    kind: e.kind,
    namespace: e.namespace,
    name: e.name,
    selected: e.selected,
    patched: e.patched,
    filteredOut: e.filteredOut,
    result: e.error === undefined ? 'ok' : 'failed',
    error: text(e.error),
  };
}

export interface DeliveryResult {
  readonly status: number;
  readonly outcome: Outcome;
  /** Set once a receiver matched the path. */
  readonly receiver?: { readonly namespace: string; readonly name: string; readonly type: string };
  readonly event?: string;
  readonly deliveryId?: string;
  /** The provider's description ("handling GitHub event: push"). */
  readonly description?: string;
  /** The Secret key whose value verified the delivery (`token`, or a listed verification key); its name only. */
  readonly verificationKey?: string;
  /** Why the request was not fully successful. */
  readonly reason?: string;
  readonly entries?: readonly EntryReport[];
  /** 429 only: the `Retry-After` header, in whole seconds. */
  readonly retryAfterSeconds?: number;
}

/** Turns one buffered request into a result; never throws for a bad request. */
export interface WebhookHandler {
  handle(delivery: Delivery): Promise<DeliveryResult>;
  /**
   * Whether a request to `url` may reach a receiver that reads its body. Bodies of other requests
   * are counted for the 413 (checked before the lookup, like Flux) but not kept.
   */
  wantsBody?(url: string): boolean;
}

/** Told about every request that reached the `/hook/` handler (not mux 404/301). */
export interface WebhookObserver {
  /** Once per answered request; `bytes` is the response body size (0 unless a JSON answer was sent). */
  completed(delivery: { readonly method: string }, result: DeliveryResult, seconds: number, bytes?: number): void;
  started(): void;
  finished(): void;
}
