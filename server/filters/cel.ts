// CEL resource filters (`spec.resourceFilter`, `spec.resources[].filter`), compiled and evaluated
// like Flux's fluxcd/pkg runtime/cel: type-checked, output must be bool, variables `res`, `req`
// and, for generic-oidc only, `claims`.
import type { Environment } from '@marcbachmann/cel-js';
import { claimsResourceFilterEnvironment, resourceFilterEnvironment } from './_cel-environment';
import { CelMap, toCelMap } from './cel-values';
import { decodeFirstJsonValue } from '../wire/json-decode';
import { contentTypeListsJson } from '../wire/media-type';

export interface CompileFilterOptions {
  /** Declare `claims` (generic-oidc receivers only). */
  readonly claims: boolean;
}

/** A type-checked expression, reusable across evaluations. */
export interface CompiledExpression {
  readonly expression: string;
  /** The checked output type (`bool`, `dyn`, `string`, …). */
  readonly outputType: string;
  /** @internal evaluates with the given variables; throws on CEL runtime errors. */
  readonly run: (variables: Record<string, unknown>) => unknown;
}

/** A compiled resource filter (output type bool). */
export interface CompiledFilter extends CompiledExpression {
  readonly kind: 'filter';
  readonly claims: boolean;
}

/** Plain JSON objects are converted per call; pass Maps (`toCelMap`) to convert once for many calls. */
export interface FilterVariables {
  /** The target's metadata-only JSON (apiVersion, kind, metadata). */
  readonly res: Record<string, unknown> | CelMap;
  /** The request body map; undefined when the body is not JSON or was `null` (then `req` is empty). */
  readonly req?: Record<string, unknown> | CelMap;
  /** Verified OIDC claims (generic-oidc). */
  readonly claims?: Record<string, unknown> | CelMap;
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
 * Compiles a resource filter. Throws an Error with a Flux-like message: a parse/type error
 * ("undeclared reference to 'claims'" when `claims` is used outside generic-oidc) or
 * "CEL expression output type mismatch: expected bool, got string".
 */
export function compileFilter(expression: string, options: CompileFilterOptions): CompiledFilter {
  const env = options.claims ? claimsResourceFilterEnvironment() : resourceFilterEnvironment();
  const compiled = compileExpression(env, expression);
  requireBoolOutput(compiled);
  return { ...compiled, kind: 'filter', claims: options.claims };
}

/** Evaluates a compiled filter; throws on a runtime error (e.g. "no such key"), which Flux answers with 500. */
export function evaluateFilter(filter: CompiledFilter, variables: FilterVariables): boolean {
  const bindings: Record<string, unknown> = { res: toCelMap(variables.res), req: toCelMap(variables.req) };
  if (filter.claims) bindings.claims = toCelMap(variables.claims);
  const result = filter.run(bindings);
  if (typeof result !== 'boolean') {
    throw new Error(`failed to evaluate CEL expression as boolean: '${filter.expression}'`);
  }
  return result;
}

/** Thrown by `requestBodyForCel` when a JSON body cannot become `req`; the pipeline answers 500. */
export class RequestBodyError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'RequestBodyError';
  }
}

/**
 * The `req` map for CEL (docs/flux-behaviour.md, "CEL filters"): only when the Content-Type header lists application/json;
 * the first JSON value of the (post-validation) payload must be an object. Returns `{}` for non-JSON
 * content types, `undefined` for a literal `null`, and throws RequestBodyError for an empty body,
 * invalid JSON or a top-level array/string/number/bool.
 */
export function requestBodyForCel(payload: Buffer, contentTypeHeader: string | undefined): Record<string, unknown> | undefined {
  if (!contentTypeListsJson(contentTypeHeader)) return {};
  const decoded = decodeFirstJsonValue(payload);
  if (!decoded.ok) {
    throw new RequestBodyError(`failed to parse request body as JSON: ${decoded.error}`);
  }
  const value = decoded.value;
  if (value === null) return undefined;
  if (typeof value !== 'object' || Array.isArray(value)) {
    const kind = Array.isArray(value) ? 'array' : typeof value;
    throw new RequestBodyError(`failed to parse request body as JSON: cannot unmarshal ${kind} into a map`);
  }
  return value as Record<string, unknown>;
}
