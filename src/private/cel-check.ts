// CEL expressions checked at synth time with the server's own environments and compile step
// (src/model/cel/), so an expression the bundled server or notification-controller would refuse
// never reaches the cluster. Messages carry the compile error text the server logs.
import { compileExpression, compileResourceFilter } from '../model/cel/cel-compile';
import { oidcClaimsEnvironment } from '../model/cel/cel-environment';

interface Scope {
  /** The variables in scope, as said in a hint. */
  readonly variables: string;
  /** A bool expression of the scope, for examples. */
  readonly example: string;
}

const FILTER: Scope = { variables: 'res and req', example: "res.metadata.name == 'webapp'" };
const CLAIMS_FILTER: Scope = { ...FILTER, variables: 'res, req and claims' };
const OIDC: Scope = { variables: 'claims and vars', example: "claims.repository_owner == 'my-org'" };

/** What to try for a compile error: the usual mistakes first, then the variables in scope. */
function hint(error: string, expression: string, scope: Scope): string {
  if (/output type mismatch: expected bool, got dyn/.test(error)) {
    return `a field of a JSON map has no static type until run time, so compare it: e.g. \`${expression} == true\` or \`${expression} == 'main'\``;
  }
  if (/output type mismatch: expected bool/.test(error)) {
    return `the expression must return a bool: compare the value, e.g. \`${scope.example}\``;
  }
  if (error.includes('error parsing regexp')) {
    return 'matches() takes an RE2 pattern, as Go\'s regexp reads it: no backreferences (\\1), lookahead or lookbehind, possessive or atomic groups; e.g. `req.ref.matches(\'^refs/heads/(main|release-.+)$\')`';
  }
  if (/undeclared reference to 'claims'/.test(error)) {
    return 'claims exists only for generic-oidc receivers: use res and req here';
  }
  return `write a CEL expression over ${scope.variables} (Flux's CEL: optional types, strings, sets and encoders extensions), e.g. \`${scope.example}\``;
}

/**
 * Throws unless `expression` compiles as a resource filter (`res`, `req`, and `claims` when
 * `claims`) returning a bool, exactly as the server and notification-controller compile it.
 */
export function assertCelFilter(what: string, expression: string | undefined, claims: boolean): void {
  if (expression === undefined) return;
  try {
    compileResourceFilter(expression, claims);
  } catch (err) {
    const error = (err as Error).message;
    throw new Error(`${what} ${JSON.stringify(expression)} does not compile: ${error}: ${hint(error, expression, claims ? CLAIMS_FILTER : FILTER)}`);
  }
}

/**
 * Throws unless an OIDC claims expression (`claims`, `vars`) compiles; validations must also
 * return a bool. The error text is the server's (Flux's claims processor).
 */
export function assertOidcExpression(what: string, expression: string, mustBeBool: boolean): void {
  try {
    compileExpression(oidcClaimsEnvironment(), expression, mustBeBool ? 'bool' : undefined);
  } catch (err) {
    const error = (err as Error).message;
    throw new Error(`${what} ${JSON.stringify(expression)} does not compile: ${error}: ${hint(error, expression, OIDC)}`);
  }
}
