// Loopback stand-ins for third parties that cannot run here, speaking their real wire formats:
// an OIDC issuer (discovery document + JWKS, RSA-2048 key `test-key`, RS256) and Google's two
// public key endpoints (OAuth2 RS256 certs, IAP ES256 keys). Tokens are signed with jose.
import { createServer, type Server } from 'http';
import type { AddressInfo } from 'net';
import { exportJWK, generateKeyPair, SignJWT, type JWK, type JWTPayload } from 'jose';

type KeyPair = Awaited<ReturnType<typeof generateKeyPair>>;

export interface SignOptions {
  readonly kid?: string;
  readonly alg?: string;
  /** Sign with a key the server does not publish (bad signature). */
  readonly foreignKey?: boolean;
}

abstract class LoopbackKeyServer {
  readonly requests: string[] = [];
  protected server?: Server;
  protected port = 0;

  get origin(): string {
    return `http://127.0.0.1:${this.port}`;
  }

  protected async listen(routes: (path: string) => unknown): Promise<void> {
    this.server = createServer((req, res) => {
      const path = (req.url ?? '/').split('?')[0];
      this.requests.push(path);
      const body = routes(path);
      if (body === undefined) {
        res.writeHead(404).end();
        return;
      }
      res.writeHead(200, { 'content-type': 'application/json' }).end(JSON.stringify(body));
    });
    await new Promise<void>((resolve) => this.server!.listen(0, '127.0.0.1', resolve));
    this.port = (this.server!.address() as AddressInfo).port;
  }

  count(path: string): number {
    return this.requests.filter((p) => p === path).length;
  }

  async close(): Promise<void> {
    await new Promise<void>((resolve, reject) => this.server?.close((err) => (err ? reject(err) : resolve())) ?? resolve());
  }
}

async function publicJwk(pair: KeyPair, kid: string, alg: string): Promise<JWK> {
  return { ...(await exportJWK(pair.publicKey)), kid, alg, use: 'sig' };
}

export class FakeOidcIssuer extends LoopbackKeyServer {
  static async start(path = ''): Promise<FakeOidcIssuer> {
    const issuer = new FakeOidcIssuer();
    issuer.key = await generateKeyPair('RS256', { modulusLength: 2048, extractable: true });
    issuer.foreign = await generateKeyPair('RS256', { modulusLength: 2048, extractable: true });
    const jwk = await publicJwk(issuer.key, 'test-key', 'RS256');
    await issuer.listen((p) => {
      if (p === `${path}/.well-known/openid-configuration`) {
        return {
          issuer: issuer.discoveryIssuer ?? issuer.issuer,
          jwks_uri: `${issuer.origin}${path}/keys`,
          response_types_supported: ['id_token'],
          subject_types_supported: ['public'],
          id_token_signing_alg_values_supported: issuer.algorithmsSupported,
        };
      }
      if (p === `${path}/keys`) return { keys: [jwk] };
      return undefined;
    });
    issuer.issuerPath = path;
    return issuer;
  }

  /** Override what the discovery document claims as issuer. */
  discoveryIssuer?: string;
  algorithmsSupported: string[] | undefined = ['RS256'];
  private key!: KeyPair;
  private foreign!: KeyPair;
  private issuerPath = '';

  get issuer(): string {
    return `${this.origin}${this.issuerPath}`;
  }

  async sign(claims: JWTPayload, options: SignOptions = {}): Promise<string> {
    const now = Math.floor(Date.now() / 1000);
    return new SignJWT({ iss: this.issuer, iat: now, exp: now + 600, ...claims })
      .setProtectedHeader({ alg: options.alg ?? 'RS256', kid: options.kid ?? 'test-key', typ: 'JWT' })
      .sign(options.foreignKey ? this.foreign.privateKey : this.key.privateKey);
  }
}

export class FakeGoogleCerts extends LoopbackKeyServer {
  static readonly RS256_PATH = '/oauth2/v3/certs';
  static readonly ES256_PATH = '/iap/verify/public_key-jwk';

  static async start(): Promise<FakeGoogleCerts> {
    const google = new FakeGoogleCerts();
    google.rsa = await generateKeyPair('RS256', { modulusLength: 2048, extractable: true });
    google.ec = await generateKeyPair('ES256', { extractable: true });
    google.foreign = await generateKeyPair('RS256', { modulusLength: 2048, extractable: true });
    // Google publishes several keys; the token's kid picks one.
    const other = await generateKeyPair('RS256', { modulusLength: 2048, extractable: true });
    const rsaKeys = [await publicJwk(other, 'google-other', 'RS256'), await publicJwk(google.rsa, 'google-rsa', 'RS256')];
    const ecKeys = [await publicJwk(google.ec, 'google-ec', 'ES256')];
    await google.listen((p) => {
      if (p === FakeGoogleCerts.RS256_PATH) return { keys: rsaKeys };
      if (p === FakeGoogleCerts.ES256_PATH) return { keys: ecKeys };
      return undefined;
    });
    return google;
  }

  private rsa!: KeyPair;
  private ec!: KeyPair;
  private foreign!: KeyPair;

  get rs256CertsUrl(): string {
    return `${this.origin}${FakeGoogleCerts.RS256_PATH}`;
  }

  get es256CertsUrl(): string {
    return `${this.origin}${FakeGoogleCerts.ES256_PATH}`;
  }

  /** A Pub/Sub push token: iss accounts.google.com, email of the push service account, verified. */
  async sign(claims: JWTPayload, options: SignOptions = {}): Promise<string> {
    const now = Math.floor(Date.now() / 1000);
    const alg = options.alg ?? 'RS256';
    const key = options.foreignKey ? this.foreign : alg === 'ES256' ? this.ec : this.rsa;
    return new SignJWT({ iss: 'https://accounts.google.com', iat: now, exp: now + 3600, sub: '1234567890', ...claims })
      .setProtectedHeader({ alg, kid: options.kid ?? (alg === 'ES256' ? 'google-ec' : 'google-rsa'), typ: 'JWT' })
      .sign(key.privateKey);
  }
}
