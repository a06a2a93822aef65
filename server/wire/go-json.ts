// JSON as Go's encoding/json reads it: the one place the server decodes JSON. Three entry points,
// one per way Flux decodes:
// - decodeFirstJsonValue: `json.NewDecoder(r).Decode` into `interface{}` (the first value; what
//   follows is ignored), for request bodies;
// - decodeStrictJson: `json.Unmarshal` into `interface{}` (exactly one value), for request bodies;
// - parseGoJson: `json.Unmarshal` for the token parts Flux decodes into structs: invalid UTF-8
//   inside strings becomes U+FFFD byte by byte, a lone surrogate escape becomes U+FFFD, object
//   members keep their order and duplicates so that callers can apply Go's struct rules (names
//   matched case-insensitively, the last one wins) or go-jose's (duplicates refused), and numbers
//   keep their literal text so int64 bounds can be checked exactly.
// Request bodies (up to 3 MiB) go through JSON.parse, with Go's framing and nesting limit around
// it; token parts are small and need Go's exact reading, so they get the parser below. Both
// fail on an empty input; both refuse nesting deeper than Go's 10,000 levels.

export type GoJson =
  | { readonly type: 'object'; readonly members: ReadonlyArray<readonly [string, GoJson]> }
  | { readonly type: 'array'; readonly items: readonly GoJson[] }
  | { readonly type: 'string'; readonly value: string }
  | { readonly type: 'number'; readonly text: string }
  | { readonly type: 'bool'; readonly value: boolean }
  | { readonly type: 'null' };

/** Go's limit on nesting (its scanner's maxNestingDepth); deeper input is an error there too. */
const MAX_DEPTH = 10_000;

class Parser {
  private pos = 0;
  private depth = 0;

  constructor(private readonly bytes: Uint8Array) {}

  parse(): GoJson {
    const value = this.value();
    this.skipSpace();
    if (this.pos !== this.bytes.length) this.fail('invalid character after top-level value');
    return value;
  }

  private fail(message: string): never {
    throw new Error(`${message} (offset ${this.pos})`);
  }

  private skipSpace(): void {
    while (this.pos < this.bytes.length) {
      const c = this.bytes[this.pos];
      if (c !== 0x20 && c !== 0x09 && c !== 0x0a && c !== 0x0d) return;
      this.pos++;
    }
  }

  private value(): GoJson {
    this.skipSpace();
    if (this.pos >= this.bytes.length) this.fail('unexpected end of JSON input');
    const c = this.bytes[this.pos];
    if (c === 0x7b) return this.nested(() => this.object());
    if (c === 0x5b) return this.nested(() => this.array());
    if (c === 0x22) return { type: 'string', value: this.string() };
    if (c === 0x2d || (c >= 0x30 && c <= 0x39)) return { type: 'number', text: this.number() };
    if (this.literal('true')) return { type: 'bool', value: true };
    if (this.literal('false')) return { type: 'bool', value: false };
    if (this.literal('null')) return { type: 'null' };
    return this.fail('invalid character looking for beginning of value');
  }

  private nested(parse: () => GoJson): GoJson {
    if (++this.depth > MAX_DEPTH) this.fail('exceeded max depth');
    const value = parse();
    this.depth--;
    return value;
  }

  private literal(word: string): boolean {
    for (let i = 0; i < word.length; i++) {
      if (this.bytes[this.pos + i] !== word.charCodeAt(i)) return false;
    }
    this.pos += word.length;
    return true;
  }

  private object(): GoJson {
    this.pos++;
    const members: Array<readonly [string, GoJson]> = [];
    this.skipSpace();
    if (this.bytes[this.pos] === 0x7d) {
      this.pos++;
      return { type: 'object', members };
    }
    for (;;) {
      this.skipSpace();
      if (this.bytes[this.pos] !== 0x22) this.fail('invalid character looking for beginning of object key string');
      const key = this.string();
      this.skipSpace();
      if (this.bytes[this.pos] !== 0x3a) this.fail('invalid character after object key');
      this.pos++;
      members.push([key, this.value()]);
      this.skipSpace();
      const next = this.bytes[this.pos++];
      if (next === 0x7d) return { type: 'object', members };
      if (next !== 0x2c) this.fail('invalid character after object key:value pair');
    }
  }

  private array(): GoJson {
    this.pos++;
    const items: GoJson[] = [];
    this.skipSpace();
    if (this.bytes[this.pos] === 0x5d) {
      this.pos++;
      return { type: 'array', items };
    }
    for (;;) {
      items.push(this.value());
      this.skipSpace();
      const next = this.bytes[this.pos++];
      if (next === 0x5d) return { type: 'array', items };
      if (next !== 0x2c) this.fail('invalid character after array element');
    }
  }

