// JSON decoding with Go's two flavours: `json.NewDecoder(r).Decode` reads the first JSON value and
// ignores what follows; `json.Unmarshal` requires exactly one value. Both fail on an empty body.

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

/** Go's encoding/json refuses values nested deeper than this (scanner maxNestingDepth). */
const MAX_NESTING_DEPTH = 10_000;

/** True when `text` (up to `end`) opens more than MAX_NESTING_DEPTH arrays/objects at once; strings are skipped. */
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
      if (++depth > MAX_NESTING_DEPTH) return true;
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
