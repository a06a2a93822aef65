import { parseRateLimit, RATE_LIMIT_MAX, RATE_LIMIT_OFF } from './model';

/**
 * A limit of verified webhook deliveries per receiver, enforced by the bundled server (an
 * extension: notification-controller has none). It is a token bucket: `burst` deliveries at
 * once, refilled at the rate; a delivery over it gets HTTP 429 with `Retry-After` and reconciles
 * nothing. Requests that fail the provider check (400) never count against it.
 *
 * The server's defaults are 20 per second with a burst of 200, and 2 per second with a burst of
 * 20 for `generic` receivers, whose URL is their only secret.
 */
export class RateLimit {
  /**
   * At most `requests` per second, refilled continuously.
   *
   * @param requests deliveries per second (above 0; decimals allowed, e.g. 0.5)
   * @param burst deliveries accepted at once, a whole number; default: `requests` rounded up
   */
  public static perSecond(requests: number, burst?: number): RateLimit {
    return new RateLimit(requests, 's', burst);
  }

  /**
   * At most `requests` per minute.
   *
   * @param requests deliveries per minute (above 0)
   * @param burst deliveries accepted at once, a whole number; default: `requests` rounded up
   */
  public static perMinute(requests: number, burst?: number): RateLimit {
    return new RateLimit(requests, 'm', burst);
  }

  /**
   * At most `requests` per hour.
   *
   * @param requests deliveries per hour (above 0)
   * @param burst deliveries accepted at once, a whole number; default: `requests` rounded up
   */
  public static perHour(requests: number, burst?: number): RateLimit {
    return new RateLimit(requests, 'h', burst);
  }

  /** No limit (the server's `off`). */
  public static unlimited(): RateLimit {
    return new RateLimit(undefined, undefined, undefined);
  }

  /** The server's text form: `<requests>/<s|m|h>[,burst=<n>]` or `off`. */
  public readonly value: string;

  private constructor(private readonly requests: number | undefined, unit: string | undefined, private readonly burst: number | undefined) {
    this.value = requests === undefined ? RATE_LIMIT_OFF : `${requests}/${unit}${burst === undefined ? '' : `,burst=${burst}`}`;
  }

  /**
   * @internal The text form, after the checks the server makes; throws naming `what` (construct
   * path and field), the value and the fix.
   */
  public _render(what: string): string {
    const fix = 'use e.g. RateLimit.perSecond(20, 200), or RateLimit.unlimited() for no limit';
    if (this.requests !== undefined && (typeof this.requests !== 'number' || !Number.isFinite(this.requests) || this.requests <= 0 || this.requests > RATE_LIMIT_MAX)) {
      throw new Error(`${what} ${JSON.stringify(this.value)}: the request count ${this.requests} must be a number above 0 and at most ${RATE_LIMIT_MAX}: ${fix}`);
    }
    if (this.burst !== undefined && (!Number.isInteger(this.burst) || this.burst < 1 || this.burst > RATE_LIMIT_MAX)) {
      throw new Error(`${what} ${JSON.stringify(this.value)}: burst ${this.burst} must be a whole number from 1 to ${RATE_LIMIT_MAX}: ${fix}`);
    }
    const parsed = parseRateLimit(this.value);
    // e.g. 1e-7 per second: finite and positive, but not a decimal the server reads.
    if ('problem' in parsed) throw new Error(`${what} ${parsed.problem}: ${fix}`);
    return this.value;
  }
}
