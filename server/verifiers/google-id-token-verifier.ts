// Verifies Google-signed ID tokens like google.golang.org/api/idtoken (what Flux's gcr receiver
// uses): RS256 keys from Google's OAuth2 certs, ES256 keys from the IAP key set, `kid` selects the
// key, `aud` must be a JSON string equal to the audience, `exp` without leeway. Keys are cached with
// a refetch cooldown (Flux refetches per request). The key URLs are configurable for tests.
import { createRemoteJWKSet, decodeJwt, decodeProtectedHeader, jwtVerify, type JWTVerifyGetKey } from 'jose';
import { describeJoseError, remoteJwksOptions, type KeySetCacheOptions } from './_jwks-options';
import type { TokenVerifier } from '../providers/provider';

type ExpectedIssuer = Parameters<TokenVerifier['verify']>[1];

export const GOOGLE_RS256_CERTS_URL = 'https://www.googleapis.com/oauth2/v3/certs';
export const GOOGLE_ES256_CERTS_URL = 'https://www.gstatic.com/iap/verify/public_key-jwk';

export interface GoogleIdTokenVerifierOptions extends KeySetCacheOptions {
  readonly rs256CertsUrl?: string;
  readonly es256CertsUrl?: string;
  /** Seconds since the epoch; tests pin the clock. */
  readonly now?: () => number;
}

export class GoogleIdTokenVerifier implements TokenVerifier {
  private readonly rs256Keys: JWTVerifyGetKey;
  private readonly es256Keys: JWTVerifyGetKey;

  constructor(private readonly options: GoogleIdTokenVerifierOptions = {}) {
    this.rs256Keys = createRemoteJWKSet(new URL(options.rs256CertsUrl ?? GOOGLE_RS256_CERTS_URL), remoteJwksOptions(options));
    this.es256Keys = createRemoteJWKSet(new URL(options.es256CertsUrl ?? GOOGLE_ES256_CERTS_URL), remoteJwksOptions(options));
  }

  async verify(token: string, expected: ExpectedIssuer): Promise<Record<string, unknown>> {
    let header;
    let unverified;
    try {
      header = decodeProtectedHeader(token);
      unverified = decodeJwt(token);
    } catch (err) {
      throw new Error(`idtoken: invalid token: ${describeJoseError(err)}`);
    }
    // Google's validator reports the token's own audience to help spot misconfigured subscriptions.
    const audienceHint = `token aud ${JSON.stringify(unverified.aud ?? null).slice(0, 300)}`;
    if (typeof unverified.aud !== 'string') throw new Error(`idtoken: audience must be a string, ${audienceHint}`);
    if (unverified.aud !== expected.audience) throw new Error(`idtoken: audience provided does not match aud claim in the JWT, ${audienceHint}`);
    const keys = header.alg === 'RS256' ? this.rs256Keys : header.alg === 'ES256' ? this.es256Keys : undefined;
    if (!keys) throw new Error(`idtoken: expected JWT signed with RS256 or ES256 but found ${JSON.stringify(String(header.alg))}`);
    const now = this.options.now ? this.options.now() : Math.floor(Date.now() / 1000);
    try {
      const { payload } = await jwtVerify(token, keys, {
        issuer: typeof expected.issuer === 'string' ? expected.issuer : [...expected.issuer],
        audience: expected.audience,
        algorithms: [header.alg as string],
        currentDate: new Date(now * 1000),
        requiredClaims: ['exp'],
      });
      return payload;
    } catch (err) {
      throw new Error(`idtoken: ${describeJoseError(err)}, ${audienceHint}`);
    }
  }
}
