// Go's mime.ParseMediaType, reduced to what the receivers need: the lowercased media type, or
// undefined when Go would return an error (bad type/subtype token or malformed parameters).

const TSPECIALS = new Set('()<>@,;:\\"/[]?=');

function isTokenChar(ch: string): boolean {
  const code = ch.charCodeAt(0);
  return code > 0x20 && code < 0x7f && !TSPECIALS.has(ch);
}

function consumeToken(text: string): [token: string, rest: string] {
  let end = 0;
  while (end < text.length && isTokenChar(text[end])) end++;
  return [text.slice(0, end), text.slice(end)];
}

function isMediaTypeValid(mediaType: string): boolean {
  const [type, rest] = consumeToken(mediaType);
  if (type === '') return false;
  if (rest === '') return true;
  if (!rest.startsWith('/')) return false;
  const [subtype, tail] = consumeToken(rest.slice(1));
  return subtype !== '' && tail === '';
}

// A quoted-string value: returns the rest after the closing quote, or undefined if unterminated.
function consumeQuoted(text: string): string | undefined {
  for (let i = 1; i < text.length; i++) {
    if (text[i] === '\\') {
      i++;
    } else if (text[i] === '"') {
      return text.slice(i + 1);
    }
  }
  return undefined;
}

function paramsAreValid(params: string): boolean {
  let rest = params;
  const seen = new Set<string>();
  for (;;) {
    rest = rest.trimStart();
    if (rest === '') return true;
    if (!rest.startsWith(';')) return false;
    const afterSemicolon = rest.slice(1).trimStart();
    const [key, afterKey] = consumeToken(afterSemicolon);
    if (key === '') {
      // A lone trailing ';' is tolerated, like Go.
      return afterSemicolon.trim() === '';
    }
    const afterKeyTrimmed = afterKey.trimStart();
    if (!afterKeyTrimmed.startsWith('=')) return false;
    const valueStart = afterKeyTrimmed.slice(1).trimStart();
    let afterValue: string | undefined;
    if (valueStart.startsWith('"')) {
      afterValue = consumeQuoted(valueStart);
    } else {
      const [value, tail] = consumeToken(valueStart);
      afterValue = value === '' ? undefined : tail;
    }
    if (afterValue === undefined) return false;
    const lowerKey = key.toLowerCase();
    if (seen.has(lowerKey)) return false;
    seen.add(lowerKey);
    rest = afterValue;
  }
}

/** The media type of a Content-Type value (lowercased, parameters dropped), or undefined if Go rejects it. */
export function parseMediaType(value: string): string | undefined {
  const semicolon = value.indexOf(';');
  const base = semicolon < 0 ? value : value.slice(0, semicolon);
  const mediaType = base.toLowerCase().trim();
  if (!isMediaTypeValid(mediaType)) return undefined;
  if (semicolon >= 0 && !paramsAreValid(value.slice(semicolon))) return undefined;
  return mediaType;
}

/**
 * Whether a Content-Type header lists `application/json` (Flux's CEL body rule): the header is split
 * on ',', each part parsed as a media type, stopping at the first part that does not parse.
 */
export function contentTypeListsJson(header: string | undefined): boolean {
  if (!header) return false;
  for (const part of header.split(',')) {
    const mediaType = parseMediaType(part);
    if (mediaType === undefined) return false;
    if (mediaType === 'application/json') return true;
  }
  return false;
}
