// CEL resource filters: Flux's receiver_resource_filter_test.go (docs/flux-behaviour.md) with the upstream
// expressions unchanged, plus the cel-go features Flux enables ("CEL filters" there).
import { compileFilter, evaluateFilter } from '../../../server/filters';

const res = (metadata: Record<string, unknown>) => ({ apiVersion: 'notification.toolkit.fluxcd.io/v1', kind: 'Receiver', metadata });

type Variables = { req?: Record<string, unknown>; res?: Record<string, unknown>; claims?: Record<string, unknown> };

function run(expression: string, variables: Variables, claims = false) {
  return evaluateFilter(compileFilter(expression, { claims }), { res: variables.res ?? res({ name: 'test-resource' }), req: variables.req, claims: variables.claims });
}

describe('compileFilter (upstream valid/invalid expressions)', () => {
  test.each(['true', 'false', "req.value == 'test'"])('valid: %s', (expression) => {
    expect(compileFilter(expression, { claims: false }).expression).toBe(expression);
  });

  test("'test' fails: output type mismatch", () => {
    expect(() => compileFilter("'test'", { claims: false })).toThrow('CEL expression output type mismatch: expected bool, got string');
  });

  test('requrest.body.value fails: undeclared reference', () => {
    expect(() => compileFilter('requrest.body.value', { claims: false })).toThrow("undeclared reference to 'requrest'");
  });

  test("claims.sub == 'test' is invalid without the claims option", () => {
    expect(() => compileFilter("claims.sub == 'test'", { claims: false })).toThrow("undeclared reference to 'claims'");
  });

  test("claims.sub == 'test' is valid with the claims option", () => {
    expect(compileFilter("claims.sub == 'test'", { claims: true }).claims).toBe(true);
  });

  test('syntax errors name the expression', () => {
    expect(() => compileFilter('not-valid-cel ===', { claims: false })).toThrow(/not-valid-cel ===/);
  });

  test.each([['1 + 2', 'int'], ['[true]', 'list'], ["{'a': true}", 'map'], ['1.5', 'double']])('non-bool output %s is rejected', (expression, type) => {
    expect(() => compileFilter(expression, { claims: false })).toThrow(`expected bool, got ${type}`);
  });
});

