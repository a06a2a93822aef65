// The CEL environments Flux's expressions run in, built on @marcbachmann/cel-js (it parses the
// optional syntax `.?`/`[?]` and type-checks; @bufbuild/cel 0.6 does neither). Flux enables cel-go's
// optional types, strings, sets and encoders extensions; the functions cel-js lacks are registered
// here with its extension API.
import { Environment, Optional } from '@marcbachmann/cel-js';
import { celFormat } from './_cel-format';
import { re2Matches } from './re2-matches';

// Namespace objects: cel-js resolves `base64.encode(x)` as a method on a registered constant.
class Base64Namespace {}
class SetsNamespace {}
class StringsNamespace {}

/** CEL equality for the values a JSON document and literals produce (int/uint/double compare numerically). */
export function celEquals(a: unknown, b: unknown): boolean {
  if ((typeof a === 'number' || typeof a === 'bigint') && (typeof b === 'number' || typeof b === 'bigint')) {
    // eslint-disable-next-line eqeqeq
    return a == b;
  }
  if (a instanceof Uint8Array && b instanceof Uint8Array) {
    return Buffer.from(a).equals(Buffer.from(b));
  }
  if (Array.isArray(a) && Array.isArray(b)) {
    return a.length === b.length && a.every((item, index) => celEquals(item, b[index]));
  }
  if (isPlainMap(a) && isPlainMap(b)) {
    const left = mapEntries(a);
    const right = new Map(mapEntries(b));
    return left.length === right.size && left.every(([key, value]) => right.has(key) && celEquals(value, right.get(key)));
  }
  return a === b;
}

/** JSON maps reach CEL as Maps (server/filters/cel-values.ts); map literals cel-js builds are plain objects. */
function mapEntries(map: object): [unknown, unknown][] {
  return map instanceof Map ? [...map.entries()] : Object.entries(map);
}

function isPlainMap(value: unknown): value is object {
  return typeof value === 'object' && value !== null && !Array.isArray(value) && !(value instanceof Uint8Array);
}

// cel-go's notion of a zero value, for optional.ofNonZeroValue.
function isZeroValue(value: unknown): boolean {
  if (value === null || value === false || value === '' || value === 0 || value === 0n) return true;
  if (Array.isArray(value) || value instanceof Uint8Array) return value.length === 0;
  if (value instanceof Map) return value.size === 0;
  if (typeof value === 'object') {
    // Boxed numbers (cel-js uints) compare by their primitive value; maps by their keys.
    const primitive = (value as { valueOf(): unknown }).valueOf();
    if (primitive !== value) return primitive === 0n || primitive === 0;
    return Object.keys(value as object).length === 0;
  }
  return false;
}

/**
 * A key that two primitive CEL values share exactly when they are equal (numbers by their
 * mathematical value, as CEL compares int, uint and double); undefined for lists, maps, bytes, NaN.
 */
function equalityKey(value: unknown): string | undefined {
  if (typeof value === 'string') return `s${value}`;
  if (typeof value === 'boolean' || value === null) return String(value);
  const primitive = typeof value === 'object' ? (value as { valueOf(): unknown }).valueOf() : value;
  if (typeof primitive === 'bigint') return `n${primitive}`;
  if (typeof primitive === 'number') {
    if (Number.isNaN(primitive)) return undefined;
    return Number.isInteger(primitive) ? `n${BigInt(primitive)}` : `n${primitive}`;
  }
  return undefined;
}

/** The keys of a list of primitives, or undefined when one element has no key. */
function equalityKeys(list: readonly unknown[]): Set<string> | undefined {
  const keys = new Set<string>();
  for (const item of list) {
    const key = equalityKey(item);
    if (key === undefined) return undefined;
    keys.add(key);
  }
  return keys;
}

/**
 * Whether `item` equals an element of `list`, for each item of `items`: `all` asks it of every
 * item (sets.contains), otherwise of some (sets.intersects). Lists of primitives (strings,
 * numbers: the lists a request carries) are compared in one pass through their equality keys;
 * any other element makes it element by element.
 */
function matchIn(list: readonly unknown[], items: readonly unknown[], all: boolean): boolean {
  const keys = equalityKeys(list);
  const itemKeys = keys && equalityKeys(items);
  if (itemKeys) return all ? [...itemKeys].every((key) => keys!.has(key)) : [...itemKeys].some((key) => keys!.has(key));
  const found = (item: unknown): boolean => list.some((candidate) => celEquals(candidate, item));
  return all ? items.every(found) : items.some(found);
}

function codePoints(text: string): string[] {
  return Array.from(text);
}

// cel-go's strings.quote: double quotes, escapes for backslash, quote and control characters.
function quote(text: string): string {
  let out = '"';
  for (const ch of codePoints(text)) {
    switch (ch) {
      case '\\': out += '\\\\'; break;
      case '"': out += '\\"'; break;
      case '\n': out += '\\n'; break;
      case '\r': out += '\\r'; break;
      case '\t': out += '\\t'; break;
      case '\b': out += '\\b'; break;
      case '\f': out += '\\f'; break;
      case '\v': out += '\\v'; break;
      case '\x07': out += '\\a'; break;
      default: out += ch;
    }
  }
  return out + '"';
}

