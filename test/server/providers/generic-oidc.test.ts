// generic-oidc provider with a real RSA-2048 issuer on loopback (Flux's receiver_oidc_test.go, see docs/flux-behaviour.md).
import { providerContext, validate, webhookRequest } from './provider-request';
import { unverifiedTokenIssuer } from '../../../server/providers';
import { OidcTokenVerifier } from '../../../server/verifiers';
import type { OidcProviderSpec } from '../../../src/model';
import { FakeOidcIssuer } from '../verifiers/fake-key-servers';

describe('generic-oidc', () => {
  let issuer: FakeOidcIssuer;
  let other: FakeOidcIssuer;
  const verifier = new OidcTokenVerifier();
  beforeAll(async () => {
    issuer = await FakeOidcIssuer.start();
    other = await FakeOidcIssuer.start('/other');
  });
  afterAll(async () => {
    await issuer.close();
    await other.close();
  });

  const provider = (overrides: Partial<OidcProviderSpec> = {}): OidcProviderSpec => ({
    issuerURL: issuer.issuer,
    audience: 'flux',
    validations: [{ expression: "claims.repository == 'org/app'", message: 'wrong repo' }],
    ...overrides,
  });
  const context = (providers: OidcProviderSpec[] = [provider()]) =>
    providerContext('generic-oidc', { secret: null, spec: { oidcProviders: providers }, verifiers: { oidc: verifier } });
  const bearer = (token: string) => webhookRequest({ headers: { Authorization: `Bearer ${token}` } });

  test('valid token passes and returns the claims', async () => {
    const token = await issuer.sign({ aud: 'flux', sub: 'repo:org/app:ref:refs/heads/main', repository: 'org/app' });
    const verdict = await validate('generic-oidc', bearer(token), context());
    expect(verdict).toMatchObject({ ok: true, claims: { sub: 'repo:org/app:ref:refs/heads/main', repository: 'org/app', iss: issuer.issuer } });
    expect(verdict.ok && verdict.description).toContain(issuer.issuer);
  });

  test('missing Authorization header', async () => {
    expect(await validate('generic-oidc', webhookRequest(), context())).toMatchObject({ ok: false, reason: expect.stringContaining('Authorization header is missing') });
  });

  test('Bearer not-a-jwt: parse bearer token', async () => {
    expect(await validate('generic-oidc', bearer('not-a-jwt'), context())).toMatchObject({ ok: false, reason: expect.stringMatching(/parse bearer token/) });
  });

  test.each(['Basic abc', 'bearer abc', 'Bearer ', 'Bearer    '])('Authorization %j is refused', async (authorization) => {
    expect((await validate('generic-oidc', webhookRequest({ headers: { Authorization: authorization } }), context())).ok).toBe(false);
  });

  test('token from another issuer: no oidcProvider configured', async () => {
    const token = await other.sign({ aud: 'flux', repository: 'org/app' });
    expect(await validate('generic-oidc', bearer(token), context())).toMatchObject({ ok: false, reason: expect.stringMatching(/no oidcProvider configured for issuer/) });
  });

  test('the provider entry is chosen by the exact issuer', async () => {
    const token = await other.sign({ aud: 'flux', repository: 'org/app' });
    expect((await validate('generic-oidc', bearer(token), context([provider(), provider({ issuerURL: other.issuer })]))).ok).toBe(true);
  });

  test('wrong aud: verify OIDC token', async () => {
    const token = await issuer.sign({ aud: 'not-flux', repository: 'org/app' });
    expect(await validate('generic-oidc', bearer(token), context())).toMatchObject({ ok: false, reason: expect.stringMatching(/verify OIDC token/) });
  });

  test('the default audience is notification-controller', async () => {
    const token = await issuer.sign({ aud: 'notification-controller', repository: 'org/app' });
    expect((await validate('generic-oidc', bearer(token), context([provider({ audience: undefined })]))).ok).toBe(true);
    const fluxAud = await issuer.sign({ aud: 'flux', repository: 'org/app' });
    expect((await validate('generic-oidc', bearer(fluxAud), context([provider({ audience: undefined })]))).ok).toBe(false);
  });

  test('expired: verify OIDC token', async () => {
    const now = Math.floor(Date.now() / 1000);
    const token = await issuer.sign({ aud: 'flux', repository: 'org/app', iat: now - 600, exp: now - 60 });
    expect(await validate('generic-oidc', bearer(token), context())).toMatchObject({ ok: false, reason: expect.stringMatching(/verify OIDC token/) });
  });

  test('unknown kid and bad signature are refused', async () => {
    for (const options of [{ kid: 'other-key' }, { foreignKey: true }]) {
      const token = await issuer.sign({ aud: 'flux', repository: 'org/app' }, options);
      expect(await validate('generic-oidc', bearer(token), context())).toMatchObject({ ok: false, reason: expect.stringMatching(/verify OIDC token/) });
    }
  });

  test('two failing validations: "wrong repo; wrong environment"', async () => {
    const token = await issuer.sign({ aud: 'flux', repository: 'org/other', environment: 'staging' });
    const spec = provider({
      validations: [
        { expression: "claims.repository == 'org/app'", message: 'wrong repo' },
        { expression: "claims.environment == 'production'", message: 'wrong environment' },
      ],
    });
    expect(await validate('generic-oidc', bearer(token), context([spec]))).toMatchObject({ ok: false, reason: 'token validation failed: wrong repo; wrong environment' });
  });

  test('variables resolve before validations', async () => {
    const spec = provider({
      variables: [{ name: 'owner', expression: "claims.repository.split('/')[0]" }],
      validations: [{ expression: "vars.owner == 'org'", message: 'wrong owner' }],
    });
    const good = await issuer.sign({ aud: 'flux', repository: 'org/app' });
    expect((await validate('generic-oidc', bearer(good), context([spec]))).ok).toBe(true);
    const bad = await issuer.sign({ aud: 'flux', repository: 'evil/app' });
    expect(await validate('generic-oidc', bearer(bad), context([spec]))).toMatchObject({ ok: false, reason: 'token validation failed: wrong owner' });
  });

  test('a receiver without providers is refused', async () => {
    expect(await validate('generic-oidc', bearer(await issuer.sign({ aud: 'flux' })), context([])))
      .toMatchObject({ ok: false, reason: 'generic-oidc receiver has no oidcProviders configured' });
  });

  test('an invalid CEL configuration is reported as such', async () => {
    const token = await issuer.sign({ aud: 'flux', repository: 'org/app' });
    const verdict = await validate('generic-oidc', bearer(token), context([provider({ validations: [{ expression: "'text'", message: 'm' }] })]));
    expect(verdict).toMatchObject({ ok: false, reason: expect.stringMatching(/^invalid oidcProvider configuration for issuer .*expected bool, got string/) });
  });

  test('no Secret is needed; events are ignored', async () => {
    const token = await issuer.sign({ aud: 'flux', repository: 'org/app' });
    const ctx = providerContext('generic-oidc', { secret: null, spec: { events: ['push'], oidcProviders: [provider()] }, verifiers: { oidc: verifier } });
    expect((await validate('generic-oidc', bearer(token), ctx)).ok).toBe(true);
  });
});

