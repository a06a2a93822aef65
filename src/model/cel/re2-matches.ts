// CEL's `matches` on RE2, the way cel-go runs it with Go's regexp: RE2 syntax (no backreferences,
// no lookaround; Go's error texts) and time linear in the text whatever the pattern. cel-js ships
// `string.matches` on JavaScript's backtracking RegExp, where one crafted branch name can hold the
// event loop for minutes; its declarations cannot be replaced, so every checked expression has its
// `matches` calls rebound here. docs/architecture.md says why re2js.
import type { RE2JS } from 're2js';

let engine: typeof RE2JS | undefined;

/**
 * re2js, loaded on the first `matches()` a receiver uses: loading it and compiling a first pattern
 * costs the process resident memory (measured in docs/architecture.md), which a server whose
 * filters never match a regex does not pay.
 */
function re2(): typeof RE2JS {
  // eslint-disable-next-line @typescript-eslint/no-require-imports
  return (engine ??= (require('re2js') as typeof import('re2js')).RE2JS);
}

/** Compiles an RE2 pattern; throws an Error with Go's text (`error parsing regexp: …`). */
export function compileRe2(pattern: string): RE2JS {
  try {
    return re2().compile(pattern);
  } catch (err) {
    // re2js' syntax errors already read like Go's regexp/syntax ones.
    throw new Error((err as Error).message);
  }
}

/** `text.matches(pattern)`: true when the pattern matches anywhere in the text (Go's MatchString). */
export function re2Matches(text: string, pattern: string | RE2JS): boolean {
  return (typeof pattern === 'string' ? compileRe2(pattern) : pattern).test(text);
}

/** The parts of a cel-js AST node this module reads (cel-js 8: lib/parser.js, lib/operators.js). */
interface AstNode {
  readonly op: string;
  readonly args: unknown;
  readonly meta: { readonly alternate?: unknown };
  handle?: (...args: unknown[]) => unknown;
}

function isAstNode(value: unknown): value is AstNode {
  return typeof value === 'object' && value !== null && typeof (value as AstNode).op === 'string' && 'meta' in value;
}

/** The value of a string literal: cel-go compiles those when it builds the program (not folded ones). */
function stringLiteral(node: unknown): string | undefined {
  return isAstNode(node) && node.op === 'value' && typeof node.args === 'string' ? node.args : undefined;
}

/** Every AST node under `root`, macro expansions (`exists`, `all`, `map`, …) included. */
function* astNodes(root: unknown, seen = new Set<unknown>()): Generator<AstNode> {
  if (typeof root !== 'object' || root === null || seen.has(root)) return;
  seen.add(root);
  if (Array.isArray(root)) {
    for (const item of root) yield* astNodes(item, seen);
  } else if (isAstNode(root)) {
    yield root;
    yield* astNodes(root.args, seen);
    yield* astNodes(root.meta.alternate, seen);
  } else if (Object.getPrototypeOf(root) === Object.prototype) {
    // Comprehension arguments: a plain object of nodes.
    for (const value of Object.values(root)) yield* astNodes(value, seen);
  }
}

/**
 * Rebinds every `matches` call of a checked cel-js AST to RE2. A literal pattern is compiled now,
 * as cel-go compiles literal patterns when it builds the program, so an invalid one throws here;
 * any other pattern (a field, a concatenation) is compiled when the call runs.
 */
export function bindRe2Matches(ast: unknown): void {
  for (const node of astNodes(ast)) {
    // `text.matches(p)`: args [name, receiver, [p]], handle(values, evaluator, node), values [text, p].
    // `matches(text, p)`: args [name, [text, p]], handle(values, node, evaluator).
    const member = node.op === 'rcall';
    if (!(member || node.op === 'call') || !Array.isArray(node.args) || node.args[0] !== 'matches') continue;
    const callArgs = (member ? node.args[2] : node.args[1]) as unknown[];
    if (!Array.isArray(callArgs) || callArgs.length !== (member ? 1 : 2)) continue;
    const original = node.handle;
    if (typeof original !== 'function') {
      throw new Error('cel: a matches() call has no handler after type-checking; the RE2 binding does not know this cel-js version');
    }
    const literal = stringLiteral(callArgs[callArgs.length - 1]);
    const compiled = literal === undefined ? undefined : compileRe2(literal);
    node.handle = (...handleArgs: unknown[]) => {
      const [text, pattern] = handleArgs[0] as unknown[];
      // Anything but (string, string) goes to cel-js, which reports the missing overload.
      if (typeof text !== 'string' || typeof pattern !== 'string') return original(...handleArgs);
      return re2Matches(text, compiled ?? pattern);
    };
  }
}
