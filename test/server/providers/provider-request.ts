// Builds webhook requests and provider contexts the way the HTTP pipeline hands them over.
import { createHmac } from 'crypto';
import { readFileSync } from 'fs';
import type { IncomingHttpHeaders } from 'http';
import { join } from 'path';
import { providerFor, type ProviderContext, type ReceiverSecret, type TokenVerifier, type Verdict, type WebhookRequest } from '../../../server/providers';
import { GoogleIdTokenVerifier, OidcTokenVerifier } from '../../../server/verifiers';
import type { ReceiverSpec } from '../../../src/model';

export const FIXTURES = join(__dirname, '..', '..', 'fixtures', 'payloads');

/** A fixture's exact bytes. */
export function fixture(name: string): Buffer {
  return readFileSync(join(FIXTURES, name));
}

export function hmacHex(algorithm: 'sha1' | 'sha256' | 'sha512', key: string | Buffer, body: Buffer | string): string {
  return createHmac(algorithm, key).update(body).digest('hex');
}

export interface RequestOptions {
  readonly headers?: Record<string, string | string[]>;
  readonly body?: Buffer | string;
  readonly method?: string;
}

export function webhookRequest(options: RequestOptions = {}): WebhookRequest {
  const headers: IncomingHttpHeaders = {};
  for (const [name, value] of Object.entries(options.headers ?? {})) headers[name.toLowerCase()] = value;
  const body = options.body === undefined ? Buffer.from('null') : Buffer.isBuffer(options.body) ? options.body : Buffer.from(options.body, 'utf8');
  return { method: options.method ?? 'POST', headers, body };
}

// Verifiers for providers that never call them: a real implementation aimed at a closed port, so an
// unexpected call fails loudly instead of passing.
const unusedVerifiers = {
  oidc: new OidcTokenVerifier({ fetchTimeoutMs: 500 }),
  google: new GoogleIdTokenVerifier({ rs256CertsUrl: 'http://127.0.0.1:9/certs', es256CertsUrl: 'http://127.0.0.1:9/keys', fetchTimeoutMs: 500 }),
};

export interface ContextOptions {
  readonly spec?: Partial<ReceiverSpec>;
  /** Secret data as strings; `null` means the Secret (or its token) is missing. */
  readonly secret?: { token?: string; email?: string; audience?: string } | null;
  readonly verifiers?: { oidc?: TokenVerifier; google?: TokenVerifier };
}

export function providerContext(type: string, options: ContextOptions = {}): ProviderContext {
  const secretData = options.secret === undefined ? { token: 'token' } : options.secret;
  let secret: ReceiverSecret | undefined;
  if (secretData !== null) {
    secret = {
      token: secretData.token === undefined ? undefined : Buffer.from(secretData.token),
      email: secretData.email === undefined ? undefined : Buffer.from(secretData.email),
      audience: secretData.audience === undefined ? undefined : Buffer.from(secretData.audience),
    };
  }
  return {
    name: 'test-receiver',
    namespace: 'default',
    spec: { type, resources: [{ apiVersion: 'notification.toolkit.fluxcd.io/v1', kind: 'Receiver', name: 'test-resource' }], ...options.spec },
    secret,
    verifiers: { oidc: options.verifiers?.oidc ?? unusedVerifiers.oidc, google: options.verifiers?.google ?? unusedVerifiers.google },
  };
}

export async function validate(type: string, request: WebhookRequest, context: ProviderContext = providerContext(type)): Promise<Verdict> {
  const provider = providerFor(type);
  if (!provider) throw new Error(`no provider for ${type}`);
  return provider.validate(request, context);
}
