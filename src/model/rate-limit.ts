// Per-receiver rate limits (an extension; Flux has none): the text form shared by the server's
// flags, the Receiver annotation and the constructs, and its one parser, so the constructs refuse
// at synth time exactly what the server would refuse at start-up.

/** Receiver annotation that overrides the server's default limit for that receiver. */
export const RATE_LIMIT_ANNOTATION = 'cdk8s-flux-webhooks.io/rate-limit';

/** The value that turns the limit off. */
export const RATE_LIMIT_OFF = 'off';

/** A token bucket: refills at `perSecond`, holds at most `burst` requests. */
export interface RateLimitSpec {
  readonly perSecond: number;
  readonly burst: number;
}

/** Largest rate and burst accepted: beyond this a limit means nothing. */
export const RATE_LIMIT_MAX = 1_000_000;

const UNIT_SECONDS: Readonly<Record<string, number>> = { s: 1, m: 60, h: 3600 };
const FORMAT = /^(\d+(?:\.\d+)?)\/([smh])(?:,burst=(\d+))?$/;

/** The accepted forms, for error messages. */
export const RATE_LIMIT_SYNTAX = `"<requests>/<s|m|h>[,burst=<n>]" (e.g. "20/s,burst=200") or "${RATE_LIMIT_OFF}"`;

/**
 * Parses `20/s,burst=200`, `30/m` (burst defaults to the count per unit, at least 1) or `off`
 * (no limit: `limit` undefined). Returns a problem text instead of throwing.
 */
export function parseRateLimit(text: string): { readonly limit?: RateLimitSpec } | { readonly problem: string } {
  const value = text.trim();
  if (value === RATE_LIMIT_OFF) return {};
  const match = FORMAT.exec(value);
  if (!match) return { problem: `"${text}" is not a rate limit: use ${RATE_LIMIT_SYNTAX}` };
  const count = Number(match[1]);
  const burst = match[3] === undefined ? Math.max(1, Math.ceil(count)) : Number(match[3]);
  if (!(count > 0) || count > RATE_LIMIT_MAX) return { problem: `"${text}": the request count must be above 0 and at most ${RATE_LIMIT_MAX} (use "${RATE_LIMIT_OFF}" for no limit)` };
  if (burst < 1 || burst > RATE_LIMIT_MAX) return { problem: `"${text}": burst must be from 1 to ${RATE_LIMIT_MAX}` };
  return { limit: { perSecond: count / UNIT_SECONDS[match[2]], burst } };
}
