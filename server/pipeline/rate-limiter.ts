// Per-receiver token buckets for verified deliveries (an extension; Flux has none). The pipeline
// asks after the provider check, so a flood of forged requests cannot use up a real sender's
// tokens; those are refused (400) before any API call and bounded by the HTTP limits instead.
// A Receiver may override the server's default through an annotation (docs/server.md, "Rate limits").
import { parseRateLimit, RATE_LIMIT_ANNOTATION, RateLimitSpec } from '../../src/model';
import type { Logger } from '../observability/logger';
import type { ServedReceiver } from '../receivers/receiver-source';

/** The server-wide defaults; undefined means no limit. */
export interface RateLimitDefaults {
  readonly signed?: RateLimitSpec;
  /** `generic` receivers: no signature, the URL is the only secret. */
  readonly generic?: RateLimitSpec;
}

/** Allowed, or refused with the whole seconds after which one request fits again. */
export type RateDecision = { readonly ok: true } | { readonly ok: false; readonly retryAfterSeconds: number; readonly limit: RateLimitSpec };

interface Bucket {
  readonly limit: RateLimitSpec;
  tokens: number;
  at: number;
}

export class ReceiverRateLimiter {
  private buckets = new Map<string, Bucket>();
  /** Bad annotation values already logged, so a reload does not repeat the warning. */
  private warned = new Set<string>();

  constructor(
    private readonly defaults: RateLimitDefaults,
    private readonly log?: Logger,
    private readonly now: () => number = Date.now,
  ) {}

  /** Takes one token from the receiver's bucket. */
  take(served: ServedReceiver): RateDecision {
    const limit = this.limitFor(served);
    if (!limit) return { ok: true };
    const now = this.now();
    let bucket = this.buckets.get(served.key);
    // A changed limit starts a full bucket of the new size.
    if (!bucket || bucket.limit.perSecond !== limit.perSecond || bucket.limit.burst !== limit.burst) {
      bucket = { limit, tokens: limit.burst, at: now };
      this.buckets.set(served.key, bucket);
    }
    bucket.tokens = Math.min(limit.burst, bucket.tokens + (Math.max(0, now - bucket.at) / 1000) * limit.perSecond);
    bucket.at = now;
    if (bucket.tokens >= 1) {
      bucket.tokens -= 1;
      return { ok: true };
    }
    return { ok: false, retryAfterSeconds: Math.max(1, Math.ceil((1 - bucket.tokens) / limit.perSecond)), limit };
  }

  /** The limit that applies: the receiver's annotation, else the default for its type. */
  limitFor(served: ServedReceiver): RateLimitSpec | undefined {
    const fallback = served.object.spec?.type === 'generic' ? this.defaults.generic : this.defaults.signed;
    const own = served.object.metadata.annotations?.[RATE_LIMIT_ANNOTATION];
    if (own === undefined) return fallback;
    const parsed = parseRateLimit(String(own));
    return 'problem' in parsed ? fallback : parsed.limit;
  }

  /** Keeps the buckets of current receivers only; warns once per bad annotation value. */
  retain(receivers: readonly ServedReceiver[]): void {
    const keys = new Set(receivers.map((r) => r.key));
    this.buckets = new Map([...this.buckets].filter(([k]) => keys.has(k)));
    for (const r of receivers) {
      const own = r.object.metadata.annotations?.[RATE_LIMIT_ANNOTATION];
      if (own === undefined) continue;
      const parsed = parseRateLimit(String(own));
      const seen = `${r.key}\u0000${own}`;
      if ('problem' in parsed && !this.warned.has(seen)) {
        this.warned.add(seen);
        this.log?.warn('ignoring the rate-limit annotation; the default for the receiver type applies', {
          receiver: `${r.object.metadata.namespace}/${r.object.metadata.name}`,
          annotation: RATE_LIMIT_ANNOTATION,
          error: parsed.problem,
        });
      }
    }
  }
}
