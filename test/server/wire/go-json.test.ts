// JSON read as Go's encoding/json reads it. Request bodies: the first value
// (`json.NewDecoder(r).Decode`) or exactly one (`json.Unmarshal`). Token parts: one value, members
// in order with duplicates, numbers as their literal text, invalid UTF-8 and lone surrogates as U+FFFD.
import { decodeFirstJsonValue, decodeRune, decodeStrictJson, goTypeName, matchesField, parseGoJson, toInterface } from '../../../server/wire/go-json';

const parse = (text: string | Uint8Array) => parseGoJson(typeof text === 'string' ? Buffer.from(text) : text);

describe('parseGoJson', () => {
  test('objects keep member order and duplicates; numbers keep their text', () => {
    expect(parse('{"b":1,"a":2.50,"b":[true,null,"x"]}')).toEqual({
      type: 'object',
      members: [
        ['b', { type: 'number', text: '1' }],
        ['a', { type: 'number', text: '2.50' }],
        ['b', { type: 'array', items: [{ type: 'bool', value: true }, { type: 'null' }, { type: 'string', value: 'x' }] }],
      ],
    });
  });

  test('invalid UTF-8 in a string becomes U+FFFD byte by byte; a lone surrogate escape becomes U+FFFD', () => {
    expect(parse(Uint8Array.from([0x22, 0x61, 0xff, 0xfe, 0x62, 0x22]))).toEqual({ type: 'string', value: 'a\ufffd\ufffdb' });
    expect(parse('"\\ud800x"')).toEqual({ type: 'string', value: '\ufffdx' });
    expect(parse('"\\ud83d\\ude00"')).toEqual({ type: 'string', value: '\u{1f600}' });
  });

  test('the whole input is one value; syntax errors and too deep input throw', () => {
    expect(() => parse('{"a":1} x')).toThrow('invalid character after top-level value');
    expect(() => parse('{"a":1')).toThrow();
    expect(() => parse('[' .repeat(20_000) + ']'.repeat(20_000))).toThrow('exceeded max depth');
  });
});

test('toInterface: the last duplicate wins, numbers become float64, a literal past float64 is an error', () => {
  expect(toInterface(parse('{"a":1,"b":{"c":[1.5,"x",false,null]},"a":2}'))).toEqual({ a: 2, b: { c: [1.5, 'x', false, null] } });
  expect(() => toInterface(parse('1e999'))).toThrow('cannot unmarshal number 1e999 into Go value of type float64');
});

test.each([
  ['exp', 'Exp', true],
  ['EXP', 'Exp', true],
  ['\u212aid', 'Kid', true],
  ['\u017fub', 'Sub', true],
  ['expx', 'Exp', false],
  ['éxp', 'Exp', false],
])('matchesField(%j, %j) is %j: Go\'s case-insensitive struct field match (the Kelvin sign and the long s fold too)', (key, field, matches) => {
  expect(matchesField(key, field)).toBe(matches);
});

test('decodeRune: valid sequences decode, invalid bytes are U+FFFD of length 1', () => {
  expect(decodeRune(Buffer.from('é'), 0)).toEqual([0xe9, 2]);
  expect(decodeRune(Buffer.from('\u{1f600}'), 0)).toEqual([0x1f600, 4]);
  expect(decodeRune(Uint8Array.from([0xc0, 0x80]), 0)).toEqual([0xfffd, 1]);
  expect(decodeRune(Uint8Array.from([0xed, 0xa0, 0x80]), 0)).toEqual([0xfffd, 1]);
});

test('goTypeName names values as Go\'s unmarshal errors do', () => {
  expect(['"s"', '1', 'true', 'null', '[]', '{}'].map((t) => goTypeName(parse(t)))).toEqual(['string', 'number', 'bool', 'null', 'array', 'object']);
});

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
