// Key-set caching options shared by the verifiers, and the bounds they are held to.
import type { FreshnessPolicy } from './_refreshing-document';

export interface KeySetCacheOptions {
  /**
   * Longest time fetched keys (and discovery documents) are used before a refetch: the bound
   * within which a key the issuer withdraws stops verifying. Default and maximum 60 s; a shorter
   * `Cache-Control: max-age` from the issuer wins.
   */
  readonly keyMaxAgeMs?: number;
  /** Shortest time between two fetches of one URL (default 1 s): the rate limit on unknown-`kid` refetches. */
  readonly refetchIntervalMs?: number;
  /** Timeout of one key or discovery fetch (default 5 s). */
  readonly fetchTimeoutMs?: number;
  /** Extra trusted CA certificates (PEM) for the key and discovery URLs. */
  readonly ca?: string | Buffer | ReadonlyArray<string | Buffer>;
  /** Milliseconds since the epoch; tests pin or advance the clock. */
  readonly clock?: () => number;
}

export const MAX_KEY_AGE_MS = 60_000;
export const DEFAULT_REFETCH_INTERVAL_MS = 1_000;
export const DEFAULT_FETCH_TIMEOUT_MS = 5_000;

export function freshnessPolicy(options: KeySetCacheOptions): FreshnessPolicy {
  const refetchIntervalMs = Math.max(0, options.refetchIntervalMs ?? DEFAULT_REFETCH_INTERVAL_MS);
  return {
    maxAgeMs: Math.max(refetchIntervalMs, Math.min(options.keyMaxAgeMs ?? MAX_KEY_AGE_MS, MAX_KEY_AGE_MS)),
    refetchIntervalMs,
    fetch: { timeoutMs: options.fetchTimeoutMs ?? DEFAULT_FETCH_TIMEOUT_MS, ca: options.ca },
    clock: options.clock ?? Date.now,
  };
}

/** A jose error as a short message without the token. */
export function describeJoseError(err: unknown): string {
  const e = err as { code?: unknown; message?: unknown };
  const message = typeof e.message === 'string' ? e.message : String(err);
  return typeof e.code === 'string' ? `${message} (${e.code})` : message;
}
