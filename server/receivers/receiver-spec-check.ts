// The spec checks notification-controller runs before touching the token, in its order: CEL
// filters (InvalidCELExpression), the generic-oidc/secretRef invariants and the OIDC provider
// structure (ValidationFailed), then the OIDC expressions (InvalidCELExpression). The first
// problem wins; it is terminal until the spec changes.
import { REASONS, type ValidationProblem } from './cluster/receiver-status';
import type { ReceiverSpec } from '../../src/model';
import { compileFilter } from '../filters/cel';
import { compileClaimsProcessor } from '../filters/oidc-claims';

const GENERIC_OIDC = 'generic-oidc';
const ISSUER_URL_PATTERN = /^https?:\/\//;

function errorText(err: unknown): string {
  return err instanceof Error ? err.message : String(err);
}

function invalidCel(detail: string): ValidationProblem {
  return { reason: REASONS.invalidCelExpression, detail };
}

function validationFailed(detail: string): ValidationProblem {
  return { reason: REASONS.validationFailed, detail };
}

/** The first terminal configuration error of `spec`, or undefined when Flux would accept it. */
export function validateReceiverSpec(spec: ReceiverSpec | undefined): ValidationProblem | undefined {
  if (!spec) return undefined;
  const oidc = spec.type === GENERIC_OIDC;

  if (spec.resourceFilter) {
    try {
      compileFilter(spec.resourceFilter, { claims: oidc });
    } catch (err) {
      return invalidCel(`invalid resourceFilter expression: ${errorText(err)}`);
    }
  }
  for (const [i, resource] of (spec.resources ?? []).entries()) {
    if (!resource.filter) continue;
    try {
      compileFilter(resource.filter, { claims: oidc });
    } catch (err) {
      return invalidCel(`invalid filter expression for resources[${i}] (kind="${resource.kind}", name="${resource.name}"): ${errorText(err)}`);
    }
  }

  const providers = spec.oidcProviders ?? [];
  if (oidc && providers.length === 0) return validationFailed('generic-oidc receiver requires at least one oidcProvider');
  if (!oidc && providers.length > 0) return validationFailed('oidcProviders can only be set when type is generic-oidc');
  if (oidc && spec.secretRef) return validationFailed('secretRef cannot be set when type is generic-oidc');
  if (!oidc && !spec.secretRef) return validationFailed('secretRef is required when type is not generic-oidc');

  const seen = new Set<string>();
  for (const [i, provider] of providers.entries()) {
    const where = `oidcProviders[${i}] (issuerURL="${provider.issuerURL ?? ''}")`;
    if (!provider.issuerURL) return validationFailed(`oidcProviders[${i}]: issuerURL is required`);
    if (!ISSUER_URL_PATTERN.test(provider.issuerURL)) return validationFailed(`${where}: issuerURL must start with http:// or https://`);
    if (seen.has(provider.issuerURL)) return validationFailed(`${where}: duplicate issuerURL`);
    seen.add(provider.issuerURL);
    if (!provider.validations || provider.validations.length === 0) return validationFailed(`${where}: at least one validation is required`);
    for (const [j, variable] of (provider.variables ?? []).entries()) {
      if (!variable.name || !variable.expression) return validationFailed(`${where}: variables[${j}] requires both name and expression`);
    }
    for (const [j, validation] of provider.validations.entries()) {
      if (!validation.expression || !validation.message) return validationFailed(`${where}: validations[${j}] requires both expression and message`);
    }
  }
  for (const [i, provider] of providers.entries()) {
    try {
      compileClaimsProcessor(provider);
    } catch (err) {
      return invalidCel(`oidcProviders[${i}] (issuerURL="${provider.issuerURL}"): ${errorText(err)}`);
    }
  }
  return undefined;
}
