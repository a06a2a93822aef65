// A loopback HTTPS OIDC issuer for the verifier tests: certificate from a private CA
// (fixtures/loopback-tls), discovery document, JWKS with RSA and EC keys that tests publish, rotate
// and revoke, a settable `Cache-Control`, and a request log. Tokens are signed over exact header
// and payload bytes, so tests can craft what JWT libraries refuse to produce (duplicate names,
// values of the wrong type, numbers beyond int64, invalid UTF-8).
import { generateKeyPairSync, sign, type KeyObject } from 'crypto';
import { readFileSync } from 'fs';
import { createServer, type Server } from 'https';
import type { AddressInfo } from 'net';
import { join } from 'path';

const TLS_DIR = join(__dirname, 'fixtures', 'loopback-tls');
export const TEST_CA = readFileSync(join(TLS_DIR, 'ca.pem'), 'utf8');

export type SigningAlg = 'RS256' | 'ES256';

interface IssuerKey {
  readonly kid: string;
  readonly alg: SigningAlg;
  readonly privateKey: KeyObject;
  readonly publicJwk: Record<string, unknown>;
}

export interface RawSignOptions {
  readonly kid?: string;
  /** Header `alg` value written (default: the key's algorithm). */
  readonly alg?: string;
  /** Omit `kid` from the header. */
  readonly noKid?: boolean;
}

export const b64url = (bytes: Buffer | string): string => Buffer.from(bytes).toString('base64url');

export class HttpsIssuer {
  static async start(path = ''): Promise<HttpsIssuer> {
    const issuer = new HttpsIssuer(path);
    await issuer.listen();
    return issuer;
  }

  readonly requests: string[] = [];
  /** `Cache-Control` sent with the JWKS and discovery document; undefined sends none. */
  cacheControl: string | undefined;
  /** `Age` sent with the JWKS and discovery document; undefined sends none. */
  age: string | undefined;
  /** Advertise `<issuer>/moved-keys` as `jwks_uri`, which redirects (302, relative) to `/keys`. */
  redirectJwks = false;
  algorithmsSupported: string[] | undefined = ['RS256', 'ES256'];
  /** Extra members merged into every published JWK (e.g. `use`, `alg`, `key_ops`). */
  jwkExtras: Record<string, unknown> = {};
  /** Raw entries appended to the JWKS `keys`. */
  extraJwks: Array<Record<string, unknown>> = [];
  private readonly keys = new Map<string, IssuerKey>();
  private published: string[] = [];
  /** Keys published under another kid (duplicates, decoys). */
  private readonly aliases: Array<{ kid: string; of: string }> = [];
  private server?: Server;
  private port = 0;

  private constructor(private readonly path: string) {}

  get issuer(): string {
    return `https://127.0.0.1:${this.port}${this.path}`;
  }

  get jwksUrl(): string {
    return `${this.issuer}/keys`;
  }

  /** JWKS with only the RSA (`/keys/rsa`) or EC (`/keys/ec`) keys, as Google splits them. */
  keysUrl(kind: 'rsa' | 'ec'): string {
    return `${this.issuer}/keys/${kind}`;
  }

  /** Creates a key; published unless `publish` is false. */
  addKey(kid: string, alg: SigningAlg, publish = true): this {
    const { privateKey, publicKey } = alg === 'RS256'
      ? generateKeyPairSync('rsa', { modulusLength: 2048 })
      : generateKeyPairSync('ec', { namedCurve: 'P-256' });
    this.keys.set(kid, { kid, alg, privateKey, publicJwk: publicKey.export({ format: 'jwk' }) as Record<string, unknown> });
    if (publish) this.publish(kid);
    return this;
  }

  publish(kid: string): this {
    if (!this.published.includes(kid)) this.published.push(kid);
    return this;
  }

  /** Removes the key from the JWKS (it can still sign). */
  revoke(kid: string): this {
    this.published = this.published.filter((k) => k !== kid);
    return this;
  }

  /** Key rotation: publishes a new key `to` and withdraws `from`. */
  rotate(from: string, to: string, alg: SigningAlg): this {
    return this.addKey(to, alg).revoke(from);
  }

