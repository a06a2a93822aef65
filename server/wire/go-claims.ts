// Go's decoding of the standard claims into typed structs, as the two libraries Flux uses do it:
// go-oidc's `idToken` (generic-oidc) and google.golang.org/api/idtoken's `Payload` (gcr). Names
// match case-insensitively and the last one wins; a value of the wrong type is an error; `null`
// leaves a string as it was. Times are Go `time.Time`s as go-oidc builds them, so that `exp`
// beyond int64 behaves as in Go (it wraps and is in the past).
import { goTypeName, matchesField, type GoJson } from './go-json';

const INT64_MIN = -(2n ** 63n);
const INT64_MAX = 2n ** 63n - 1n;
/** Seconds from year 1 to 1970: Go's time.Time stores seconds since year 1 in an int64. */
const UNIX_TO_INTERNAL = 62_135_596_800n;
const JSON_NUMBER = /^-?(?:0|[1-9]\d*)(?:\.\d+)?(?:[eE][+-]?\d+)?$/;

function typeError(value: GoJson, field: string, goType: string): Error {
  return new Error(`json: cannot unmarshal ${goTypeName(value)} into Go struct field .${field} of type ${goType}`);
}

/** Decodes the members of `object` into the named fields, in order (Go: last one wins). */
export function decodeStruct(object: GoJson, fields: Record<string, (value: GoJson) => void>, what: string): void {
  if (object.type === 'null') return;
  if (object.type !== 'object') throw new Error(`json: cannot unmarshal ${goTypeName(object)} into Go value of type ${what}`);
  const names = Object.keys(fields);
  for (const [key, value] of object.members) {
    const field = names.find((name) => key === name) ?? names.find((name) => matchesField(key, name));
    if (field !== undefined) fields[field](value);
  }
}

/** A Go `string` field: strings set it, `null` leaves it unchanged, anything else is an error. */
export function goString(value: GoJson, field: string, previous: string): string {
  if (value.type === 'null') return previous;
  if (value.type !== 'string') throw typeError(value, field, 'string');
  return value.value;
}

/** A Go `int64` field (google idtoken): an integer literal within int64, `null` leaves it unchanged. */
export function goInt64(value: GoJson, field: string, previous: bigint): bigint {
  if (value.type === 'null') return previous;
  if (value.type !== 'number' || !/^-?\d+$/.test(value.text)) throw typeError(value, field, 'int64');
  const n = BigInt(value.text);
  if (n < INT64_MIN || n > INT64_MAX) throw typeError(value, field, 'int64');
  return n;
}

/**
 * go-oidc's jsonTime: a JSON number, or a string holding one (json.Number), read as int64 or else
 * as float64 truncated to int64 (out of range gives math.MinInt64, as on amd64). Returns Unix seconds.
 */
export function goJsonTimeUnix(value: GoJson, field: string): bigint {
  let text: string;
  if (value.type === 'number') text = value.text;
  else if (value.type === 'string' && JSON_NUMBER.test(value.value)) text = value.value;
  else if (value.type === 'string') throw new Error(`json: invalid number literal, trying to unmarshal ${JSON.stringify(value.value.slice(0, 40))} into Number`);
  else if (value.type === 'null') throw new Error(`strconv.ParseFloat: parsing "": invalid syntax (${field})`);
  else throw typeError(value, field, 'json.Number');
  if (/^-?\d+$/.test(text)) {
    const n = BigInt(text);
    if (n >= INT64_MIN && n <= INT64_MAX) return n;
  }
  const f = Number(text);
  if (!Number.isFinite(f)) throw new Error(`strconv.ParseFloat: parsing ${JSON.stringify(text.slice(0, 40))}: value out of range (${field})`);
  if (f >= -9223372036854775808 && f < 9223372036854775808) return BigInt(Math.trunc(f));
  return INT64_MIN;
}

/** Go's time.Unix(sec, 0) in its internal seconds-since-year-1 int64, which wraps on overflow. */
export function goInternalSeconds(unix: bigint): bigint {
  return BigInt.asIntN(64, unix + UNIX_TO_INTERNAL);
}

/** Whole seconds of `nowMs` as Go's internal time. */
export function goNowSeconds(nowMs: number): bigint {
  return BigInt(Math.floor(nowMs / 1000)) + UNIX_TO_INTERNAL;
}

