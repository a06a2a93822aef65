// Key lifecycle of the OIDC and Google verifiers against the loopback HTTPS issuer: a key removed
// from the JWKS stops verifying within the documented bound (60 s, or the issuer's shorter
// Cache-Control), a key published after the last fetch verifies on first use, and tokens naming
// unknown kids refetch at most once per refetch interval. Bounds are checked on a virtual clock
// (exact) and measured on the real one (with the bound shortened).
import { HttpsIssuer, TEST_CA } from './_https-issuer';
import { GoogleIdTokenVerifier, OidcTokenVerifier } from '../../../server/verifiers';

const AUDIENCE = 'flux';

describe('key lifecycle', () => {
  let issuer: HttpsIssuer;
  beforeEach(async () => {
    issuer = (await HttpsIssuer.start()).addKey('rsa-1', 'RS256').addKey('ec-1', 'ES256');
  });
  afterEach(() => issuer.close());

  /** A virtual clock starting at the real time. */
  const virtualClock = () => {
    let now = Date.now();
    return { clock: () => now, advance: (ms: number) => (now += ms), seconds: () => Math.floor(now / 1000) };
  };
  const token = (nowSeconds: number, kid = 'rsa-1') => issuer.sign({ iss: issuer.issuer, aud: AUDIENCE, exp: nowSeconds + 3600 }, { kid });
  const expected = () => ({ issuer: issuer.issuer, audience: AUDIENCE });

  test('a revoked key verifies from the cache until 60 s after the fetch, then is refused', async () => {
    const time = virtualClock();
    const verifier = new OidcTokenVerifier({ ca: TEST_CA, clock: time.clock });
    const signed = token(time.seconds());
    await expect(verifier.verify(signed, expected())).resolves.toMatchObject({ aud: AUDIENCE });
    issuer.revoke('rsa-1');
    time.advance(59_999);
    await expect(verifier.verify(signed, expected())).resolves.toMatchObject({ aud: AUDIENCE });
    expect(issuer.count('/keys')).toBe(1);
    time.advance(1);
    await expect(verifier.verify(signed, expected())).rejects.toThrow(/failed to verify id token signature/);
    expect(issuer.count('/keys')).toBeGreaterThanOrEqual(2);
  });

  test('Cache-Control max-age shorter than 60 s is honoured; a longer one is capped at 60 s', async () => {
    const time = virtualClock();
    issuer.cacheControl = 'public, max-age=5';
    const short = new OidcTokenVerifier({ ca: TEST_CA, clock: time.clock });
    const signed = token(time.seconds());
    await short.verify(signed, expected());
    issuer.revoke('rsa-1');
    time.advance(4_999);
    await expect(short.verify(signed, expected())).resolves.toBeDefined();
    time.advance(1);
    await expect(short.verify(signed, expected())).rejects.toThrow(/signature/);

    issuer.publish('rsa-1');
    issuer.cacheControl = 'max-age=86400';
    const long = new OidcTokenVerifier({ ca: TEST_CA, clock: time.clock });
    await long.verify(signed, expected());
    issuer.revoke('rsa-1');
    time.advance(59_999);
    await expect(long.verify(signed, expected())).resolves.toBeDefined();
    time.advance(1);
    await expect(long.verify(signed, expected())).rejects.toThrow(/signature/);
  });

  test('Cache-Control max-age minus Age sets the reuse time; a redirected jwks_uri is followed', async () => {
    const time = virtualClock();
    issuer.cacheControl = 'max-age=10';
    issuer.age = '7';
    issuer.redirectJwks = true;
    const verifier = new OidcTokenVerifier({ ca: TEST_CA, clock: time.clock });
    const signed = token(time.seconds());
    await expect(verifier.verify(signed, expected())).resolves.toBeDefined();
    expect(issuer.count('/moved-keys')).toBe(1);
    expect(issuer.count('/keys')).toBe(1);
    issuer.revoke('rsa-1');
    time.advance(2_999);
    await expect(verifier.verify(signed, expected())).resolves.toBeDefined();
    time.advance(1);
    await expect(verifier.verify(signed, expected())).rejects.toThrow(/signature/);
  });

  test('Cache-Control no-cache: keys are reused for the refetch interval only (1 s)', async () => {
    const time = virtualClock();
    issuer.cacheControl = 'no-cache';
    const verifier = new OidcTokenVerifier({ ca: TEST_CA, clock: time.clock });
    const signed = token(time.seconds());
    await verifier.verify(signed, expected());
    issuer.revoke('rsa-1');
    time.advance(999);
    await expect(verifier.verify(signed, expected())).resolves.toBeDefined();
    time.advance(1);
    await expect(verifier.verify(signed, expected())).rejects.toThrow(/signature/);
  });

  // On the real clock the bounds are only reported: the virtual-clock tests above check them exactly.
  test('real clock: with a 1 s bound, a revoked key is refused, and no request starting after the bound is accepted', async () => {
    const verifier = new OidcTokenVerifier({ ca: TEST_CA, keyMaxAgeMs: 1_000, refetchIntervalMs: 100 });
    const signed = token(Math.floor(Date.now() / 1000));
    await verifier.verify(signed, expected());
    const revokedAt = Date.now();
    issuer.revoke('rsa-1');
    // Start times (relative to the revocation) of the last accepted and the first refused request.
    let lastAccepted = -1;
    let firstRefused = -1;
    while (Date.now() - revokedAt < 5_000) {
      const started = Date.now() - revokedAt;
      const ok = await verifier.verify(signed, expected()).then(() => true, () => false);
      if (!ok) {
        firstRefused = started;
        break;
      }
      lastAccepted = started;
      await new Promise((resolve) => setTimeout(resolve, 20));
    }
    process.stdout.write(`revoked key: last accepted request started ${lastAccepted} ms, first refused ${firstRefused} ms after the revocation (keyMaxAgeMs=1000)\n`);
    expect(firstRefused).toBeGreaterThanOrEqual(0);
    expect(lastAccepted).toBeLessThan(1_000);
  });

  test('real clock: a key published after the last fetch verifies on first use, with one more fetch of the keys', async () => {
    const verifier = new OidcTokenVerifier({ ca: TEST_CA });
    const now = Math.floor(Date.now() / 1000);
    await verifier.verify(token(now), expected());
    issuer.addKey('rsa-2', 'RS256');
    const start = Date.now();
    await expect(verifier.verify(token(now, 'rsa-2'), expected())).resolves.toMatchObject({ aud: AUDIENCE });
    const took = Date.now() - start;
    process.stdout.write(`new key accepted after ${took} ms\n`);
    expect(issuer.count('/keys')).toBe(2);
  });

  test('rotation: the new key verifies at once, and the refetch it causes also drops the old key', async () => {
    const verifier = new OidcTokenVerifier({ ca: TEST_CA });
    const now = Math.floor(Date.now() / 1000);
    const old = token(now);
    await verifier.verify(old, expected());
    issuer.rotate('rsa-1', 'ec-2', 'ES256');
    await expect(verifier.verify(token(now, 'ec-2'), expected())).resolves.toMatchObject({ aud: AUDIENCE });
    await expect(verifier.verify(old, expected())).rejects.toThrow(/failed to verify id token signature/);
  });

  test('tokens with random kids share one rate-limited refetch', async () => {
    const verifier = new OidcTokenVerifier({ ca: TEST_CA });
    const now = Math.floor(Date.now() / 1000);
    await verifier.verify(token(now), expected());
    issuer.addKey('unpublished', 'RS256', false);
    const unknown = (i: number) => issuer.signRaw(JSON.stringify({ alg: 'RS256', kid: `random-${i}` }), JSON.stringify({ iss: issuer.issuer, aud: AUDIENCE, exp: now + 600 }), 'unpublished');
    const results = await Promise.allSettled(Array.from({ length: 50 }, (_, i) => verifier.verify(unknown(i), expected())));
    expect(results.every((r) => r.status === 'rejected')).toBe(true);
    expect(issuer.count('/keys')).toBe(2);
    // A second wave right after waits for the interval and again shares one fetch.
    const second = await Promise.allSettled(Array.from({ length: 50 }, (_, i) => verifier.verify(unknown(100 + i), expected())));
    expect(second.every((r) => r.status === 'rejected')).toBe(true);
    expect(issuer.count('/keys')).toBe(3);
    expect(issuer.count('/.well-known/openid-configuration')).toBe(1);
  });

  test('gcr Google keys: revoked within 60 s, new kid fetched at once', async () => {
    const time = virtualClock();
    const google = new GoogleIdTokenVerifier({ ca: TEST_CA, clock: time.clock, rs256CertsUrl: issuer.keysUrl('rsa'), es256CertsUrl: issuer.keysUrl('ec') });
    const claims = () => ({ iss: 'https://accounts.google.com', aud: AUDIENCE, exp: time.seconds() + 3600 });
    const expectedGoogle = { issuer: ['accounts.google.com', 'https://accounts.google.com'], audience: AUDIENCE };
    const signed = issuer.sign(claims());
    await expect(google.verify(signed, expectedGoogle)).resolves.toMatchObject({ aud: AUDIENCE });
    issuer.revoke('rsa-1');
    time.advance(59_999);
    await expect(google.verify(signed, expectedGoogle)).resolves.toBeDefined();
    time.advance(1);
    await expect(google.verify(signed, expectedGoogle)).rejects.toThrow(/could not find matching cert keyId/);

    issuer.addKey('rsa-2', 'RS256');
    await expect(google.verify(issuer.sign(claims(), { kid: 'rsa-2' }), expectedGoogle)).resolves.toBeDefined();
    // The ES256 set is a separate URL with its own cache.
    await expect(google.verify(issuer.sign(claims(), { kid: 'ec-1' }), expectedGoogle)).resolves.toBeDefined();
    expect(issuer.count('/keys/ec')).toBe(1);
  });
});
