// CEL against Flux's own CEL runtime (fluxcd/pkg runtime/cel on cel-go and Go's regexp, built
// by test/harness/flux-cel): every case is compiled and evaluated by both, and must end the same
// way: the same compile error text, the same evaluation error for a regex error, or the same
// result. The cases are where RE2 and JavaScript's RegExp differ, and the string and set
// functions this project implements in one pass over request data.
import { compileFilter, evaluateFilter } from '../../../server/filters';
import { buildFluxCel, fluxCel, FluxCelCase, FluxCelOutcome } from '../../harness/flux-cel';

const RES = { apiVersion: 'source.toolkit.fluxcd.io/v1', kind: 'GitRepository', metadata: { name: 'webapp', namespace: 'flux-system' } };

/** `req.s.matches(pattern)` with the pattern as a literal (compiled when the program is built). */
const literal = (pattern: string, s: string): FluxCelCase => ({
  expression: `req.s.matches(${JSON.stringify(pattern)})`,
  variables: { res: RES, req: { s } },
});

/** `req.s.matches(req.p)`: the pattern arrives with the request (compiled when the call runs). */
const dynamic = (pattern: string, s: string): FluxCelCase => ({
  expression: 'req.s.matches(req.p)',
  variables: { res: RES, req: { s, p: pattern } },
});

