// Compiling CEL the way Flux's fluxcd/pkg runtime/cel does: parse, type-check, for filters and
// validations require a bool output, then build the program (literal regex patterns compiled).
// Shared by the server (which then evaluates) and the constructs (which refuse at synth time what
// the server would refuse), so both report the same error text.
import type { Environment } from '@marcbachmann/cel-js';
import { claimsResourceFilterEnvironment, resourceFilterEnvironment } from './cel-environment';
import { bindRe2Matches } from './re2-matches';

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

/**
 * Compiles an expression in Flux's steps (fluxcd/pkg runtime/cel `NewExpression`): parse and
 * type-check, then the output type when `outputType` is given, then build the program, where
 * constant `matches()` patterns are compiled (RE2, re2-matches.ts). Throws an Error with Flux's
 * text for the step that failed.
 */
export function compileExpression(env: Environment, expression: string, outputType?: 'bool'): CompiledExpression {
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
  const checkedType = checked.type ?? 'dyn';
  // Like Flux, an expression whose type is only known at run time (`dyn`, e.g. `req.flag`) is
  // rejected where a bool is required: write `req.flag == true`.
  if (outputType !== undefined && checkedType !== outputType) {
    throw new Error(`CEL expression output type mismatch: expected ${outputType}, got ${checkedType}`);
  }
  try {
    bindRe2Matches(parsed.ast);
  } catch (err) {
    throw new Error(`failed to create CEL program: ${(err as Error).message}`);
  }
  return {
    expression,
    outputType: checkedType,
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
 * Compiles a resource filter (`spec.resourceFilter`, `spec.resources[].filter`): variables `res`,
 * `req` and, when `claims` (generic-oidc receivers only), `claims`; output bool. Throws an Error
 * with Flux's text: a parse/type error ("undeclared reference to 'claims'" when `claims` is used
 * outside generic-oidc), "CEL expression output type mismatch: expected bool, got string", or
 * "failed to create CEL program: error parsing regexp: …" for a constant pattern RE2 refuses.
 */
export function compileResourceFilter(expression: string, claims: boolean): CompiledExpression {
  return compileExpression(claims ? claimsResourceFilterEnvironment() : resourceFilterEnvironment(), expression, 'bool');
}
