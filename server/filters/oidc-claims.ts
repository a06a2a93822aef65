// generic-oidc `oidcProviders[].variables` and `validations`: CEL over `claims` and `vars`.
// Variables are evaluated in order, each stored under `vars[name]` for the later ones; every
// validation must return true, otherwise the messages of the failing ones are joined by "; ".
import { compileExpression, type CompiledExpression } from './cel';
import { toCelMap } from './cel-values';
import type { OidcProviderSpec } from '../../src/model';
import { oidcClaimsEnvironment } from '../../src/model/cel/cel-environment';

export interface CompiledClaimsProcessor {
  readonly variables: readonly { readonly name: string; readonly compiled: CompiledExpression }[];
  readonly validations: readonly { readonly message: string; readonly compiled: CompiledExpression }[];
}

/** Compiles a provider's variables and validations; throws an Error naming the offending entry. */
export function compileClaimsProcessor(provider: Pick<OidcProviderSpec, 'variables' | 'validations'>): CompiledClaimsProcessor {
  const env = oidcClaimsEnvironment();
  // Error texts follow Flux's claims processor.
  const variables = (provider.variables ?? []).map((variable) => {
    try {
      return { name: variable.name, compiled: compileExpression(env, variable.expression) };
    } catch (err) {
      throw new Error(`invalid expression for variable ${JSON.stringify(variable.name)}: ${(err as Error).message}`);
    }
  });
  const validations = (provider.validations ?? []).map((validation) => {
    try {
      const compiled = compileExpression(env, validation.expression, 'bool');
      return { message: validation.message, compiled };
    } catch (err) {
      throw new Error(`invalid expression for validation ${JSON.stringify(validation.message)}: ${(err as Error).message}`);
    }
  });
  return { variables, validations };
}

/**
 * Runs variables then validations against verified claims, and returns the variables' values.
 * Throws "token validation failed: m1; m2" when validations return false, or the CEL error when an
 * evaluation fails.
 */
export function processClaims(processor: CompiledClaimsProcessor, tokenClaims: Record<string, unknown>): ReadonlyMap<string, unknown> {
  const claims = toCelMap(tokenClaims);
  const vars = new Map<string, unknown>();
  for (const variable of processor.variables) {
    try {
      vars.set(variable.name, variable.compiled.run({ claims, vars }));
    } catch (err) {
      throw new Error(`failed to evaluate variable ${JSON.stringify(variable.name)}: ${(err as Error).message}`);
    }
  }
  const failures: string[] = [];
  for (const validation of processor.validations) {
    let result: unknown;
    try {
      result = validation.compiled.run({ claims, vars });
    } catch (err) {
      throw new Error(`failed to evaluate validation: ${(err as Error).message}`);
    }
    if (typeof result !== 'boolean') {
      throw new Error(`failed to evaluate validation: failed to evaluate CEL expression as boolean: '${validation.compiled.expression}'`);
    }
    if (!result) failures.push(validation.message);
  }
  if (failures.length > 0) {
    throw new Error(`token validation failed: ${failures.join('; ')}`);
  }
  return vars;
}
