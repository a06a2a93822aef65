// generic-oidc: a Bearer JWT from a configured OIDC issuer (no Secret). The unverified `iss` picks
// the provider entry, the verifier checks signature/issuer/audience/expiry, then the entry's CEL
// variables and validations run over the claims, which CEL filters later see as `claims`.
import { headerValue } from './_headers';
import { accept, quoted, reject } from './_verdict';
import type { Provider } from './provider';
import { DEFAULT_OIDC_AUDIENCE, type OidcProviderSpec } from '../../src/model';
import { compileClaimsProcessor, processClaims, type CompiledClaimsProcessor } from '../filters/oidc-claims';

const BASE64URL_UNPADDED = /^[A-Za-z0-9_-]*$/;

/** The `iss` of a JWT without verifying it; throws when the token is not a JWT with a string `iss`. */
export function unverifiedTokenIssuer(token: string): string {
  const parts = token.split('.');
  if (parts.length !== 3) throw new Error('token is not a JWT: expected 3 dot-separated parts');
  const payload = parts[1];
  if (!BASE64URL_UNPADDED.test(payload) || payload.length % 4 === 1) {
    throw new Error('token payload is not unpadded base64url');
  }
  let claims: unknown;
  try {
    claims = JSON.parse(Buffer.from(payload, 'base64url').toString('utf8'));
  } catch {
    throw new Error('token payload is not JSON');
  }
  const iss = (claims as { iss?: unknown } | null)?.iss;
  if (typeof iss !== 'string' || iss === '') throw new Error("token has no 'iss' claim");
  return iss;
}

// Compiled CEL per provider entry; specs are immutable snapshots, so identity is a safe key.
const processors = new WeakMap<OidcProviderSpec, CompiledClaimsProcessor>();

function processorFor(provider: OidcProviderSpec): CompiledClaimsProcessor {
  let processor = processors.get(provider);
  if (!processor) {
    processor = compileClaimsProcessor(provider);
    processors.set(provider, processor);
  }
  return processor;
}

export const genericOidcProvider: Provider = {
  type: 'generic-oidc',
  async validate(request, context) {
    const providers = context.spec.oidcProviders ?? [];
    if (providers.length === 0) return reject('no oidcProviders configured for the receiver');
    const authorization = headerValue(request, 'authorization');
    if (authorization === '') return reject('Authorization header is missing');
    if (!authorization.startsWith('Bearer ')) return reject('Authorization header is not a Bearer token');
    const token = authorization.slice('Bearer '.length).trim();
    if (token === '') return reject('Authorization header has an empty Bearer token');

    let issuer: string;
    try {
      issuer = unverifiedTokenIssuer(token);
    } catch (err) {
      return reject(`failed to parse bearer token: ${(err as Error).message}`);
    }
    const provider = providers.find((candidate) => candidate.issuerURL === issuer);
    if (!provider) return reject(`no oidcProvider configured for issuer ${quoted(issuer)}`);

    let claims: Record<string, unknown>;
    try {
      claims = await context.verifiers.oidc.verify(token, { issuer: provider.issuerURL, audience: provider.audience || DEFAULT_OIDC_AUDIENCE });
    } catch (err) {
      return reject(`failed to verify OIDC token: ${(err as Error).message}`);
    }
    try {
      processClaims(processorFor(provider), claims);
    } catch (err) {
      return reject((err as Error).message);
    }
    const subject = typeof claims.sub === 'string' ? claims.sub : '';
    return accept(request, { description: `handling generic-oidc event from ${issuer} for subject ${quoted(subject)}`, claims });
  },
};