describe('evaluateFilter (upstream evaluation cases)', () => {
  test('target.repository match', () => {
    expect(run("req.target.repository == 'hello-world'", { req: { target: { repository: 'hello-world' } } })).toBe(true);
    expect(run("req.target.repository == 'hello-world'", { req: { target: { repository: 'other' } } })).toBe(false);
  });

  test('claims sub and repository', () => {
    const claims = { sub: 'repo:org/app:ref:refs/heads/main', repository: 'org/app' };
    expect(run("claims.sub == 'repo:org/app:ref:refs/heads/main' && claims.repository == 'org/app'", { claims }, true)).toBe(true);
  });

  test('claims environment staging vs production', () => {
    expect(run("claims.environment == 'production'", { claims: { environment: 'staging' } }, true)).toBe(false);
  });

  test('req.bool == true', () => {
    expect(run('req.bool == true', { req: { bool: true } })).toBe(true);
  });

  test("req.image.source.split(':').last().value().startsWith('v')", () => {
    expect(run("req.image.source.split(':').last().value().startsWith('v')", { req: { image: { source: 'ghcr.io/org/app:v1.2.3' } } })).toBe(true);
    expect(run("req.image.source.split(':').last().value().startsWith('v')", { req: { image: { source: 'ghcr.io/org/app:latest' } } })).toBe(false);
  });

  test('the documented update-image expression', () => {
    const expression = "has(res.metadata.annotations) && req.tag.split('/').last().value().split(\":\").first().value() == res.metadata.annotations['update-image']";
    const req = { tag: 'us-east1-docker.pkg.dev/my-project/my-repo/hello-world:v1.2.3' };
    expect(run(expression, { req, res: res({ name: 'a', annotations: { 'update-image': 'hello-world' } }) })).toBe(true);
    expect(run(expression, { req, res: res({ name: 'b', annotations: { 'update-image': 'other' } }) })).toBe(false);
    expect(run(expression, { req, res: res({ name: 'c' }) })).toBe(false);
  });

  test("res.metadata.labels['team'] == 'dev'", () => {
    expect(run("res.metadata.labels['team'] == 'dev'", { res: res({ name: 'x', labels: { team: 'dev' } }) })).toBe(true);
  });

  test('req.tag.contains(res.metadata.name)', () => {
    expect(run('req.tag.contains(res.metadata.name)', { req: { tag: 'registry/test-resource:1' } })).toBe(true);
  });

  test('a missing key is an evaluation error (Flux answers 500)', () => {
    expect(() => run("res.name == 'test-resource'", {})).toThrow(/no such key/i);
  });

  test('req absent (non-JSON body, or null) behaves as an empty map', () => {
    expect(run("has(req.action) && req.action == 'push'", {})).toBe(false);
    expect(() => run("req.action == 'push'", {})).toThrow(/no such key/i);
  });

  test('an expression of dynamic type is rejected at compile time, like Flux', () => {
    expect(() => compileFilter('req.flag', { claims: false })).toThrow('CEL expression output type mismatch: expected bool, got dyn');
    expect(() => compileFilter("res.metadata.labels['x']", { claims: false })).toThrow('expected bool, got dyn');
    expect(run('req.flag == true', { req: { flag: true } })).toBe(true);
  });

  test('JSON prototype keys are not reachable', () => {
    expect(() => run('req.constructor == null', { req: {} })).toThrow(/no such key/i);
    expect(run('has(req.__proto__)', { req: JSON.parse('{"a":1}') })).toBe(false);
  });
});

describe('stacking top-level and per-resource filters (8 upstream rows)', () => {
  // The pipeline ANDs them, top-level first; this mirrors that contract with real compiled filters.
  const accepts = (top?: string, perResource?: string) =>
    [top, perResource].filter((e): e is string => e !== undefined).every((e) => evaluateFilter(compileFilter(e, { claims: false }), { res: res({ name: 'x' }) }));
  test.each([
    [undefined, undefined, true],
    ['true', undefined, true],
    ['false', undefined, false],
    [undefined, 'true', true],
    [undefined, 'false', false],
    ['true', 'true', true],
    ['true', 'false', false],
    ['false', 'true', false],
  ])('top %s, per-resource %s ⇒ %s', (top, perResource, expected) => {
    expect(accepts(top, perResource)).toBe(expected);
  });
});

