// generic-oidc: a Bearer JWT from a configured OIDC issuer (no Secret). The unverified `iss` picks
// the provider entry, the verifier checks signature/issuer/audience/expiry, then the entry's CEL
// variables and validations run over the claims, which CEL filters later see as `claims`.
import { headerValue } from './_headers';
import { accept, quoted, reject } from './_verdict';
import type { Provider } from './provider';
import { DEFAULT_OIDC_AUDIENCE, type OidcProviderSpec } from '../../src/model';
import { compileClaimsProcessor, processClaims, type CompiledClaimsProcessor } from '../filters/oidc-claims';
import { decodeStrictJson } from '../wire/json-decode';
import { decodeJsonShape } from '../wire/json-shape';

const BASE64URL_UNPADDED = /^[A-Za-z0-9_-]*$/;

/** The `iss` of a JWT without verifying it; throws when the token is not a JWT with a string `iss`. */
export function unverifiedTokenIssuer(token: string): string {
  const parts = token.split('.');
  if (parts.length !== 3) throw new Error('token is not a JWT');
  const payload = parts[1];
  if (!BASE64URL_UNPADDED.test(payload) || payload.length % 4 === 1) {
    throw new Error('failed to decode token payload: illegal base64url data');
  }
  // Go unmarshals into `struct { Iss string }`: strict JSON, key matched case-insensitively.
  const decoded = decodeJsonShape(decodeStrictJson(Buffer.from(payload, 'base64url')), { iss: 'string' });
  if (!decoded.ok) throw new Error(`failed to parse token payload: ${decoded.error}`);
  const iss = (decoded.value as { iss?: string } | undefined)?.iss ?? '';
  if (iss === '') throw new Error("token is missing the 'iss' claim");
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
    // Reasons follow Flux's generic-oidc messages.
    const providers = context.spec.oidcProviders ?? [];
    if (providers.length === 0) return reject('generic-oidc receiver has no oidcProviders configured');
    const authorization = headerValue(request, 'authorization');
    if (!authorization.startsWith('Bearer ')) return reject('the Authorization header is missing or malformed');
    const token = authorization.slice('Bearer '.length).trim();
    if (token === '') return reject('the Authorization header is missing a bearer token');

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
    let processor: CompiledClaimsProcessor;
    try {
      processor = processorFor(provider);
    } catch (err) {
      return reject(`invalid oidcProvider configuration for issuer ${quoted(provider.issuerURL)}: ${(err as Error).message}`);
    }
    try {
      processClaims(processor, claims);
    } catch (err) {
      return reject((err as Error).message);
    }
    const subject = typeof claims.sub === 'string' ? claims.sub : '';
    return accept(request, { description: `handling generic-oidc event from ${issuer} for subject ${quoted(subject)}`, claims });
  },
};
