// Verifies OIDC ID tokens like go-oidc v3's IDTokenVerifier as Flux's generic-oidc uses it:
// discovery at `<issuer>/.well-known/openid-configuration` whose `issuer` must equal the configured
// one exactly; the token's three segments strictly unpadded base64url; the claims decoded the way
// Go decodes them into go-oidc's struct (types, case-insensitive names, last one wins, int64 times);
// `iss` equal, `aud` containing the audience, `exp` in the past at sub-second precision, `nbf` with
// five minutes of leeway, distributed claims consistent; an advertised algorithm (RS256 if none);
// a signature by a key from `jwks_uri` chosen as go-oidc chooses it. jose does the cryptography.
// Unlike Flux, which fetches per request, documents are reused for at most 60 s (see _jwks-options).
import { freshnessPolicy, type KeySetCacheOptions } from './_jwks-options';
import { parseKeySet, verifyWithKeySet, type PublishedKey } from './_key-set';
import { RefreshingDocument, type FreshnessPolicy } from './_refreshing-document';
import type { TokenVerifier } from '../providers/provider';
import { decodeRawBase64Url } from '../wire/base64url-strict';
import { decodeGoOidcIdToken, decodeStruct, goNowSeconds, goString } from '../wire/go-claims';
import { parseGoJson, toInterface, type GoJson } from '../wire/go-json';

type ExpectedIssuer = Parameters<TokenVerifier['verify']>[1];

/** Algorithms go-oidc accepts from a discovery document. */
const SUPPORTED_ALGORITHMS = ['RS256', 'RS384', 'RS512', 'ES256', 'ES384', 'ES512', 'PS256', 'PS384', 'PS512', 'EdDSA'];
const NBF_LEEWAY_SECONDS = 300n;
/** JOSE header members this verifier refuses outright (see docs/compatibility.md). */
const REFUSED_HEADER_MEMBERS = ['jwk', 'x5c', 'crit', 'b64'];

export type OidcTokenVerifierOptions = KeySetCacheOptions;

interface Discovery {
  readonly issuer: string;
  readonly jwksUri: string;
  readonly algorithms: readonly string[];
}

/** go-oidc's providerJSON, decoded as Go does (case-insensitive names, wrong types refused). */
function parseDiscovery(body: Buffer): Discovery {
  const doc = { issuer: '', jwksUri: '', algorithms: [] as string[] };
  const ignoredString = (name: string) => (v: GoJson) => void goString(v, name, '');
  decodeStruct(parseGoJson(body), {
    issuer: (v) => (doc.issuer = goString(v, 'issuer', doc.issuer)),
    jwks_uri: (v) => (doc.jwksUri = goString(v, 'jwks_uri', doc.jwksUri)),
    authorization_endpoint: ignoredString('authorization_endpoint'),
    device_authorization_endpoint: ignoredString('device_authorization_endpoint'),
    token_endpoint: ignoredString('token_endpoint'),
    userinfo_endpoint: ignoredString('userinfo_endpoint'),
    id_token_signing_alg_values_supported: (v) => {
      if (v.type === 'null') {
        doc.algorithms = [];
        return;
      }
      if (v.type !== 'array') throw new Error('id_token_signing_alg_values_supported is not an array');
      doc.algorithms = v.items.map((item) => goString(item, 'id_token_signing_alg_values_supported', ''));
    },
  }, 'oidc.providerJSON');
  return { issuer: doc.issuer, jwksUri: doc.jwksUri, algorithms: doc.algorithms.filter((alg) => SUPPORTED_ALGORITHMS.includes(alg)) };
}

interface JoseHeader {
  readonly alg: string;
  readonly kid: string;
}

/** The protected header as go-jose reads it: an object without duplicate names; `alg`/`kid` strings. */
function parseJoseHeader(bytes: Buffer): JoseHeader {
  const header = parseGoJson(bytes);
  if (header.type !== 'object') throw new Error('JOSE header is not a JSON object');
  const seen = new Set<string>();
  let alg = '';
  let kid = '';
  for (const [name, value] of header.members) {
    if (seen.has(name)) throw new Error(`json: duplicate key '${name.slice(0, 40)}' in object`);
    seen.add(name);
    if (value.type === 'null') continue;
    if (name === 'alg') {
      if (value.type !== 'string') throw new Error('failed to unmarshal algorithm');
      alg = value.value;
    } else if (name === 'kid') {
      if (value.type !== 'string') throw new Error('failed to unmarshal key ID');
      kid = value.value;
    } else if (name === 'nonce' && value.type !== 'string') {
      throw new Error('failed to unmarshal nonce');
    } else if (REFUSED_HEADER_MEMBERS.includes(name)) {
      throw new Error(`JOSE header member ${JSON.stringify(name)} is not supported`);
    }
  }
  return { alg, kid };
}

export class OidcTokenVerifier implements TokenVerifier {
  private readonly policy: FreshnessPolicy;
  private readonly discoveries = new Map<string, RefreshingDocument<Discovery>>();
  private readonly keySets = new Map<string, RefreshingDocument<PublishedKey[]>>();

