import type { IncomingHttpHeaders } from 'http';
import type { Outcome } from '../observability/metrics';

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

export interface DeliveryResult {
  readonly status: number;
  readonly outcome: Outcome;
  /** Set once a receiver matched the path. */
  readonly receiver?: { readonly namespace: string; readonly name: string; readonly type: string };
  readonly event?: string;
  readonly deliveryId?: string;
  /** The provider's description ("handling GitHub event: push"). */
  readonly description?: string;
  /** Why the request was not fully successful. */
  readonly reason?: string;
  readonly entries?: readonly EntryReport[];
}