describe('unverifiedTokenIssuer', () => {
  test('the iss key matches case-insensitively, like Go', () => {
    expect(unverifiedTokenIssuer(`h.${Buffer.from('{"ISS":"https://example.com"}').toString('base64url')}.s`)).toBe('https://example.com');
  });

  test('header.<b64url({"iss":"https://example.com"})>.sig', () => {
    const payload = Buffer.from(JSON.stringify({ iss: 'https://example.com' })).toString('base64url');
    expect(unverifiedTokenIssuer(`header.${payload}.sig`)).toBe('https://example.com');
  });

  test.each([
    'not-a-jwt',
    'a.b',
    'a.b.c.d',
    `h.${Buffer.from('{"iss":"https://example.com"}').toString('base64')}.s`, // padded base64 is refused
    `h.${Buffer.from('{"sub":"x"}').toString('base64url')}.s`,
    `h.${Buffer.from('{"iss":""}').toString('base64url')}.s`,
    `h.${Buffer.from('{"iss":5}').toString('base64url')}.s`,
    `h.${Buffer.from('not json').toString('base64url')}.s`,
    `h.${Buffer.from('null').toString('base64url')}.s`,
    `h.${Buffer.from('["https://example.com"]').toString('base64url')}.s`,
  ])('%s ⇒ error', (token) => {
    expect(() => unverifiedTokenIssuer(token)).toThrow(Error);
  });
});
