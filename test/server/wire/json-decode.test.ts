// Go's two ways of decoding a JSON body, which providers and filters each follow where Flux uses
// one: `json.NewDecoder(r).Decode` (the first value, the rest ignored) and `json.Unmarshal`
// (exactly one value).
import { decodeFirstJsonValue, decodeStrictJson } from '../../../server/wire/json-decode';

const nested = (depth: number): string => '['.repeat(depth) + ']'.repeat(depth);

describe('decodeFirstJsonValue (json.NewDecoder.Decode)', () => {
  test.each([
    ['{"a":1} and then anything', { a: 1 }],
    ['  [1,[2]]{"b":2}', [1, [2]]],
    ['"a\\"b}" tail', 'a"b}'],
    ['{"s":"}]","t":[{"u":"\\""}]}x', { s: '}]', t: [{ u: '"' }] }],
    ['12 34', 12],
    ['true false', true],
  ])('%j decodes to its first value', (body, value) => {
    expect(decodeFirstJsonValue(body)).toEqual({ ok: true, value });
  });

  test('an empty body is EOF, a cut one unexpected EOF, a bad one the parser\'s error', () => {
    expect(decodeFirstJsonValue(Buffer.from(' \n'))).toEqual({ ok: false, error: 'EOF' });
    expect(decodeFirstJsonValue('{"a": [1, 2')).toEqual({ ok: false, error: 'unexpected EOF' });
    expect(decodeFirstJsonValue('"open')).toEqual({ ok: false, error: 'unexpected EOF' });
    expect(decodeFirstJsonValue('{"a" 1}')).toMatchObject({ ok: false, error: expect.stringMatching(/JSON/) });
  });

  test('Go\'s nesting limit: 10,000 levels decode, one more is "exceeded max depth"', () => {
    expect(decodeFirstJsonValue(nested(10_000))).toMatchObject({ ok: true });
    expect(decodeFirstJsonValue(nested(10_001))).toEqual({ ok: false, error: 'exceeded max depth' });
    // Brackets inside strings do not count.
    expect(decodeFirstJsonValue(JSON.stringify({ s: '['.repeat(20_000) }))).toMatchObject({ ok: true });
  });
});

describe('decodeStrictJson (json.Unmarshal)', () => {
  test('one value decodes; anything after it is an error', () => {
    expect(decodeStrictJson(Buffer.from(' {"a":[1,"x"]}\n'))).toEqual({ ok: true, value: { a: [1, 'x'] } });
    expect(decodeStrictJson('{"a":1} {"b":2}')).toMatchObject({ ok: false, error: expect.stringMatching(/JSON/) });
    expect(decodeStrictJson('12 34')).toMatchObject({ ok: false });
  });

  test('an empty body is "unexpected end of JSON input"; the nesting limit holds', () => {
    expect(decodeStrictJson('  ')).toEqual({ ok: false, error: 'unexpected end of JSON input' });
    expect(decodeStrictJson(nested(10_000))).toMatchObject({ ok: true });
    expect(decodeStrictJson(nested(10_001))).toEqual({ ok: false, error: 'exceeded max depth' });
  });
});
