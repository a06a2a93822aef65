// A fetched JWKS and go-oidc's way of choosing keys from it: every key whose `kid` equals the
// token's (every key when the token names none) is tried in order, and the JWK's `use`, `alg` and
// `key_ops` are ignored. An entry of an unknown type or without its key members makes the whole
// set unusable (go-jose refuses to decode it); keys jose cannot import for the token's algorithm
// are skipped.
import { compactVerify, importJWK, type JWK } from 'jose';
import { parseGoJson, toInterface } from '../wire/go-json';

type ImportedKey = Awaited<ReturnType<typeof importJWK>>;

export interface PublishedKey {
  readonly kid: string;
  /** The public key members only, so that jose applies no `use`/`alg`/`key_ops` restriction. */
  readonly jwk: JWK;
  readonly imported: Map<string, Promise<ImportedKey | undefined>>;
}

const KEY_MEMBERS = ['kty', 'crv', 'n', 'e', 'x', 'y'] as const;
/** Members go-jose requires per key type; a key set with any other entry is unusable there as a whole. */
const REQUIRED_MEMBERS: Record<string, readonly string[]> = { RSA: ['n', 'e'], EC: ['crv', 'x', 'y'], OKP: ['crv', 'x'], oct: ['k'] };

/** Parses a JWKS body like go-jose: one object, no duplicate names, `keys` an array of objects. */
export function parseKeySet(body: Buffer): PublishedKey[] {
  const document = parseGoJson(body);
  if (document.type !== 'object') throw new Error('key set is not a JSON object');
  const names = document.members.map(([name]) => name);
  if (new Set(names).size !== names.length) throw new Error('key set has a duplicate member');
  const keys = document.members.find(([name]) => name === 'keys')?.[1];
  if (!keys || keys.type === 'null') return [];
  if (keys.type !== 'array') throw new Error('key set "keys" is not an array');
  return keys.items.map((item) => {
    const raw = toInterface(item);
    if (raw === null || typeof raw !== 'object' || Array.isArray(raw)) throw new Error('key set entry is not an object');
    const entry = raw as Record<string, unknown>;
    if (entry.kid !== undefined && entry.kid !== null && typeof entry.kid !== 'string') throw new Error('key set entry has a non-string kid');
    const required = typeof entry.kty === 'string' ? REQUIRED_MEMBERS[entry.kty] : undefined;
    if (!required) throw new Error(`key set entry has an unknown key type ${JSON.stringify(String(entry.kty)).slice(0, 40)}`);
    if (required.some((member) => typeof entry[member] !== 'string')) throw new Error(`key set ${entry.kty} entry lacks ${required.join(', ')}`);
    const jwk: JWK = {};
    for (const member of KEY_MEMBERS) if (typeof entry[member] === 'string') (jwk as Record<string, string>)[member] = entry[member] as string;
    return { kid: typeof entry.kid === 'string' ? entry.kid : '', jwk, imported: new Map() };
  });
}

function importFor(key: PublishedKey, alg: string): Promise<ImportedKey | undefined> {
  let imported = key.imported.get(alg);
  if (!imported) {
    imported = key.jwk.kty === 'oct' ? Promise.resolve(undefined) : importJWK(key.jwk, alg).catch(() => undefined);
    key.imported.set(alg, imported);
  }
  return imported;
}

/** The payload of `token` if one of the candidate keys verifies its signature with `alg`. */
export async function verifyWithKeySet(token: string, alg: string, kid: string, keys: readonly PublishedKey[]): Promise<Uint8Array | undefined> {
  for (const key of keys) {
    if (kid !== '' && key.kid !== kid) continue;
    const imported = await importFor(key, alg);
    if (!imported) continue;
    try {
      return (await compactVerify(token, imported, { algorithms: [alg] })).payload;
    } catch {
      // go-oidc tries the next matching key.
    }
  }
  return undefined;
}