const CASES: Readonly<Record<string, readonly FluxCelCase[]>> = {
  'backreferences are refused': [literal('(a)\\1', 'aa'), dynamic('(a)\\1', 'aa'), literal('(?P<x>a)(?P=x)', 'aa'), literal('\\k<x>', 'x')],
  'lookahead and lookbehind are refused': [literal('a(?=b)', 'ab'), literal('a(?!b)', 'ac'), literal('(?<=a)b', 'ab'), literal('(?<!a)b', 'cb'), dynamic('a(?=b)', 'ab')],
  'atomic groups, possessive and nested repeats are refused': [literal('(?>a+)b', 'aab'), literal('a++b', 'aab'), literal('a**', 'a'), literal('a{2}{3}', 'aaaaaa')],
  'repeat counts over 1000 are refused, also nested': [literal('a{1001}', 'a'), literal('(a{1000}){1000}', 'a'), literal('((a{10}){10}){10}', 'a'), literal('a{1000}', 'a'.repeat(1000))],
  'escapes Go does not know are refused': [literal('\\Z', 'a'), literal('\\G', 'a'), literal('\\e', 'a'), literal('\\cA', 'a'), literal('\\h', 'a'), literal('\\R', 'a'), literal('\\8', 'a'), literal('(?#c)a', 'a')],
  'bad syntax is refused with Go\'s text': [literal('(', 'a'), literal(')', 'a'), literal('[z-a]', 'a'), literal('[a-\\d]', 'a'), literal('x{2,1}', 'x')],
  'flags': [literal('(?i)WEBAPP', 'webapp'), literal('(?i)k', '\u212a'), literal('(?s)a.b', 'a\nb'), literal('a.b', 'a\nb'), literal('(?m)^b$', 'a\nb\nc'), literal('^b$', 'a\nb\nc'), literal('(?U)a+', 'aaa'), literal('(?i:A)a', 'aa'), literal('(?i:A)a', 'aA')],
  'character classes': [
    literal('^[[:alpha:]]+$', 'webapp'), literal('^[[:word:]]+$', 'web_app1'), literal('^\\d+$', '٣'), literal('^\\pN+$', '٣'),
    literal('^\\w+$', 'é'), literal('^\\pL+$', 'é'), literal('^\\p{Greek}+$', 'αβγ'), literal('^[^a]$', '😀'), literal('^\\PL$', '1'),
    literal('^[\\x{1F600}-\\x{1F64F}]$', '😀'), literal('^\\s$', '\u00a0'), literal('^[[:^digit:]]+$', 'abc'),
  ],
  'Unicode: a code point is one character': [literal('^.$', '😀'), literal('^..$', '😀'), literal('^.{3}$', 'héé'), literal('ß', 'SS'), literal('(?i)ß', 'ẞ')],
  'anchors and boundaries; matches searches anywhere unless anchored': [
    literal('main', 'refs/heads/main'), literal('^main$', 'refs/heads/main'), literal('\\Arefs', 'refs/heads/main'), literal('main\\z', 'refs/heads/main\n'),
    literal('main$', 'refs/heads/main\n'), literal('\\bmain\\b', 'refs/heads/main'), literal('\\Bain', 'main'), literal('', ''),
  ],
  'quoting and named groups': [literal('\\Qa.b\\E', 'a.b'), literal('\\Qa.b\\E', 'axb'), literal('(?P<n>ab)+', 'abab'), literal('(?<n>ab)+', 'abab')],
  'the pattern from the request is compiled when the call runs': [dynamic('^refs/heads/(main|release-.+)$', 'refs/heads/release-1'), dynamic('[', 'a'), dynamic('(?i)MAIN', 'main')],
  'only a literal pattern is compiled with the program; a concatenation when it runs': [
    { expression: "req.s.matches('(' + 'a)\\\\1')", variables: { res: RES, req: { s: 'aa' } } },
    { expression: "req.s.matches('^ma' + 'in$')", variables: { res: RES, req: { s: 'main' } } },
  ],
  'matches as a global function and inside macros': [
    { expression: "matches(req.s, '^m')", variables: { res: RES, req: { s: 'main' } } },
    { expression: "matches(req.s, '(a)\\\\1')", variables: { res: RES, req: { s: 'aa' } } },
    { expression: "req.commits.exists(c, c.message.matches('\\\\[deploy\\\\]'))", variables: { res: RES, req: { commits: [{ message: 'x' }, { message: 'go [deploy]' }] } } },
    { expression: "req.commits.all(c, c.message.matches('(?=x)'))", variables: { res: RES, req: { commits: [{ message: 'x' }] } } },
    { expression: "res.metadata.name.matches('^web') && req.s.matches('^x')", variables: { res: RES, req: { s: 'y' } } },
  ],
  'inputs that take a backtracking engine exponential time are linear here': [
    literal('^refs/heads/(release|hotfix)/([a-z0-9]+[-.]?)*[a-z0-9]+$', `refs/heads/release/${'a'.repeat(30)}!`),
    literal('^refs/heads/(release|hotfix)/([a-z0-9]+[-.]?)*[a-z0-9]+$', `refs/heads/release/${'a'.repeat(10_000)}!`),
    literal('^refs/heads/(release|hotfix)/([a-z0-9]+[-.]?)*[a-z0-9]+$', `refs/heads/release/${'a'.repeat(10_000)}`),
    literal('.*\\[deploy\\].*', 'x'.repeat(60_000)),
    literal('^(a+)+$', `${'a'.repeat(5_000)}b`),
    literal('^(\\w+\\s?)*$', `${'word '.repeat(2_000)}!`),
  ],
  'replace, with an empty pattern, a limit, and code points': [
    { expression: "req.s.replace('', '-') == req.want", variables: { res: RES, req: { s: 'héllo😀', want: '-h-é-l-l-o-😀-' } } },
    { expression: "req.s.replace('', '-', 2) == req.want", variables: { res: RES, req: { s: 'abc', want: '-a-bc' } } },
    { expression: "req.s.replace('', '-', 0) == req.s", variables: { res: RES, req: { s: 'abc' } } },
    { expression: "req.s.replace('', '-', 10) == req.want", variables: { res: RES, req: { s: 'ab', want: '-a-b-' } } },
    { expression: "req.s.replace('a', 'b', -1) == 'bbbxb'", variables: { res: RES, req: { s: 'aaaxa' } } },
    { expression: "req.s.replace('aa', 'b', 1) == 'baxa'", variables: { res: RES, req: { s: 'aaaxa' } } },
    { expression: "req.s.replace('', 'x').size() == 2 * req.s.size() + 1", variables: { res: RES, req: { s: 'y'.repeat(200_000) } } },
  ],
  'sets over request lists: numbers by value, mixed types, nested values': [
    { expression: 'sets.contains(req.a, req.b)', variables: { res: RES, req: { a: [1, 2.5, 'x', true, null], b: [1.0, 'x', null] } } },
    { expression: 'sets.contains(req.a, [1, 2])', variables: { res: RES, req: { a: [1, 2] } } },
    { expression: 'sets.contains(req.a, [1, 2u])', variables: { res: RES, req: { a: [1, 2] } } },
    { expression: 'sets.intersects(req.a, req.b)', variables: { res: RES, req: { a: ['a', 'b'], b: ['c', 'b'] } } },
    { expression: 'sets.intersects(req.a, req.b)', variables: { res: RES, req: { a: ['a', 1], b: [1.0] } } },
    { expression: 'sets.equivalent(req.a, req.b)', variables: { res: RES, req: { a: [1, 1, 2], b: [2, 1.0] } } },
    { expression: 'sets.contains(req.a, req.b)', variables: { res: RES, req: { a: [{ k: 1 }, [1, 2]], b: [{ k: 1.0 }, [1, 2]] } } },
    // Larger lists are for the long form: cel-go compares every pair (2,000 × 2,000 here).
    { expression: 'sets.intersects(req.a, req.b)', variables: { res: RES, req: { a: Array.from({ length: 2_000 }, (_, i) => `f${i}`), b: Array.from({ length: 2_000 }, (_, i) => `g${i}`) } } },
    { expression: 'sets.contains(req.a, req.b)', variables: { res: RES, req: { a: Array.from({ length: 2_000 }, (_, i) => i), b: Array.from({ length: 2_000 }, (_, i) => 1_999 - i) } } },
  ],
};