describe('cel-go features Flux enables', () => {
  const req = { tag: 'Docker.io/Org/App:v1', tags: ['v1', 'v2'], n: 3, s: ' pad ', list: ['a', 'b'] };
  test.each([
    // optional types
    "req.?missing.orValue('none') == 'none'",
    'req.?tag.hasValue()',
    "req[?'tag'].value() == 'Docker.io/Org/App:v1'",
    'optional.of(1).value() == 1',
    '!optional.none().hasValue()',
    "req.tags.first().value() == 'v1'",
    "req.tags.last().value() == 'v2'",
    '![].last().hasValue()',
    // strings extension
    "req.tag.lowerAscii() == 'docker.io/org/app:v1'",
    "req.tag.upperAscii() == 'DOCKER.IO/ORG/APP:V1'",
    "req.tag.split('/').size() == 3",
    "req.list.join('-') == 'a-b'",
    "req.tag.replace('/', '_') == 'Docker.io_Org_App:v1'",
    "req.tag.replace('/', '_', 1) == 'Docker.io_Org/App:v1'",
    "req.tag.indexOf('/') == 9",
    "req.tag.lastIndexOf('/') == 13",
    "req.tag.substring(0, 6) == 'Docker'",
    "req.s.trim() == 'pad'",
    "req.tag.charAt(0) == 'D'",
    "'abc'.reverse() == 'cba'",
    "strings.quote('a\"b') == '\"a\\\\\"b\"'",
    "'%s-%s'.format(['a', 'b']) == 'a-b'",
    // sets and encoders
    "sets.contains(req.tags, ['v1'])",
    "!sets.contains(req.tags, ['v3'])",
    "sets.equivalent(['a', 'b'], ['b', 'a', 'a'])",
    "sets.intersects(req.tags, ['v2', 'v9'])",
    "base64.encode(b'hello') == 'aGVsbG8='",
    "base64.decode('aGVsbG8=') == b'hello'",
    "base64.decode('aGVsbG8') == b'hello'",
    // cross-type numeric comparison (JSON numbers are doubles)
    'req.n == 3',
    'req.n > 2',
    'req.n < 3u + 1u',
    // macros and has()
    "req.tags.exists(t, t == 'v2')",
    "req.tags.all(t, t.startsWith('v'))",
    'has(req.tag) && !has(req.missing)',
    "req.tag.matches('^Docker')",
  ])('%s', (expression) => {
    expect(run(expression, { req })).toBe(true);
  });

  test.each([
    ["'abc'.replace('', '-')", '-a-b-c-'],
    ["'abc'.replace('', '-', 2)", '-a-bc'],
    ["'aaa'.replace('a', 'b', 2)", 'bba'],
    ["'aaa'.replace('a', 'b', -1)", 'bbb'],
    ["'aaa'.replace('a', 'b', 0)", 'aaa'],
    ["'aaa'.replace('x', 'b')", 'aaa'],
    ["'héllo'.replace('é', 'e')", 'hello'],
  ])('Go strings.Replace semantics: %s', (expression, expected) => {
    expect(run(`${expression} == '${expected}'`, {})).toBe(true);
  });

  test('homogeneous aggregate literals: mixed list literals are rejected', () => {
    expect(() => compileFilter("[1, 'a'].size() == 2", { claims: false })).toThrow(/same type/);
  });

  test('base64.decode of invalid data is an evaluation error', () => {
    expect(() => run("base64.decode('***') == b''", {})).toThrow(/illegal base64/);
  });
});

describe('string.format', () => {
  test.each([
    ["'%s/%s'.format(['a', 'b'])", 'a/b'],
    ["'%d items'.format([3])", '3 items'],
    ["'%d'.format([req.n])", '3'],
    ["'%.2f'.format([1.5])", '1.50'],
    ["'%f'.format([2.0])", '2.000000'],
    ["'%e'.format([1234.5])", '1.234500e+03'],
    ["'%x|%X|%o|%b'.format([255, 255, 8, 5])", 'ff|FF|10|101'],
    ["'%x'.format(['hi'])", '6869'],
    ["'100%%'.format([])", '100%'],
    ["'%s'.format([[1, 2]])", '[1, 2]'],
  ])('%s', (expression, expected) => {
    expect(run(`${expression} == '${expected}'`, { req: { n: 3 } })).toBe(true);
  });

  test('too few arguments is an evaluation error', () => {
    expect(() => run("'%s %s'.format(['a']) == ''", {})).toThrow(/out of range/);
  });
});

describe('optional library additions', () => {
  test.each([
    "!optional.ofNonZeroValue('').hasValue()",
    '!optional.ofNonZeroValue(0).hasValue()',
    '!optional.ofNonZeroValue([]).hasValue()',
    '!optional.ofNonZeroValue(0u).hasValue()',
    'optional.ofNonZeroValue(2u).hasValue()',
    "optional.ofNonZeroValue('x').value() == 'x'",
    'optional.ofNonZeroValue(req.n).value() == 3',
    "optional.unwrap([req.?tag, req.?missing]) == ['t']",
    "optional.unwrap([optional.of('a'), optional.none()]) == ['a']",
  ])('%s', (expression) => {
    expect(run(expression, { req: { n: 3, tag: 't' } })).toBe(true);
  });
});