  /** Publishes the public key of `of` under `kid` as well, placed first. */
  alias(kid: string, of: string): this {
    this.aliases.unshift({ kid, of });
    return this;
  }

  count(suffix: string): number {
    return this.requests.filter((p) => p === `${this.path}${suffix}`).length;
  }

  jwks(filter?: 'rsa' | 'ec'): { keys: Array<Record<string, unknown>> } {
    const entries = [
      ...this.aliases.map(({ kid, of }) => ({ kid, key: this.keys.get(of)! })),
      ...this.published.map((kid) => ({ kid, key: this.keys.get(kid)! })),
    ];
    return {
      keys: entries
        .filter(({ key }) => !filter || (filter === 'rsa') === (key.alg === 'RS256'))
        .map(({ kid, key }): Record<string, unknown> => ({ ...key.publicJwk, kid, ...this.jwkExtras }))
        .concat(this.extraJwks),
    };
  }

  /** Signs exact header and payload JSON text with the key `kid` (default: the first key). */
  signRaw(headerJson: string, payloadJson: string | Buffer, kid?: string): string {
    const key = kid ? this.keys.get(kid) : this.keys.values().next().value;
    if (!key) throw new Error(`no key ${kid}`);
    const input = `${b64url(headerJson)}.${b64url(payloadJson)}`;
    const signature = key.alg === 'RS256'
      ? sign('sha256', Buffer.from(input), key.privateKey)
      : sign('sha256', Buffer.from(input), { key: key.privateKey, dsaEncoding: 'ieee-p1363' });
    return `${input}.${b64url(signature)}`;
  }

  /** A token over `claims` (JSON object text or value) with a header naming the key. */
  sign(claims: Record<string, unknown> | string | Buffer, options: RawSignOptions = {}): string {
    const kid = options.kid ?? this.keys.keys().next().value!;
    const key = this.keys.get(kid);
    if (!key) throw new Error(`no key ${kid}`);
    const header = options.noKid ? { alg: options.alg ?? key.alg, typ: 'JWT' } : { alg: options.alg ?? key.alg, kid, typ: 'JWT' };
    const payload = typeof claims === 'string' || Buffer.isBuffer(claims) ? claims : JSON.stringify(claims);
    return this.signRaw(JSON.stringify(header), payload, kid);
  }

  async close(): Promise<void> {
    await new Promise<void>((resolve) => (this.server ? this.server.close(() => resolve()) : resolve()));
  }

  private async listen(): Promise<void> {
    this.server = createServer({ cert: readFileSync(join(TLS_DIR, 'server.pem')), key: readFileSync(join(TLS_DIR, 'server-key.pem')) }, (req, res) => {
      const path = (req.url ?? '/').split('?')[0];
      this.requests.push(path);
      let body: unknown;
      if (path === `${this.path}/.well-known/openid-configuration`) {
        body = { issuer: this.issuer, jwks_uri: this.redirectJwks ? `${this.issuer}/moved-keys` : this.jwksUrl, response_types_supported: ['id_token'], subject_types_supported: ['public'], id_token_signing_alg_values_supported: this.algorithmsSupported };
      } else if (path === `${this.path}/keys`) {
        body = this.jwks();
      } else if (path === `${this.path}/keys/rsa` || path === `${this.path}/keys/ec`) {
        body = this.jwks(path.endsWith('rsa') ? 'rsa' : 'ec');
      }
      if (path === `${this.path}/moved-keys`) {
        res.writeHead(302, { location: `${this.path}/keys` }).end();
        return;
      }
      if (body === undefined) {
        res.writeHead(404).end();
        return;
      }
      res.writeHead(200, { 'content-type': 'application/json', ...(this.cacheControl ? { 'cache-control': this.cacheControl } : {}), ...(this.age ? { age: this.age } : {}) }).end(JSON.stringify(body));
    });
    // Verifiers keep connections alive; do not let them hold the server open after a test.
    this.server.keepAliveTimeout = 100;
    await new Promise<void>((resolve) => this.server!.listen(0, '127.0.0.1', resolve));
    this.port = (this.server!.address() as AddressInfo).port;
  }
}
