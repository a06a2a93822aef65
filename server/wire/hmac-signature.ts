// go-github's ValidateSignature: `<sha1|sha256|sha512>=<hex>` — the prefix (not the header name)
// picks the HMAC, hex decodes in either case, and the MAC is compared in constant time.
// Error texts never include the signature or the token.
import { createHmac } from 'crypto';
import { constantTimeEqual } from './constant-time';

export type SignatureCheck = { readonly ok: true } | { readonly ok: false; readonly reason: string };

const ALGORITHMS: Readonly<Record<string, string>> = { sha1: 'sha1', sha256: 'sha256', sha512: 'sha512' };
const HEX = /^(?:[0-9a-fA-F]{2})*$/;

/** Never throws: any malformed input is a failed check. */
export function validateSignature(signatureHeader: string, body: Buffer, token: Buffer): SignatureCheck {
  if (signatureHeader === '') return { ok: false, reason: 'missing signature' };
  const separator = signatureHeader.indexOf('=');
  if (separator < 0) return { ok: false, reason: 'error parsing signature: expected <algorithm>=<hex>' };
  const prefix = signatureHeader.slice(0, separator);
  const algorithm = Object.hasOwn(ALGORITHMS, prefix) ? ALGORITHMS[prefix] : undefined;
  if (algorithm === undefined) {
    // The prefix is not secret, but it is attacker-chosen: bound and quote it.
    return { ok: false, reason: `unknown hash type prefix: ${JSON.stringify(prefix.slice(0, 16))}` };
  }
  const hex = signatureHeader.slice(separator + 1);
  if (!HEX.test(hex)) return { ok: false, reason: 'error decoding signature: invalid hex' };
  const expected = createHmac(algorithm, token).update(body).digest();
  if (!constantTimeEqual(Buffer.from(hex, 'hex'), expected)) {
    return { ok: false, reason: 'payload signature check failed' };
  }
  return { ok: true };
}
