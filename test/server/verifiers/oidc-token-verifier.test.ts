// OidcTokenVerifier against a real RSA-2048 issuer on loopback (Flux's receiver_oidc_test.go, see docs/flux-behaviour.md).
import { FakeOidcIssuer } from './fake-key-servers';
import { OidcTokenVerifier } from '../../../server/verifiers';

describe('OidcTokenVerifier', () => {
  let issuer: FakeOidcIssuer;
  let other: FakeOidcIssuer;
  beforeAll(async () => {
    issuer = await FakeOidcIssuer.start();
    other = await FakeOidcIssuer.start('/realms/other');
  });
  afterAll(async () => {
    await issuer.close();
    await other.close();
  });
  beforeEach(() => {
    issuer.discoveryIssuer = undefined;
    issuer.algorithmsSupported = ['RS256'];
  });

  const expected = () => ({ issuer: issuer.issuer, audience: 'flux' });

  test('valid token: claims returned', async () => {
    const token = await issuer.sign({ aud: 'flux', sub: 'repo:org/app:ref:refs/heads/main', repository: 'org/app' });
    const claims = await new OidcTokenVerifier().verify(token, expected());
    expect(claims).toMatchObject({ iss: issuer.issuer, sub: 'repo:org/app:ref:refs/heads/main', repository: 'org/app' });
  });

  test('audience may be one entry of an array', async () => {
    const token = await issuer.sign({ aud: ['other', 'flux'] });
    await expect(new OidcTokenVerifier().verify(token, expected())).resolves.toMatchObject({ aud: ['other', 'flux'] });
  });

  test('issuer with a path: discovery under the path', async () => {
    const token = await other.sign({ aud: 'flux' });
    await expect(new OidcTokenVerifier().verify(token, { issuer: other.issuer, audience: 'flux' })).resolves.toMatchObject({ iss: other.issuer });
    expect(other.count('/realms/other/.well-known/openid-configuration')).toBe(1);
  });

  test('wrong audience is rejected', async () => {
    const token = await issuer.sign({ aud: 'someone-else' });
    await expect(new OidcTokenVerifier().verify(token, expected())).rejects.toThrow(/aud/);
  });

  test('token from another issuer is rejected', async () => {
    const token = await other.sign({ aud: 'flux' });
    await expect(new OidcTokenVerifier().verify(token, expected())).rejects.toThrow(/iss|signature/);
  });

  test('discovery document with a different issuer is rejected', async () => {
    issuer.discoveryIssuer = `${issuer.issuer}/`;
    const token = await issuer.sign({ aud: 'flux' });
    await expect(new OidcTokenVerifier().verify(token, expected())).rejects.toThrow(/issuer did not match/);
  });

  test('expired token is rejected (no leeway on exp)', async () => {
    const now = Math.floor(Date.now() / 1000);
    const token = await issuer.sign({ aud: 'flux', iat: now - 120, exp: now - 1 });
    await expect(new OidcTokenVerifier().verify(token, expected())).rejects.toThrow(/expired/);
  });

  test('nbf up to five minutes in the future is tolerated, beyond is not', async () => {
    const now = Math.floor(Date.now() / 1000);
    const soon = await issuer.sign({ aud: 'flux', nbf: now + 240 });
    await expect(new OidcTokenVerifier().verify(soon, expected())).resolves.toBeDefined();
    const later = await issuer.sign({ aud: 'flux', nbf: now + 600 });
    await expect(new OidcTokenVerifier().verify(later, expected())).rejects.toThrow(/nbf|not active/);
  });

  test('unknown kid is rejected', async () => {
    const token = await issuer.sign({ aud: 'flux' }, { kid: 'rotated-away' });
    await expect(new OidcTokenVerifier().verify(token, expected())).rejects.toThrow(/failed to verify id token signature/);
  });

  test('bad signature is rejected', async () => {
    const token = await issuer.sign({ aud: 'flux' }, { foreignKey: true });
    await expect(new OidcTokenVerifier().verify(token, expected())).rejects.toThrow(/signature/);
  });

  test('tampered payload is rejected', async () => {
    const token = await issuer.sign({ aud: 'flux', repository: 'org/app' });
    const [h, , s] = token.split('.');
    const forged = Buffer.from(JSON.stringify({ iss: issuer.issuer, aud: 'flux', exp: Math.floor(Date.now() / 1000) + 60, repository: 'org/evil' })).toString('base64url');
    await expect(new OidcTokenVerifier().verify(`${h}.${forged}.${s}`, expected())).rejects.toThrow(/signature/);
  });

  test('an algorithm the issuer does not advertise is rejected', async () => {
    issuer.algorithmsSupported = ['ES256'];
    const token = await issuer.sign({ aud: 'flux' });
    await expect(new OidcTokenVerifier().verify(token, expected())).rejects.toThrow(/unsupported algorithm/);
  });

  test('no advertised algorithms means RS256 only', async () => {
    issuer.algorithmsSupported = undefined;
    const token = await issuer.sign({ aud: 'flux' });
    await expect(new OidcTokenVerifier().verify(token, expected())).resolves.toBeDefined();
  });

  test('malformed tokens are rejected with an error, not a crash', async () => {
    const verifier = new OidcTokenVerifier();
    for (const bad of ['not-a-jwt', 'a.b.c', '', '....']) {
      await expect(verifier.verify(bad, expected())).rejects.toThrow(Error);
    }
  });

  test('an unreachable issuer fails with a discovery error naming the URL', async () => {
    const verifier = new OidcTokenVerifier({ fetchTimeoutMs: 2000 });
    await expect(verifier.verify(await issuer.sign({ aud: 'flux' }), { issuer: 'http://127.0.0.1:9', audience: 'flux' }))
      .rejects.toThrow(/openid-configuration/);
  });

  test('error messages never contain the token', async () => {
    const token = await issuer.sign({ aud: 'someone-else' });
    const error = await new OidcTokenVerifier().verify(token, expected()).catch((err: Error) => err);
    expect(String((error as Error).message)).not.toContain(token.split('.')[2]);
  });
});