// Go's strings.Replace (what cel-go's replace uses): an empty `from` matches before every code point and at the end.
// One pass over the text either way: the text may be a request field of megabytes.
function replaceN(text: string, from: string, to: string, limit: bigint): string {
  if (limit === 0n) return text;
  const max = limit < 0n ? Infinity : Number(limit);
  let out = '';
  let count = 0;
  if (from === '') {
    for (const ch of text) {
      out += count < max ? to + ch : ch;
      count++;
    }
    return count < max ? out + to : out;
  }
  let start = 0;
  for (let next = text.indexOf(from); next !== -1 && count < max; next = text.indexOf(from, start)) {
    out += text.slice(start, next) + to;
    start = next + from.length;
    count++;
  }
  return out + text.slice(start);
}

function decodeBase64(text: string): Uint8Array {
  // cel-go accepts padded and unpadded standard base64; anything else is an error.
  const unpadded = text.replace(/=+$/, '');
  if (!/^[A-Za-z0-9+/]*$/.test(unpadded) || unpadded.length % 4 === 1 || text.length - unpadded.length > 2) {
    throw new Error(`base64.decode: illegal base64 data in '${text.slice(0, 32)}'`);
  }
  return new Uint8Array(Buffer.from(unpadded, 'base64'));
}

function extensions(env: Environment): Environment {
  return env
    // Optional-returning list accessors from cel-go's optional library.
    .registerFunction('list<A>.first(): optional<A>', (list: unknown[]) => (list.length > 0 ? Optional.of(list[0]) : Optional.none()))
    .registerFunction('list<A>.last(): optional<A>', (list: unknown[]) => (list.length > 0 ? Optional.of(list[list.length - 1]) : Optional.none()))
    .registerFunction('OptionalNamespace.ofNonZeroValue(A): optional<A>', (_ns: unknown, value: unknown) =>
      (isZeroValue(value) ? Optional.none() : Optional.of(value)))
    .registerFunction('OptionalNamespace.unwrap(list<optional<A>>): list<A>', (_ns: unknown, list: Optional[]) =>
      list.filter((item) => item.hasValue()).map((item) => item.value()))
    // strings extension functions cel-js does not ship.
    .registerFunction('string.charAt(int): string', (text: string, index: bigint) => {
      const chars = codePoints(text);
      if (index < 0n || index > BigInt(chars.length)) throw new Error(`index out of range: ${index}`);
      return chars[Number(index)] ?? '';
    })
    .registerFunction('string.format(list<dyn>): string', (template: string, args: unknown[]) => celFormat(template, args))
    .registerFunction('string.reverse(): string', (text: string) => codePoints(text).reverse().join(''))
    .registerFunction('string.replace(string, string): string', (text: string, from: string, to: string) => replaceN(text, from, to, -1n))
    .registerFunction('string.replace(string, string, int): string', (text: string, from: string, to: string, limit: bigint) => replaceN(text, from, to, limit))
    // cel-go's global form of `matches`; cel-js has only `string.matches`. Both run on RE2 (re2-matches.ts).
    .registerFunction('matches(string, string): bool', (text: string, pattern: string) => re2Matches(text, pattern))
    .registerType('StringsNamespace', StringsNamespace)
    .registerConstant('strings', 'StringsNamespace', new StringsNamespace())
    .registerFunction('StringsNamespace.quote(string): string', (_ns: unknown, text: string) => quote(text))
    // encoders extension.
    .registerType('Base64Namespace', Base64Namespace)
    .registerConstant('base64', 'Base64Namespace', new Base64Namespace())
    .registerFunction('Base64Namespace.encode(bytes): string', (_ns: unknown, data: Uint8Array) => Buffer.from(data).toString('base64'))
    .registerFunction('Base64Namespace.decode(string): bytes', (_ns: unknown, text: string) => decodeBase64(text))
    // sets extension.
    .registerType('SetsNamespace', SetsNamespace)
    .registerConstant('sets', 'SetsNamespace', new SetsNamespace())
    .registerFunction('SetsNamespace.contains(list<dyn>, list<dyn>): bool', (_ns: unknown, list: unknown[], sub: unknown[]) => matchIn(list, sub, true))
    .registerFunction('SetsNamespace.equivalent(list<dyn>, list<dyn>): bool', (_ns: unknown, a: unknown[], b: unknown[]) => matchIn(a, b, true) && matchIn(b, a, true))
    .registerFunction('SetsNamespace.intersects(list<dyn>, list<dyn>): bool', (_ns: unknown, a: unknown[], b: unknown[]) => matchIn(b, a, false));
}

function newEnvironment(variables: readonly string[]): Environment {
  const env = extensions(new Environment({ enableOptionalTypes: true, homogeneousAggregateLiterals: true }));
  for (const name of variables) {
    // Flux declares these as google.protobuf.Struct: dynamic JSON maps.
    env.registerVariable(name, 'map');
  }
  return env;
}

let filterEnv: Environment | undefined;
let claimsFilterEnv: Environment | undefined;
let oidcEnv: Environment | undefined;

/** `res`, `req` (every receiver type). */
export function resourceFilterEnvironment(): Environment {
  return (filterEnv ??= newEnvironment(['res', 'req']));
}

/** `res`, `req`, `claims` (generic-oidc receivers). */
export function claimsResourceFilterEnvironment(): Environment {
  return (claimsFilterEnv ??= newEnvironment(['res', 'req', 'claims']));
}

/** `claims`, `vars` (oidcProviders variables and validations). */
export function oidcClaimsEnvironment(): Environment {
  return (oidcEnv ??= newEnvironment(['claims', 'vars']));
}
