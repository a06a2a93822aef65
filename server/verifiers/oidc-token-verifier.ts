// Verifies OIDC ID tokens like go-oidc's IDTokenVerifier (what Flux's generic-oidc uses):
// discovery at `<issuer>/.well-known/openid-configuration` whose `issuer` must equal the configured
// one exactly, signature by a key from `jwks_uri` with an advertised algorithm (RS256 if none),
// `aud` containing the audience, `exp` without leeway and `nbf` with five minutes of leeway.
// Unlike Flux, discovery documents and keys are cached (with a refetch cooldown), not fetched per request.
import { createRemoteJWKSet, decodeProtectedHeader, jwtVerify, type JWTVerifyGetKey } from 'jose';
import { describeJoseError, DEFAULT_FETCH_TIMEOUT_MS, remoteJwksOptions, type KeySetCacheOptions } from './_jwks-options';
import type { TokenVerifier } from '../providers/provider';

type ExpectedIssuer = Parameters<TokenVerifier['verify']>[1];

/** Algorithms go-oidc accepts from a discovery document. */
const SUPPORTED_ALGORITHMS = ['RS256', 'RS384', 'RS512', 'ES256', 'ES384', 'ES512', 'PS256', 'PS384', 'PS512', 'EdDSA'];
const NBF_LEEWAY_SECONDS = 300;

export interface OidcTokenVerifierOptions extends KeySetCacheOptions {
  /** How long a discovery document is reused (default 10 min). */
  readonly discoveryMaxAgeMs?: number;
  /** How long a failed discovery is remembered before it is retried (default 10 s). */
  readonly discoveryFailureCooldownMs?: number;
  /** Seconds since the epoch; tests pin the clock. */
  readonly now?: () => number;
}

interface IssuerKeys {
  readonly algorithms: string[];
  readonly keys: JWTVerifyGetKey;
  readonly expiresAt: number;
}

interface FailedDiscovery {
  readonly error: Error;
  readonly retryAt: number;
}

export class OidcTokenVerifier implements TokenVerifier {
  private readonly issuers = new Map<string, Promise<IssuerKeys>>();
  private readonly failures = new Map<string, FailedDiscovery>();

  constructor(private readonly options: OidcTokenVerifierOptions = {}) {}

  async verify(token: string, expected: ExpectedIssuer): Promise<Record<string, unknown>> {
    if (typeof expected.issuer !== 'string') throw new Error('an OIDC provider has exactly one issuer');
    const issuer = expected.issuer;
    const { algorithms, keys } = await this.issuerKeys(issuer);
    let header;
    try {
      header = decodeProtectedHeader(token);
    } catch (err) {
      throw new Error(`malformed jwt: ${describeJoseError(err)}`);
    }
    if (typeof header.alg !== 'string' || !algorithms.includes(header.alg)) {
      throw new Error(`id token signed with unsupported algorithm, expected ${JSON.stringify(algorithms)} got ${JSON.stringify(String(header.alg))}`);
    }
    const now = this.nowSeconds();
    let payload: Record<string, unknown>;
    try {
      ({ payload } = await jwtVerify(token, keys, {
        issuer,
        audience: expected.audience,
        algorithms,
        // jose applies one tolerance to exp and nbf; exp is re-checked below without leeway.
        clockTolerance: NBF_LEEWAY_SECONDS,
        currentDate: new Date(now * 1000),
      }));
    } catch (err) {
      throw new Error(`failed to verify signature or claims: ${describeJoseError(err)}`);
    }
    if (typeof payload.exp !== 'number') throw new Error("token has no 'exp' claim");
    if (now > payload.exp) throw new Error(`token is expired (Token Expiry: ${new Date(payload.exp * 1000).toISOString()})`);
    return payload;
  }

  private nowSeconds(): number {
    return this.options.now ? this.options.now() : Math.floor(Date.now() / 1000);
  }

  private async issuerKeys(issuer: string): Promise<IssuerKeys> {
    const cached = this.issuers.get(issuer);
    if (cached) {
      const keys = await cached;
      if (keys.expiresAt > Date.now()) return keys;
      this.issuers.delete(issuer);
    }
    const failure = this.failures.get(issuer);
    if (failure && failure.retryAt > Date.now()) throw failure.error;
    const pending = this.discover(issuer);
    this.issuers.set(issuer, pending);
    try {
      return await pending;
    } catch (err) {
      this.issuers.delete(issuer);
      this.failures.set(issuer, { error: err as Error, retryAt: Date.now() + (this.options.discoveryFailureCooldownMs ?? 10_000) });
      throw err;
    }
  }

  private async discover(issuer: string): Promise<IssuerKeys> {
    const url = `${issuer.replace(/\/+$/, '')}/.well-known/openid-configuration`;
    let document: { issuer?: unknown; jwks_uri?: unknown; id_token_signing_alg_values_supported?: unknown };
    try {
      const response = await fetch(url, { signal: AbortSignal.timeout(this.options.fetchTimeoutMs ?? DEFAULT_FETCH_TIMEOUT_MS) });
      if (!response.ok) throw new Error(`HTTP ${response.status}`);
      document = (await response.json()) as typeof document;
    } catch (err) {
      throw new Error(`failed to query OIDC discovery at ${url}: ${(err as Error).message}`);
    }
    if (document.issuer !== issuer) {
      throw new Error(`oidc: issuer did not match the issuer returned by provider, expected ${JSON.stringify(issuer)} got ${JSON.stringify(document.issuer)}`);
    }
    if (typeof document.jwks_uri !== 'string') throw new Error(`OIDC discovery at ${url} has no jwks_uri`);
    const advertised = Array.isArray(document.id_token_signing_alg_values_supported)
      ? document.id_token_signing_alg_values_supported.filter((alg): alg is string => typeof alg === 'string' && SUPPORTED_ALGORITHMS.includes(alg))
      : [];
    return {
      algorithms: advertised.length > 0 ? advertised : ['RS256'],
      keys: createRemoteJWKSet(new URL(document.jwks_uri), remoteJwksOptions(this.options)),
      expiresAt: Date.now() + (this.options.discoveryMaxAgeMs ?? 10 * 60_000),
    };
  }
}
