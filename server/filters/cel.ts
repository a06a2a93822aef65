// CEL resource filters (`spec.resourceFilter`, `spec.resources[].filter`), compiled and evaluated
// like Flux's fluxcd/pkg runtime/cel: type-checked, output must be bool, variables `res`, `req`
// and, for generic-oidc only, `claims`.
import { CelMap, toCelMap } from './cel-values';
import { compileResourceFilter, type CompiledExpression } from '../../src/model/cel/cel-compile';
import { decodeFirstJsonValue } from '../wire/go-json';
import { contentTypeListsJson } from '../wire/media-type';

// Compiling is shared with the constructs (src/model/cel/cel-compile.ts); evaluating stays here.
export { compileExpression, type CompiledExpression } from '../../src/model/cel/cel-compile';

export interface CompileFilterOptions {
  /** Declare `claims` (generic-oidc receivers only). */
  readonly claims: boolean;
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

/**
 * Compiles a resource filter. Throws an Error with a Flux-like message: a parse/type error
 * ("undeclared reference to 'claims'" when `claims` is used outside generic-oidc) or
 * "CEL expression output type mismatch: expected bool, got string".
 */
export function compileFilter(expression: string, options: CompileFilterOptions): CompiledFilter {
  return { ...compileResourceFilter(expression, options.claims), kind: 'filter', claims: options.claims };
}

/** How many compile outcomes `filterCompileError` remembers (keys are the expressions themselves). */
const CHECKED_LIMIT = 10_000;
const checked = new Map<string, string>();

/**
 * Why `expression` does not compile as a filter (compileFilter's error text), or undefined when it
 * does. Outcomes are remembered, oldest forgotten first: reloading thousands of unchanged
 * receivers compiles nothing again (the pipeline compiles what it evaluates on its own).
 */
export function filterCompileError(expression: string, options: CompileFilterOptions): string | undefined {
  const key = `${options.claims ? 'c' : 'f'}:${expression}`;
  let outcome = checked.get(key);
  if (outcome === undefined) {
    try {
      compileFilter(expression, options);
      outcome = '';
    } catch (err) {
      outcome = (err as Error).message;
    }
    if (checked.size >= CHECKED_LIMIT) checked.delete(checked.keys().next().value!);
    checked.set(key, outcome);
  }
  return outcome || undefined;
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
