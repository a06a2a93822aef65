// JSON read as Go's encoding/json reads the token parts Flux decodes: one value, members in order
// with duplicates, numbers as their literal text, invalid UTF-8 and lone surrogates as U+FFFD.
import { decodeRune, goTypeName, matchesField, parseGoJson, toInterface } from '../../../server/wire/go-json';

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
