// A remote document (discovery document, key set) kept with a bounded age, so that a key the
// issuer withdraws stops verifying within that bound, and refetched at once when a token needs
// newer keys, at most once per refetch interval per URL so that tokens with random `kid`s cannot
// flood the issuer. Requests that need a refetch inside the interval wait for the next one
// instead of failing; concurrent requests share one fetch.
import { fetchDocument, type FetchOptions } from './_fetch-document';

export interface FreshnessPolicy {
  /** Longest time a fetched document is used (also the default when the server states none). */
  readonly maxAgeMs: number;
  /** Shortest time between two fetches of one URL; also the shortest reuse (for `no-cache`). */
  readonly refetchIntervalMs: number;
  readonly fetch: FetchOptions;
  /** Milliseconds since the epoch. */
  readonly clock: () => number;
}

export interface Snapshot<T> {
  readonly value: T;
  /** When the fetch that produced it started. */
  readonly fetchedAt: number;
}

interface Entry<T> extends Snapshot<T> {
  readonly freshUntil: number;
}

interface Pending<T> {
  readonly startsAt: number;
  readonly promise: Promise<Entry<T>>;
}

export class RefreshingDocument<T> {
  private entry?: Entry<T>;
  private pending?: Pending<T>;
  private lastFetchStart = Number.NEGATIVE_INFINITY;

  constructor(
    readonly url: string,
    private readonly parse: (body: Buffer) => T,
    private readonly policy: FreshnessPolicy,
  ) {}

  /** The document if still fresh, else a newly fetched one. */
  async current(): Promise<Snapshot<T>> {
    const entry = this.entry;
    if (entry && this.policy.clock() < entry.freshUntil) return entry;
    return this.fetchedSince(entry ? entry.fetchedAt + 1 : Number.NEGATIVE_INFINITY);
  }

  /** A document whose fetch started at or after `since` (ms), fetching one if needed (rate-limited). */
  async fetchedSince(since: number): Promise<Snapshot<T>> {
    if (this.entry && this.entry.fetchedAt >= since) return this.entry;
    if (this.pending && this.pending.startsAt >= since) return this.pending.promise;
    const now = this.policy.clock();
    const startsAt = Math.max(now, this.lastFetchStart + this.policy.refetchIntervalMs);
    const pending: Pending<T> = { startsAt, promise: this.scheduleFetch(startsAt - now) };
    this.pending = pending;
    this.lastFetchStart = startsAt;
    try {
      return await pending.promise;
    } finally {
      if (this.pending === pending) this.pending = undefined;
    }
  }

  private async scheduleFetch(delayMs: number): Promise<Entry<T>> {
    if (delayMs > 0) await new Promise((resolve) => setTimeout(resolve, Math.min(delayMs, this.policy.refetchIntervalMs)));
    const fetchedAt = this.policy.clock();
    const document = await fetchDocument(this.url, this.policy.fetch);
    const value = this.parse(document.body);
    const statedMs = document.maxAgeSeconds === undefined ? this.policy.maxAgeMs : document.maxAgeSeconds * 1000;
    const ageMs = Math.min(this.policy.maxAgeMs, Math.max(this.policy.refetchIntervalMs, statedMs));
    const entry: Entry<T> = { value, fetchedAt, freshUntil: fetchedAt + ageMs };
    if (!this.entry || this.entry.fetchedAt <= fetchedAt) this.entry = entry;
    return entry;
  }
}
