// Verifies Google-signed ID tokens like google.golang.org/api/idtoken (what Flux's gcr receiver
// uses): three strictly unpadded base64url segments; header and payload decoded as Go decodes them
// into the package's structs (`aud` a string equal to the audience, `exp`/`iat` int64 literals,
// names case-insensitive, last one wins); `exp` compared in whole seconds (`now > exp` fails);
// RS256 keys from Google's OAuth2 certs or ES256 keys from the IAP key set, the first key whose
// `kid` equals the token's. Keys are reused for at most 60 s (Flux fetches per request) and
// refetched at once, rate-limited, when the token names a `kid` the cached set lacks.
import { createPublicKey, verify as verifySignature } from 'crypto';
import { freshnessPolicy, type KeySetCacheOptions } from './_jwks-options';
import { RefreshingDocument } from './_refreshing-document';
import type { TokenVerifier } from '../providers/provider';
import { decodeRawBase64Url } from '../wire/base64url-strict';
import { decodeGoogleIdTokenPayload, decodeStruct, goString } from '../wire/go-claims';
import { parseGoJson, toInterface } from '../wire/go-json';

type ExpectedIssuer = Parameters<TokenVerifier['verify']>[1];

export const GOOGLE_RS256_CERTS_URL = 'https://www.googleapis.com/oauth2/v3/certs';
export const GOOGLE_ES256_CERTS_URL = 'https://www.gstatic.com/iap/verify/public_key-jwk';

export interface GoogleIdTokenVerifierOptions extends KeySetCacheOptions {
  readonly rs256CertsUrl?: string;
  readonly es256CertsUrl?: string;
}

interface GoogleJwk {
  readonly kid: string;
  readonly n: string;
  readonly e: string;
  readonly x: string;
  readonly y: string;
}

/** The idtoken package's certResponse: `{keys: [{kid, n, e, x, y, …}]}` decoded as Go does. */
function parseCerts(body: Buffer): GoogleJwk[] {
  let keys: GoogleJwk[] = [];
  decodeStruct(parseGoJson(body), {
    keys: (v) => {
      if (v.type === 'null') {
        keys = [];
        return;
      }
      if (v.type !== 'array') throw new Error('certs "keys" is not an array');
      keys = v.items.map((item) => {
        const jwk = { kid: '', n: '', e: '', x: '', y: '' };
        decodeStruct(item, {
          kid: (m) => (jwk.kid = goString(m, 'kid', jwk.kid)),
          n: (m) => (jwk.n = goString(m, 'n', jwk.n)),
          e: (m) => (jwk.e = goString(m, 'e', jwk.e)),
          x: (m) => (jwk.x = goString(m, 'x', jwk.x)),
          y: (m) => (jwk.y = goString(m, 'y', jwk.y)),
        }, 'idtoken.jwk');
        return jwk;
      });
    },
  }, 'idtoken.certResponse');
  return keys;
}

function signatureValid(alg: 'RS256' | 'ES256', jwk: GoogleJwk, signingInput: Buffer, signature: Buffer): boolean {
  try {
    if (alg === 'RS256') {
      const key = createPublicKey({ format: 'jwk', key: { kty: 'RSA', n: jwk.n, e: jwk.e } });
      return verifySignature('sha256', signingInput, key, signature);
    }
    // idtoken reads r and s as the two 32-byte halves.
    if (signature.length !== 64) return false;
    const key = createPublicKey({ format: 'jwk', key: { kty: 'EC', crv: 'P-256', x: jwk.x, y: jwk.y } });
    return verifySignature('sha256', signingInput, { key, dsaEncoding: 'ieee-p1363' }, signature);
  } catch {
    return false;
  }
}

export class GoogleIdTokenVerifier implements TokenVerifier {
  private readonly keySets: Record<'RS256' | 'ES256', RefreshingDocument<GoogleJwk[]>>;
  private readonly clock: () => number;