export interface GoOidcIdToken {
  iss: string;
  sub: string;
  aud: string[];
  /** Internal Go seconds (see goInternalSeconds). A missing `exp` is the zero time. */
  exp: bigint;
  nbf?: bigint;
  nonce: string;
  atHash: string;
  claimNames: Map<string, string> | null;
  claimSources: Map<string, { endpoint: string; accessToken: string }> | null;
}

/** go-oidc's audience: a string, or an array of strings (`null` items become ""), `null` is [""]. */
function goAudience(value: GoJson): string[] {
  if (value.type === 'string') return [value.value];
  if (value.type === 'null') return [''];
  if (value.type !== 'array') throw typeError(value, 'aud', '[]string');
  return value.items.map((item) => {
    if (item.type === 'null') return '';
    if (item.type !== 'string') throw typeError(item, 'aud', 'string');
    return item.value;
  });
}

function goStringMap(value: GoJson, previous: Map<string, string> | null): Map<string, string> | null {
  if (value.type === 'null') return null;
  if (value.type !== 'object') throw typeError(value, '_claim_names', 'map[string]string');
  const map = previous ?? new Map<string, string>();
  for (const [key, item] of value.members) map.set(key, goString(item, '_claim_names', ''));
  return map;
}

function goClaimSources(value: GoJson, previous: GoOidcIdToken['claimSources']): GoOidcIdToken['claimSources'] {
  if (value.type === 'null') return null;
  if (value.type !== 'object') throw typeError(value, '_claim_sources', 'map[string]oidc.claimSource');
  const map = previous ?? new Map();
  for (const [key, item] of value.members) {
    const source = { endpoint: '', accessToken: '' };
    decodeStruct(item, {
      endpoint: (v) => (source.endpoint = goString(v, 'endpoint', source.endpoint)),
      access_token: (v) => (source.accessToken = goString(v, 'access_token', source.accessToken)),
    }, 'oidc.claimSource');
    map.set(key, source);
  }
  return map;
}

/** json.Unmarshal(payload, &idToken) as go-oidc does it, plus its distributed-claims consistency check. */
export function decodeGoOidcIdToken(payload: GoJson): GoOidcIdToken {
  const token: GoOidcIdToken = { iss: '', sub: '', aud: [], exp: 0n, nonce: '', atHash: '', claimNames: null, claimSources: null };
  decodeStruct(payload, {
    iss: (v) => (token.iss = goString(v, 'iss', token.iss)),
    sub: (v) => (token.sub = goString(v, 'sub', token.sub)),
    aud: (v) => (token.aud = goAudience(v)),
    exp: (v) => (token.exp = goInternalSeconds(goJsonTimeUnix(v, 'exp'))),
    iat: (v) => void goJsonTimeUnix(v, 'iat'),
    nbf: (v) => (token.nbf = v.type === 'null' ? undefined : goInternalSeconds(goJsonTimeUnix(v, 'nbf'))),
    nonce: (v) => (token.nonce = goString(v, 'nonce', token.nonce)),
    at_hash: (v) => (token.atHash = goString(v, 'at_hash', token.atHash)),
    _claim_names: (v) => (token.claimNames = goStringMap(v, token.claimNames)),
    _claim_sources: (v) => (token.claimSources = goClaimSources(v, token.claimSources)),
  }, 'oidc.idToken');
  for (const source of token.claimNames?.values() ?? []) {
    if (source === '') throw new Error('oidc: failed to obtain source from claim name');
    if (!token.claimSources?.has(source)) throw new Error('oidc: source does not exist');
  }
  return token;
}

export interface GoogleIdTokenPayload {
  iss: string;
  aud: string;
  exp: bigint;
  iat: bigint;
  sub: string;
}

/** json.Unmarshal(payload, &idtoken.Payload): `aud` must be a string, `exp`/`iat` int64 literals. */
export function decodeGoogleIdTokenPayload(payload: GoJson): GoogleIdTokenPayload {
  const p: GoogleIdTokenPayload = { iss: '', aud: '', exp: 0n, iat: 0n, sub: '' };
  decodeStruct(payload, {
    iss: (v) => (p.iss = goString(v, 'iss', p.iss)),
    aud: (v) => (p.aud = goString(v, 'aud', p.aud)),
    exp: (v) => (p.exp = goInt64(v, 'exp', p.exp)),
    iat: (v) => (p.iat = goInt64(v, 'iat', p.iat)),
    sub: (v) => (p.sub = goString(v, 'sub', p.sub)),
  }, 'idtoken.Payload');
  return p;
}


