// Compiling CEL the way Flux's fluxcd/pkg runtime/cel does: parse, type-check, and for filters and
// validations require a bool output. Shared by the server (which then evaluates) and the
// constructs (which refuse at synth time what the server would refuse), so both report the same
// error text.
import type { Environment } from '@marcbachmann/cel-js';
import { claimsResourceFilterEnvironment, resourceFilterEnvironment } from './cel-environment';

/** A type-checked expression, reusable across evaluations. */
export interface CompiledExpression {
  readonly expression: string;
  /** The checked output type (`bool`, `dyn`, `string`, …). */
  readonly outputType: string;
  /** Evaluates with the given variables; throws on CEL runtime errors. */
  readonly run: (variables: Record<string, unknown>) => unknown;
}

/** cel-js errors carry a multi-line source excerpt in `message` and the bare text in `summary`. */
function summary(err: unknown): string {
  const e = err as { summary?: unknown; message?: unknown };
  const text = typeof e.summary === 'string' ? e.summary : String(e.message ?? err);
  // Speak cel-go's words for the errors users and Flux tests look for.
  const unknownVariable = /^Unknown variable: (.+)$/.exec(text);
  if (unknownVariable) return `undeclared reference to '${unknownVariable[1]}'`;
  return text;
}

/** Parses and type-checks an expression; throws an Error naming the expression on failure. */
export function compileExpression(env: Environment, expression: string): CompiledExpression {
  let parsed: ReturnType<Environment['parse']>;
  try {
    parsed = env.parse(expression);
  } catch (err) {
    throw new Error(`failed to parse the CEL expression '${expression}': ${summary(err)}`);
  }
  const checked = parsed.check();
  if (!checked.valid) {
    throw new Error(`failed to parse the CEL expression '${expression}': ${summary(checked.error)}`);
  }
  return {
    expression,
    outputType: checked.type ?? 'dyn',
    run: (variables) => {
      try {
        return parsed(variables);
      } catch (err) {
        throw new Error(`failed to evaluate the CEL expression '${expression}': ${summary(err)}`);
      }
    },
  };
}

/**
 * Throws unless the checked output type is bool. Like Flux, an expression whose type is only known
 * at run time (`dyn`, e.g. `req.flag`) is rejected: write `req.flag == true`.
 */
export function requireBoolOutput(compiled: CompiledExpression): void {
  if (compiled.outputType !== 'bool') {
    throw new Error(`CEL expression output type mismatch: expected bool, got ${compiled.outputType}`);
  }
}

/**
 * Compiles a resource filter (`spec.resourceFilter`, `spec.resources[].filter`): variables `res`,
 * `req` and, when `claims` (generic-oidc receivers only), `claims`; output bool. Throws an Error
 * with Flux's text: a parse/type error ("undeclared reference to 'claims'" when `claims` is used
 * outside generic-oidc) or "CEL expression output type mismatch: expected bool, got string".
 */
export function compileResourceFilter(expression: string, claims: boolean): CompiledExpression {
  const compiled = compileExpression(claims ? claimsResourceFilterEnvironment() : resourceFilterEnvironment(), expression);
  requireBoolOutput(compiled);
  return compiled;
}
