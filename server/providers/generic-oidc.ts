// generic-oidc: a Bearer JWT from a configured OIDC issuer (no Secret). The unverified `iss` picks
// the provider entry, the verifier checks signature/issuer/audience/expiry, then the entry's CEL
// variables and validations run over the claims, which CEL filters later see as `claims`.
import { headerValue } from './_headers';
import { accept, quoted, reject } from './_verdict';
import type { Provider } from './provider';
import { DEFAULT_OIDC_AUDIENCE, type OidcProviderSpec } from '../../src/model';
import { compileClaimsProcessor, processClaims, type CompiledClaimsProcessor } from '../filters/oidc-claims';
import { bearerToken, unverifiedTokenIssuer } from '../wire/bearer-token';

export { unverifiedTokenIssuer };

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
    // Trimmed like Go's strings.TrimSpace over the header bytes (see bearer-token).
    const token = bearerToken(headerValue(request, 'authorization'));
    if (token === undefined) return reject('the Authorization header is missing or malformed');
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
