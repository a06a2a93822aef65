// The bearer token of an `Authorization` header as Flux's generic-oidc reads it, and the token's
// unverified issuer. Node hands header values over as latin1 (one character per byte), Go as the
// raw bytes: Flux trims with strings.TrimSpace, which removes Unicode white space encoded as UTF-8
// (U+00A0 as C2 A0, U+3000, …) but not a raw 0xA0 byte, which is invalid UTF-8 to Go. Kept free of
// jose so that providers can use it without loading the verifiers.
import { decodeRawBase64Url } from './base64url-strict';
import { decodeStruct, goString } from './go-claims';
import { decodeRune, parseGoJson } from './go-json';

const BEARER_PREFIX = 'Bearer ';

/** Go's unicode.IsSpace. */
function isGoSpace(codePoint: number): boolean {
  return (codePoint >= 0x09 && codePoint <= 0x0d) || codePoint === 0x20 || codePoint === 0x85 || codePoint === 0xa0 || codePoint === 0x1680
    || (codePoint >= 0x2000 && codePoint <= 0x200a) || codePoint === 0x2028 || codePoint === 0x2029 || codePoint === 0x202f
    || codePoint === 0x205f || codePoint === 0x3000;
}

/** Go's strings.TrimSpace over raw bytes (an invalid byte decodes to U+FFFD, which is not space). */
export function goTrimSpace(bytes: Buffer): Buffer {
  const runes: Array<{ codePoint: number; at: number; size: number }> = [];
  for (let at = 0; at < bytes.length;) {
    const [codePoint, size] = decodeRune(bytes, at);
    runes.push({ codePoint, at, size });
    at += size;
  }
  let first = 0;
  while (first < runes.length && isGoSpace(runes[first].codePoint)) first++;
  let last = runes.length;
  while (last > first && isGoSpace(runes[last - 1].codePoint)) last--;
  if (first === last) return bytes.subarray(0, 0);
  return bytes.subarray(runes[first].at, runes[last - 1].at + runes[last - 1].size);
}

/**
 * The token after `Bearer ` (exact prefix, case-sensitive), trimmed like Go; undefined without
 * the prefix. Non-ASCII bytes that remain are kept as latin1 characters, so that the token's
 * strict base64url segments refuse them.
 */
export function bearerToken(authorization: string): string | undefined {
  if (!authorization.startsWith(BEARER_PREFIX)) return undefined;
  return goTrimSpace(Buffer.from(authorization.slice(BEARER_PREFIX.length), 'latin1')).toString('latin1');
}

/** The `iss` of a JWT without verifying it; throws when the token is not a JWT with a string `iss`. */
export function unverifiedTokenIssuer(token: string): string {
  const parts = token.split('.');
  if (parts.length !== 3) throw new Error('token is not a JWT');
  let payload: Buffer;
  try {
    payload = decodeRawBase64Url(parts[1]);
  } catch (err) {
    throw new Error(`failed to decode token payload: ${(err as Error).message}`);
  }
  // Go unmarshals into `struct { Iss string }`: strict JSON, name matched case-insensitively.
  let iss = '';
  try {
    decodeStruct(parseGoJson(payload), { iss: (v) => (iss = goString(v, 'iss', iss)) }, 'struct { Iss string }');
  } catch (err) {
    throw new Error(`failed to parse token payload: ${(err as Error).message}`);
  }
  if (iss === '') throw new Error("token is missing the 'iss' claim");
  return iss;
}