type Outcome = FluxCelOutcome;

function ours(c: FluxCelCase): Outcome {
  let filter;
  try {
    filter = compileFilter(c.expression, { claims: c.claims ?? false });
  } catch (err) {
    return { compileError: (err as Error).message };
  }
  try {
    const vars = c.variables as { res: Record<string, unknown>; req?: Record<string, unknown> };
    return { result: evaluateFilter(filter, { res: vars.res, req: vars.req }) };
  } catch (err) {
    return { evalError: (err as Error).message };
  }
}

/**
 * Error texts are compared whole where they come from the regex engine; other errors (a type
 * mismatch, a missing overload) only as "an error" of their kind, as cel-js words them its own way
 * (docs/compatibility.md, "CEL").
 */
function comparable(outcome: Outcome): Outcome {
  if ('evalError' in outcome && !outcome.evalError.includes('error parsing regexp')) return { evalError: '(not a regex error)' };
  if ('compileError' in outcome && !outcome.compileError.includes('error parsing regexp')) return { compileError: '(not a regex error)' };
  return outcome;
}

const entries = Object.entries(CASES).flatMap(([group, cases]) => cases.map((c) => ({ group, c })));
let flux: Outcome[] = [];

beforeAll(() => {
  buildFluxCel();
  flux = fluxCel(entries.map((e) => e.c));
}, 600_000);

describe.each(Object.keys(CASES))('%s', (group) => {
  test.each(entries.map((e, i) => ({ ...e, i })).filter((e) => e.group === group).map((e) => [`${e.c.expression} on ${JSON.stringify(e.c.variables.req).slice(0, 60)}`, e.i] as const))(
    'as Flux: %s', (_name, i) => {
      expect(comparable(ours(entries[i].c))).toEqual(comparable(flux[i]));
    });
});

test('the cases cover every way a filter can end: compile error, regex evaluation error, true and false', () => {
  const kinds = new Set(flux.map((o) => ('compileError' in o ? 'compile' : 'evalError' in o ? (o.evalError.includes('regexp') ? 'regex-eval' : 'eval') : String(o.result))));
  expect([...kinds]).toEqual(expect.arrayContaining(['compile', 'regex-eval', 'true', 'false']));
});
