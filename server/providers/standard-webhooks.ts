// standard-webhooks (extension, files mode only): the Standard Webhooks signature scheme
// (https://www.standardwebhooks.com). The signed content is `<webhook-id>.<webhook-timestamp>.<body>`;
// `webhook-signature` is a space-separated list of `<version>,<base64>` entries and one `v1`
// entry (HMAC-SHA256) must match, so senders can rotate keys by sending two. Other versions (e.g.
// `v1a`, asymmetric) are skipped. The secret is the Secret's `token`: base64, with or without
// the `whsec_` prefix, as the specification's libraries read it. The timestamp must be within
// the tolerance of the server's clock either way, which bounds how long a captured delivery can
// be replayed.
import { createHmac } from 'crypto';
import { optionalHeader } from './_headers';
import { accept, bounded, MISSING_TOKEN, reject, secretToken } from './_verdict';
import type { Provider } from './provider';
import { constantTimeEqual } from '../wire/constant-time';

/** The specification's suggested tolerance: 5 minutes either way. */
export const STANDARD_WEBHOOKS_TOLERANCE_SECONDS = 5 * 60;

const SECRET_PREFIX = 'whsec_';
const BASE64 = /^(?:[A-Za-z0-9+/]{4})*(?:[A-Za-z0-9+/]{2}==|[A-Za-z0-9+/]{3}=)?$/;
const TIMESTAMP = /^[0-9]{1,15}$/;
/** At most this many entries are tried: every entry costs an HMAC comparison. */
const MAX_SIGNATURES = 16;

/** The HMAC key of a Standard Webhooks secret, or undefined when it is not (`whsec_`)base64. */
export function standardWebhooksKey(token: Buffer): Buffer | undefined {
  let text = token.toString('utf8');
  if (text.startsWith(SECRET_PREFIX)) text = text.slice(SECRET_PREFIX.length);
  if (text === '' || !BASE64.test(text)) return undefined;
  return Buffer.from(text, 'base64');
}

/** The provider with a clock: the tests pin `now`; provider-types.ts uses the system clock. */
export function createStandardWebhooksProvider(nowMs: () => number = Date.now, toleranceSeconds = STANDARD_WEBHOOKS_TOLERANCE_SECONDS): Provider {
  return {
    type: 'standard-webhooks',
    validate(request, context) {
      const token = secretToken(context.secret);
      if (token === undefined) return reject(MISSING_TOKEN);
      const key = standardWebhooksKey(token);
      if (key === undefined) return reject("the receiver token is not a Standard Webhooks secret: expected base64, optionally prefixed with 'whsec_'");
      const id = optionalHeader(request, 'webhook-id');
      const timestamp = optionalHeader(request, 'webhook-timestamp');
      const signatures = optionalHeader(request, 'webhook-signature');
      if (id === undefined || timestamp === undefined || signatures === undefined) {
        return reject('missing required headers: webhook-id, webhook-timestamp and webhook-signature');
      }
      if (!TIMESTAMP.test(timestamp)) return reject('the webhook-timestamp header is not a number of seconds');
      const skew = Number(timestamp) - Math.floor(nowMs() / 1000);
      if (skew < -toleranceSeconds) return reject(`the webhook-timestamp is too old (${-skew}s, tolerance ${toleranceSeconds}s)`);
      if (skew > toleranceSeconds) return reject(`the webhook-timestamp is too new (${skew}s ahead, tolerance ${toleranceSeconds}s)`);
      const expected = createHmac('sha256', key).update(`${id}.${timestamp}.`).update(request.body).digest();
      let matched = false;
      let tried = 0;
      for (const entry of signatures.split(' ')) {
        const comma = entry.indexOf(',');
        if (comma < 0 || entry.slice(0, comma) !== 'v1') continue;
        if (++tried > MAX_SIGNATURES) break;
        const value = entry.slice(comma + 1);
        // Every v1 entry is compared (no early exit), so timing does not tell which one matched.
        if (BASE64.test(value) && constantTimeEqual(Buffer.from(value, 'base64'), expected)) matched = true;
      }
      if (tried === 0) return reject('the webhook-signature header has no v1 signature');
      if (!matched) return reject('no webhook-signature v1 entry matches: payload signature check failed');
      return accept(request, {
        description: 'handling Standard Webhooks event',
        deliveryId: bounded(id, 100),
      });
    },
  };
}

export const standardWebhooksProvider: Provider = createStandardWebhooksProvider();