  private number(): string {
    const start = this.pos;
    const digit = () => this.bytes[this.pos] >= 0x30 && this.bytes[this.pos] <= 0x39;
    if (this.bytes[this.pos] === 0x2d) this.pos++;
    if (this.bytes[this.pos] === 0x30) {
      this.pos++;
    } else if (digit()) {
      while (digit()) this.pos++;
    } else {
      this.fail('invalid character in numeric literal');
    }
    if (this.bytes[this.pos] === 0x2e) {
      this.pos++;
      if (!digit()) this.fail('invalid character after decimal point in numeric literal');
      while (digit()) this.pos++;
    }
    if (this.bytes[this.pos] === 0x65 || this.bytes[this.pos] === 0x45) {
      this.pos++;
      if (this.bytes[this.pos] === 0x2b || this.bytes[this.pos] === 0x2d) this.pos++;
      if (!digit()) this.fail('invalid character in exponent of numeric literal');
      while (digit()) this.pos++;
    }
    return Buffer.from(this.bytes.subarray(start, this.pos)).toString('latin1');
  }

  private hex4(at: number): number {
    let n = 0;
    for (let i = 0; i < 4; i++) {
      const c = this.bytes[at + i];
      const v = c >= 0x30 && c <= 0x39 ? c - 0x30 : c >= 0x61 && c <= 0x66 ? c - 0x57 : c >= 0x41 && c <= 0x46 ? c - 0x37 : -1;
      if (v < 0) return -1;
      n = n * 16 + v;
    }
    return n;
  }

  private string(): string {
    this.pos++;
    let out = '';
    for (;;) {
      if (this.pos >= this.bytes.length) this.fail('unexpected end of JSON input');
      const c = this.bytes[this.pos];
      if (c === 0x22) {
        this.pos++;
        return out;
      }
      if (c < 0x20) this.fail('invalid character in string literal');
      if (c === 0x5c) {
        out += this.escape();
      } else if (c < 0x80) {
        out += String.fromCharCode(c);
        this.pos++;
      } else {
        const [codePoint, size] = decodeRune(this.bytes, this.pos);
        out += String.fromCodePoint(codePoint);
        this.pos += size;
      }
    }
  }

  private escape(): string {
    const e = this.bytes[this.pos + 1];
    this.pos += 2;
    switch (e) {
      case 0x22: return '"';
      case 0x5c: return '\\';
      case 0x2f: return '/';
      case 0x62: return '\b';
      case 0x66: return '\f';
      case 0x6e: return '\n';
      case 0x72: return '\r';
      case 0x74: return '\t';
      case 0x75: {
        const unit = this.hex4(this.pos);
        if (unit < 0) this.fail('invalid character in \\u hexadecimal character escape');
        this.pos += 4;
        if (unit < 0xd800 || unit > 0xdfff) return String.fromCharCode(unit);
        // Go pairs a surrogate only with a following low surrogate escape; anything else is U+FFFD.
        if (unit <= 0xdbff && this.bytes[this.pos] === 0x5c && this.bytes[this.pos + 1] === 0x75) {
          const low = this.hex4(this.pos + 2);
          if (low >= 0xdc00 && low <= 0xdfff) {
            this.pos += 6;
            return String.fromCharCode(unit, low);
          }
        }
        return '\ufffd';
      }
      default:
        return this.fail('invalid character in string escape code');
    }
  }
}

/** Go's utf8.DecodeRune: the code point and its length, or U+FFFD of length 1 for invalid bytes. */
export function decodeRune(bytes: Uint8Array, at: number): [number, number] {
  const b0 = bytes[at];
  if (b0 < 0x80) return [b0, 1];
  const cont = (i: number, lo = 0x80, hi = 0xbf) => at + i < bytes.length && bytes[at + i] >= lo && bytes[at + i] <= hi;
  let size = 0;
  if (b0 >= 0xc2 && b0 <= 0xdf) {
    if (cont(1)) size = 2;
  } else if (b0 >= 0xe0 && b0 <= 0xef) {
    if (cont(1, b0 === 0xe0 ? 0xa0 : 0x80, b0 === 0xed ? 0x9f : 0xbf) && cont(2)) size = 3;
  } else if (b0 >= 0xf0 && b0 <= 0xf4) {
    if (cont(1, b0 === 0xf0 ? 0x90 : 0x80, b0 === 0xf4 ? 0x8f : 0xbf) && cont(2) && cont(3)) size = 4;
  }
  // A sequence validated above decodes the same in Node as in Go.
  if (size > 0) return [Buffer.from(bytes.subarray(at, at + size)).toString('utf8').codePointAt(0)!, size];
  return [0xfffd, 1];
}

/** Parses `bytes` as one JSON document; throws with Go-like wording on a syntax error. */
export function parseGoJson(bytes: Uint8Array): GoJson {
  try {
    return new Parser(bytes).parse();
  } catch (err) {
    // Nesting the stack cannot hold is refused as Go refuses nesting beyond its limit. By name, not
    // instanceof: a RangeError from another realm (a vm context, as under jest) is one too.
    if ((err as Error | undefined)?.name === 'RangeError') throw new Error('exceeded max depth');
    throw err;
  }
}