  constructor(options: OidcTokenVerifierOptions = {}) {
    this.policy = freshnessPolicy(options);
  }

  async verify(token: string, expected: ExpectedIssuer): Promise<Record<string, unknown>> {
    if (typeof expected.issuer !== 'string') throw new Error('an OIDC provider has exactly one issuer');
    const issuer = expected.issuer;
    const discovery = await this.discovery(issuer);

    const parts = token.split('.');
    if (parts.length !== 3) throw new Error('oidc: malformed jwt: compact JWS format must have three parts');
    let headerBytes: Buffer;
    let payloadBytes: Buffer;
    try {
      headerBytes = decodeRawBase64Url(parts[0]);
      payloadBytes = decodeRawBase64Url(parts[1]);
      decodeRawBase64Url(parts[2]);
    } catch (err) {
      throw new Error(`oidc: malformed jwt: ${(err as Error).message}`);
    }

    let claims: Record<string, unknown>;
    let idToken;
    try {
      const payload = parseGoJson(payloadBytes);
      idToken = decodeGoOidcIdToken(payload);
      const decoded = toInterface(payload);
      claims = decoded !== null && typeof decoded === 'object' && !Array.isArray(decoded) ? (decoded as Record<string, unknown>) : {};
    } catch (err) {
      throw new Error(`oidc: failed to unmarshal claims: ${(err as Error).message}`);
    }
    if (idToken.iss !== issuer) throw new Error(`oidc: id token issued by a different provider, expected ${JSON.stringify(issuer)} got ${JSON.stringify(idToken.iss.slice(0, 200))}`);
    if (!idToken.aud.includes(expected.audience)) throw new Error(`oidc: expected audience ${JSON.stringify(expected.audience)} got ${JSON.stringify(idToken.aud.map((a) => a.slice(0, 200)).slice(0, 10))}`);
    const now = goNowSeconds(this.policy.clock());
    // Go compares with nanoseconds: an `exp` equal to the current second is already in the past.
    if (idToken.exp <= now) throw new Error('oidc: token is expired');
    if (idToken.nbf !== undefined && now + NBF_LEEWAY_SECONDS < idToken.nbf) throw new Error('oidc: current time before the nbf (not before) time');

    let header: JoseHeader;
    try {
      header = parseJoseHeader(headerBytes);
    } catch (err) {
      throw new Error(`oidc: malformed jwt: ${(err as Error).message}`);
    }
    const algorithms = discovery.algorithms.length > 0 ? discovery.algorithms : ['RS256'];
    if (!algorithms.includes(header.alg)) {
      throw new Error(`oidc: id token signed with unsupported algorithm, expected ${JSON.stringify(algorithms)} got ${JSON.stringify(header.alg.slice(0, 40))}`);
    }

    const keySet = this.keySet(discovery.jwksUri);
    const fetchKeys = <T>(fetch: Promise<T>): Promise<T> => fetch.catch((err: Error) => {
      throw new Error(`failed to verify signature: fetching keys from ${keySet.url}: ${err.message}`);
    });
    const cached = await fetchKeys(keySet.current());
    let verified = await verifyWithKeySet(token, header.alg, header.kid, cached.value);
    if (!verified) {
      // As go-oidc: keys that do not verify the token may be stale, so look at the issuer's current set.
      const fresh = await fetchKeys(keySet.fetchedSince(cached.fetchedAt + 1));
      verified = await verifyWithKeySet(token, header.alg, header.kid, fresh.value);
    }
    if (!verified) throw new Error('failed to verify signature: failed to verify id token signature');
    if (!Buffer.from(verified).equals(payloadBytes)) throw new Error('oidc: internal error, payload parsed did not match previous payload');
    return claims;
  }

  private async discovery(issuer: string): Promise<Discovery> {
    let document = this.discoveries.get(issuer);
    if (!document) {
      const url = `${issuer.endsWith('/') ? issuer.slice(0, -1) : issuer}/.well-known/openid-configuration`;
      document = new RefreshingDocument(url, parseDiscovery, this.policy);
      this.discoveries.set(issuer, document);
    }
    let discovery: Discovery;
    try {
      discovery = (await document.current()).value;
    } catch (err) {
      throw new Error(`failed to query OIDC discovery at ${document.url}: ${(err as Error).message}`);
    }
    if (discovery.issuer !== issuer) {
      throw new Error(`oidc: issuer did not match the issuer returned by provider, expected ${JSON.stringify(issuer)} got ${JSON.stringify(discovery.issuer.slice(0, 200))}`);
    }
    return discovery;
  }

  private keySet(url: string): RefreshingDocument<PublishedKey[]> {
    let keySet = this.keySets.get(url);
    if (!keySet) {
      keySet = new RefreshingDocument(url, parseKeySet, this.policy);
      this.keySets.set(url, keySet);
    }
    return keySet;
  }
}