  constructor(options: GoogleIdTokenVerifierOptions = {}) {
    const policy = freshnessPolicy(options);
    this.clock = policy.clock;
    this.keySets = {
      RS256: new RefreshingDocument(options.rs256CertsUrl ?? GOOGLE_RS256_CERTS_URL, parseCerts, policy),
      ES256: new RefreshingDocument(options.es256CertsUrl ?? GOOGLE_ES256_CERTS_URL, parseCerts, policy),
    };
  }

  async verify(token: string, expected: ExpectedIssuer): Promise<Record<string, unknown>> {
    const parts = token.split('.');
    if (parts.length !== 3) throw new Error(`idtoken: invalid token, token must have three segments; found ${parts.length}`);
    const header = { alg: '', kid: '' };
    let payload;
    let claims: Record<string, unknown>;
    let signature: Buffer;
    try {
      const headerJson = parseGoJson(decodeRawBase64Url(parts[0]));
      if (headerJson.type !== 'object') throw new Error('JWT header is not a JSON object');
      decodeStruct(headerJson, {
        alg: (v) => (header.alg = goString(v, 'alg', header.alg)),
        typ: (v) => void goString(v, 'typ', ''),
        kid: (v) => (header.kid = goString(v, 'kid', header.kid)),
      }, 'idtoken.jwtHeader');
      const payloadJson = parseGoJson(decodeRawBase64Url(parts[1]));
      if (payloadJson.type !== 'object') throw new Error('JWT payload is not a JSON object');
      payload = decodeGoogleIdTokenPayload(payloadJson);
      claims = toInterface(payloadJson) as Record<string, unknown>;
      signature = decodeRawBase64Url(parts[2]);
    } catch (err) {
      throw new Error(`idtoken: invalid token: ${(err as Error).message}`);
    }
    // Google's validator reports the token's own audience to help spot misconfigured subscriptions.
    const audienceHint = `token aud ${JSON.stringify(payload.aud.slice(0, 300))}`;
    if (payload.aud !== expected.audience) throw new Error(`idtoken: audience provided does not match aud claim in the JWT, ${audienceHint}`);
    const now = BigInt(Math.floor(this.clock() / 1000));
    if (now > payload.exp) throw new Error(`idtoken: token expired: now=${now}, expires=${payload.exp}`);
    const alg = header.alg;
    if (alg !== 'RS256' && alg !== 'ES256') throw new Error(`idtoken: expected JWT signed with RS256 or ES256 but found ${JSON.stringify(alg.slice(0, 40))}`);

    const keySet = this.keySets[alg];
    const signingInput = Buffer.from(`${parts[0]}.${parts[1]}`, 'latin1');
    const fetchCerts = <T>(fetch: Promise<T>): Promise<T> => fetch.catch((err: Error) => {
      throw new Error(`idtoken: fetching certs from ${keySet.url}: ${err.message}`);
    });
    const cached = await fetchCerts(keySet.current());
    let jwk = cached.value.find((key) => key.kid === header.kid);
    if (!jwk) jwk = (await fetchCerts(keySet.fetchedSince(cached.fetchedAt + 1))).value.find((key) => key.kid === header.kid);
    if (!jwk) throw new Error(`idtoken: could not find matching cert keyId for the token provided, ${audienceHint}`);
    if (!signatureValid(alg, jwk, signingInput, signature)) {
      // The cached key may have been replaced under the same kid; check the current set once.
      const fresh = (await fetchCerts(keySet.fetchedSince(cached.fetchedAt + 1))).value.find((key) => key.kid === header.kid);
      if (!fresh || !signatureValid(alg, fresh, signingInput, signature)) throw new Error(`idtoken: invalid ${alg} signature, ${audienceHint}`);
    }
    const issuers = typeof expected.issuer === 'string' ? [expected.issuer] : expected.issuer;
    if (!issuers.includes(payload.iss)) throw new Error(`idtoken: token issuer ${JSON.stringify(payload.iss.slice(0, 200))} is not Google`);
    return claims;
  }
}
