// Signatures and header-carried tokens of the test deliveries.
import { createHmac } from 'crypto';

/** Lowercase hex HMAC of `body` keyed with the token bytes. */
export function hmacHex(algorithm: 'sha1' | 'sha256', token: Buffer, body: Buffer): string {
  return createHmac(algorithm, token).update(body).digest('hex');
}

/**
 * The token as a header value. Receivers compare the whole header with the token bytes, so a token
 * that cannot be a header value (a trailing newline from `echo`, control characters) can never be
 * accepted: say so instead of sending something else.
 */
export function tokenHeader(type: string, header: string, token: Buffer): string {
  const text = token.toString('utf8');
  if (!/^[\x20-\x7e]*$/.test(text) || text.trim() !== text) {
    throw new Error(`the token of this ${type} receiver ${/\n$/.test(text) ? 'ends with a newline' : 'has characters that a header cannot carry'}; `
      + `${type} sends it in the ${header} header, so no delivery can ever match it: recreate the Secret without it (flux-webhook-receiver token --apply --overwrite)`);
  }
  return text;
}
