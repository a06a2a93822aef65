// Go's url.ParseQuery, enough to read one field: '&'-separated pairs, '+' is a space, %XX escapes
// must be valid, and a ';' in a pair is an error (Go >= 1.17). Values are raw bytes.

function unescape(text: string): Buffer | undefined {
  const bytes: number[] = [];
  const raw = Buffer.from(text, 'utf8');
  for (let i = 0; i < raw.length; i++) {
    const byte = raw[i];
    if (byte === 0x25 /* % */) {
      const hex = raw.subarray(i + 1, i + 3).toString('latin1');
      if (!/^[0-9a-fA-F]{2}$/.test(hex)) return undefined;
      bytes.push(parseInt(hex, 16));
      i += 2;
    } else if (byte === 0x2b /* + */) {
      bytes.push(0x20);
    } else {
      bytes.push(byte);
    }
  }
  return Buffer.from(bytes);
}

export type FormField = { readonly ok: true; readonly value: Buffer } | { readonly ok: false; readonly reason: string };

/** The first value of `field` in an urlencoded body ('' when absent), or an error if Go's parser errs. */
export function formField(body: Buffer, field: string): FormField {
  let value: Buffer | undefined;
  let error: string | undefined;
  for (const pair of body.toString('utf8').split('&')) {
    if (pair === '') continue;
    if (pair.includes(';')) {
      error ??= 'invalid semicolon separator in form body';
      continue;
    }
    const separator = pair.indexOf('=');
    const key = unescape(separator < 0 ? pair : pair.slice(0, separator));
    const val = unescape(separator < 0 ? '' : pair.slice(separator + 1));
    if (key === undefined || val === undefined) {
      error ??= 'invalid URL escape in form body';
      continue;
    }
    if (value === undefined && key.toString('utf8') === field) value = val;
  }
  if (error !== undefined) return { ok: false, reason: error };
  return { ok: true, value: value ?? Buffer.alloc(0) };
}
