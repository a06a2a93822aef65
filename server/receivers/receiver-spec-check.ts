// The spec checks notification-controller runs before touching the token, in its order: CEL
// filters (InvalidCELExpression), the generic-oidc/secretRef invariants and the OIDC provider
// structure (ValidationFailed), then the OIDC expressions (InvalidCELExpression). One checker for
// both modes: files mode reports every problem with its field, cluster mode the first (Flux stops
// there; the problem is terminal until the spec changes). See docs/flux-behaviour.md, "Receiver
// validation".
import type { ReceiverSpec } from '../../src/model';
import { filterCompileError } from '../filters/cel';
import { compileClaimsProcessor } from '../filters/oidc-claims';

/** One problem, with Flux's condition reason and message. */
export interface SpecProblem {
  /** The field, e.g. `spec.resources[1].filter`. */
  readonly path: string;
  readonly reason: 'InvalidCELExpression' | 'ValidationFailed';
  /** Flux's message after the terminal prefix, e.g. `invalid resourceFilter expression: …`. */
  readonly detail: string;
}

const GENERIC_OIDC = 'generic-oidc';
const ISSUER_URL_PATTERN = /^https?:\/\//;

function errorText(err: unknown): string {
  return err instanceof Error ? err.message : String(err);
}

/** Every problem of `spec` in the order notification-controller checks them; empty when Flux would accept it. */
export function checkReceiverSpec(spec: ReceiverSpec): SpecProblem[] {
  const problems: SpecProblem[] = [];
  const invalidCel = (path: string, detail: string) => problems.push({ path, reason: 'InvalidCELExpression', detail });
  const validationFailed = (path: string, detail: string) => problems.push({ path, reason: 'ValidationFailed', detail });
  const oidc = spec.type === GENERIC_OIDC;

  const topError = spec.resourceFilter ? filterCompileError(spec.resourceFilter, { claims: oidc }) : undefined;
  if (topError) invalidCel('spec.resourceFilter', `invalid resourceFilter expression: ${topError}`);
  for (const [i, resource] of (spec.resources ?? []).entries()) {
    const error = resource.filter ? filterCompileError(resource.filter, { claims: oidc }) : undefined;
    if (error) invalidCel(`spec.resources[${i}].filter`, `invalid filter expression for resources[${i}] (kind="${resource.kind}", name="${resource.name}"): ${error}`);
  }

  const providers = spec.oidcProviders ?? [];
  if (oidc && providers.length === 0) validationFailed('spec.oidcProviders', 'generic-oidc receiver requires at least one oidcProvider');
  if (!oidc && providers.length > 0) validationFailed('spec.oidcProviders', 'oidcProviders can only be set when type is generic-oidc');
  if (oidc && spec.secretRef) validationFailed('spec.secretRef', 'secretRef cannot be set when type is generic-oidc');
  if (!oidc && !spec.secretRef) validationFailed('spec.secretRef', 'secretRef is required when type is not generic-oidc');

  const seen = new Set<string>();
  for (const [i, provider] of providers.entries()) {
    const path = `spec.oidcProviders[${i}]`;
    const where = `oidcProviders[${i}] (issuerURL="${provider.issuerURL ?? ''}")`;
    if (!provider.issuerURL) validationFailed(`${path}.issuerURL`, `oidcProviders[${i}]: issuerURL is required`);
    else if (!ISSUER_URL_PATTERN.test(provider.issuerURL)) validationFailed(`${path}.issuerURL`, `${where}: issuerURL must start with http:// or https://`);
    else if (seen.has(provider.issuerURL)) validationFailed(`${path}.issuerURL`, `${where}: duplicate issuerURL`);
    if (provider.issuerURL) seen.add(provider.issuerURL);
    if (!provider.validations || provider.validations.length === 0) validationFailed(`${path}.validations`, `${where}: at least one validation is required`);
    for (const [j, variable] of (provider.variables ?? []).entries()) {
      if (!variable.name || !variable.expression) validationFailed(`${path}.variables[${j}]`, `${where}: variables[${j}] requires both name and expression`);
    }
    for (const [j, validation] of (provider.validations ?? []).entries()) {
      if (!validation.expression || !validation.message) validationFailed(`${path}.validations[${j}]`, `${where}: validations[${j}] requires both expression and message`);
    }
  }
  for (const [i, provider] of providers.entries()) {
    try {
      compileClaimsProcessor(provider);
    } catch (err) {
      invalidCel(`spec.oidcProviders[${i}]`, `oidcProviders[${i}] (issuerURL="${provider.issuerURL}"): ${errorText(err)}`);
    }
  }
  return problems;
}

/** The problem notification-controller would report (the first one), or undefined when it would accept `spec`. */
export function validateReceiverSpec(spec: ReceiverSpec | undefined): Omit<SpecProblem, 'path'> | undefined {
  const first = spec ? checkReceiverSpec(spec)[0] : undefined;
  return first && { reason: first.reason, detail: first.detail };
}
