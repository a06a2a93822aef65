/** Key-set caching shared by the verifiers (jose's remote JWKS: cache, cooldown, fetch timeout). */
export interface KeySetCacheOptions {
  /** How long fetched keys are trusted before a refetch (default 10 min). */
  readonly cacheMaxAgeMs?: number;
  /** Minimum time between two fetches, e.g. on an unknown `kid` (default 30 s). */
  readonly cooldownMs?: number;
  /** Timeout of one key or discovery fetch (default 5 s). */
  readonly fetchTimeoutMs?: number;
}

export const DEFAULT_CACHE_MAX_AGE_MS = 10 * 60_000;
export const DEFAULT_COOLDOWN_MS = 30_000;
export const DEFAULT_FETCH_TIMEOUT_MS = 5_000;

export function remoteJwksOptions(options: KeySetCacheOptions): { cacheMaxAge: number; cooldownDuration: number; timeoutDuration: number } {
  return {
    cacheMaxAge: options.cacheMaxAgeMs ?? DEFAULT_CACHE_MAX_AGE_MS,
    cooldownDuration: options.cooldownMs ?? DEFAULT_COOLDOWN_MS,
    timeoutDuration: options.fetchTimeoutMs ?? DEFAULT_FETCH_TIMEOUT_MS,
  };
}

/** A jose error as a short message without the token. */
export function describeJoseError(err: unknown): string {
  const e = err as { code?: unknown; message?: unknown };
  const message = typeof e.message === 'string' ? e.message : String(err);
  return typeof e.code === 'string' ? `${message} (${e.code})` : message;
}
