// Go's json decoding into a typed struct, as far as it can fail: a JSON value whose type does not
// fit the field is an error, `null` fits anything, unknown fields are ignored, and object keys
// match field names exactly or case-insensitively (Go's rule).
import { equalFold } from './equal-fold';
import type { JsonDecodeResult } from './go-json';

export type Shape =
  | 'string'
  | 'string[]'
  | 'rfc3339'
  | { readonly [field: string]: Shape };

// RFC 3339 as Go's time.Time.UnmarshalJSON accepts it (strict: uppercase T/Z, valid ranges).
const RFC3339 = /^(\d{4})-(\d{2})-(\d{2})T(\d{2}):(\d{2}):(\d{2})(\.\d+)?(Z|[+-](\d{2}):(\d{2}))$/;

function isRfc3339(text: string): boolean {
  const m = RFC3339.exec(text);
  if (!m) return false;
  const [year, month, day, hour, minute, second] = m.slice(1, 7).map(Number);
  const daysInMonth = new Date(Date.UTC(year, month, 0)).getUTCDate();
  if (month < 1 || month > 12 || day < 1 || day > daysInMonth || hour > 23 || minute > 59 || second > 59) return false;
  if (m[9] !== undefined && (Number(m[9]) > 23 || Number(m[10]) > 59)) return false;
  return true;
}

function fieldFor(shape: { readonly [field: string]: Shape }, key: string): string | undefined {
  if (Object.hasOwn(shape, key)) return key;
  return Object.keys(shape).find((field) => equalFold(field, key));
}

/**
 * Decodes `value` into `shape`; returns the decoded object keyed by the shape's field names (absent
 * fields are missing), or an error naming the offending path.
 */
export function decodeShape(value: unknown, shape: Shape, path = ''): { ok: true; value: unknown } | { ok: false; error: string } {
  if (value === null) return { ok: true, value: undefined };
  if (shape === 'string' || shape === 'rfc3339') {
    if (typeof value !== 'string') return { ok: false, error: `${path || 'value'}: expected a string` };
    if (shape === 'rfc3339' && !isRfc3339(value)) return { ok: false, error: `${path}: not an RFC 3339 timestamp` };
    return { ok: true, value };
  }
  if (shape === 'string[]') {
    if (!Array.isArray(value)) return { ok: false, error: `${path}: expected an array of strings` };
    const out: string[] = [];
    for (const item of value) {
      if (item !== null && typeof item !== 'string') return { ok: false, error: `${path}: expected an array of strings` };
      out.push(item ?? '');
    }
    return { ok: true, value: out };
  }
  if (typeof value !== 'object' || Array.isArray(value)) {
    return { ok: false, error: `${path || 'body'}: expected an object` };
  }
  const out: Record<string, unknown> = {};
  for (const [key, item] of Object.entries(value as Record<string, unknown>)) {
    const field = fieldFor(shape, key);
    if (field === undefined) continue;
    const decoded = decodeShape(item, shape[field], path ? `${path}.${field}` : field);
    if (!decoded.ok) return decoded;
    if (decoded.value !== undefined) out[field] = decoded.value;
  }
  return { ok: true, value: out };
}

/** `decodeShape` of a decoded JSON document; a decoding error passes through unchanged. */
export function decodeJsonShape(json: JsonDecodeResult, shape: Shape): { ok: true; value: unknown } | { ok: false; error: string } {
  return json.ok ? decodeShape(json.value, shape) : json;
}