/**
 * The value Go decodes into `interface{}`: maps (duplicate names: last wins), slices, strings,
 * float64 numbers (a literal beyond float64 is an error), bools and nil.
 */
export function toInterface(value: GoJson): unknown {
  switch (value.type) {
    case 'object': {
      const map = new Map<string, unknown>();
      for (const [key, item] of value.members) map.set(key, toInterface(item));
      return Object.fromEntries(map);
    }
    case 'array':
      return value.items.map(toInterface);
    case 'number': {
      const n = Number(value.text);
      if (!Number.isFinite(n)) throw new Error(`cannot unmarshal number ${value.text.slice(0, 40)} into Go value of type float64`);
      return n;
    }
    case 'null':
      return null;
    default:
      return value.value;
  }
}

/** Go's case-insensitive match of a JSON name against an ASCII struct field name (`ſ` ~ s, `K` ~ k). */
export function matchesField(key: string, field: string): boolean {
  if (key === field) return true;
  const chars = [...key];
  if (chars.length !== field.length) return false;
  return chars.every((ch, i) => {
    const folded = ch === '\u017f' ? 'S' : ch === '\u212a' ? 'K' : ch.length === 1 && ch < '\u0080' ? ch.toUpperCase() : ch;
    return folded === field[i].toUpperCase();
  });
}

/** What Go names a JSON value's type in an unmarshal error. */
export function goTypeName(value: GoJson): string {
  return value.type === 'bool' ? 'bool' : value.type;
}

/** Index just past the first JSON value starting at `start` (after whitespace), or -1 if there is none. */
function endOfFirstValue(text: string, start: number): number {
  let i = start;
  while (i < text.length && ' \t\r\n'.includes(text[i])) i++;
  if (i >= text.length) return -1;
  const first = text[i];
  if (first === '"') {
    for (let j = i + 1; j < text.length; j++) {
      if (text[j] === '\\') j++;
      else if (text[j] === '"') return j + 1;
    }
    return -1;
  }
  if (first === '{' || first === '[') {
    let depth = 0;
    for (let j = i; j < text.length; j++) {
      const ch = text[j];
      if (ch === '"') {
        j++;
        while (j < text.length && text[j] !== '"') {
          if (text[j] === '\\') j++;
          j++;
        }
        if (j >= text.length) return -1;
      } else if (ch === '{' || ch === '[') {
        depth++;
      } else if (ch === '}' || ch === ']') {
        depth--;
        if (depth === 0) return j + 1;
      }
    }
    return -1;
  }
  // Literal or number: runs until a delimiter.
  let j = i;
  while (j < text.length && !' \t\r\n{}[],:"'.includes(text[j])) j++;
  return j;
}

/** True when `text` (up to `end`) opens more than MAX_DEPTH arrays/objects at once; strings are skipped. */
function tooDeep(text: string, end = text.length): boolean {
  let depth = 0;
  for (let j = 0; j < end; j++) {
    const ch = text.charCodeAt(j);
    if (ch === 34 /* " */) {
      j++;
      while (j < end && text.charCodeAt(j) !== 34) {
        if (text.charCodeAt(j) === 92 /* \ */) j++;
        j++;
      }
    } else if (ch === 123 /* { */ || ch === 91 /* [ */) {
      if (++depth > MAX_DEPTH) return true;
    } else if (ch === 125 /* } */ || ch === 93 /* ] */) {
      depth--;
    }
  }
  return false;
}

export type JsonDecodeResult = { readonly ok: true; readonly value: unknown } | { readonly ok: false; readonly error: string };

/** Go `json.NewDecoder(body).Decode(&v)`: the first JSON value; trailing data is ignored. */
export function decodeFirstJsonValue(body: Buffer | string): JsonDecodeResult {
  const text = typeof body === 'string' ? body : body.toString('utf8');
  const end = endOfFirstValue(text, 0);
  if (end < 0) return { ok: false, error: text.trim() === '' ? 'EOF' : 'unexpected EOF' };
  if (tooDeep(text, end)) return { ok: false, error: 'exceeded max depth' };
  try {
    return { ok: true, value: JSON.parse(text.slice(0, end)) };
  } catch (err) {
    return { ok: false, error: (err as Error).message };
  }
}

/** Go `json.Unmarshal(body, &v)`: the whole body must be one JSON value. */
export function decodeStrictJson(body: Buffer | string): JsonDecodeResult {
  const text = typeof body === 'string' ? body : body.toString('utf8');
  if (text.trim() === '') return { ok: false, error: 'unexpected end of JSON input' };
  if (tooDeep(text)) return { ok: false, error: 'exceeded max depth' };
  try {
    return { ok: true, value: JSON.parse(text) };
  } catch (err) {
    return { ok: false, error: (err as Error).message };
  }
}
