// GoogleIdTokenVerifier against a loopback stand-in for Google's certificate endpoints.
import { FakeGoogleCerts } from './fake-key-servers';
import { GoogleIdTokenVerifier } from '../../../server/verifiers';

const AUDIENCE = 'https://flux-webhook.example.com/hook/6d6c55e9affb9d1e0d101ce604ae4270880ec1ff24d1bd2d928fcd64243d21a4';
const ISSUERS = ['accounts.google.com', 'https://accounts.google.com'];

describe('GoogleIdTokenVerifier', () => {
  let google: FakeGoogleCerts;
  let verifier: GoogleIdTokenVerifier;
  beforeAll(async () => {
    google = await FakeGoogleCerts.start();
    verifier = new GoogleIdTokenVerifier({ rs256CertsUrl: google.rs256CertsUrl, es256CertsUrl: google.es256CertsUrl });
  });
  afterAll(() => google.close());

  const expected = { issuer: ISSUERS, audience: AUDIENCE };

  test('RS256 token from the OAuth2 certs', async () => {
    const token = await google.sign({ aud: AUDIENCE, email: 'push@project.iam.gserviceaccount.com', email_verified: true });
    await expect(verifier.verify(token, expected)).resolves.toMatchObject({ email: 'push@project.iam.gserviceaccount.com', email_verified: true });
  });

  test('ES256 token from the IAP keys', async () => {
    const token = await google.sign({ aud: AUDIENCE }, { alg: 'ES256' });
    await expect(verifier.verify(token, expected)).resolves.toMatchObject({ aud: AUDIENCE });
  });

  test('both Google issuer spellings are accepted', async () => {
    const token = await google.sign({ aud: AUDIENCE, iss: 'accounts.google.com' });
    await expect(verifier.verify(token, expected)).resolves.toMatchObject({ iss: 'accounts.google.com' });
  });

  test('another issuer is rejected', async () => {
    const token = await google.sign({ aud: AUDIENCE, iss: 'https://evil.example.com' });
    await expect(verifier.verify(token, expected)).rejects.toThrow(/iss/);
  });

  test('wrong audience is rejected and the message names the token audience', async () => {
    const token = await google.sign({ aud: 'https://elsewhere.example.com/push' });
    await expect(verifier.verify(token, expected)).rejects.toThrow(/does not match.*elsewhere\.example\.com/);
  });

  test('an audience array is rejected (Google requires a string)', async () => {
    const token = await google.sign({ aud: [AUDIENCE] });
    await expect(verifier.verify(token, expected)).rejects.toThrow(/cannot unmarshal array into Go struct field \.aud of type string/);
  });

  test('expired token is rejected', async () => {
    const now = Math.floor(Date.now() / 1000);
    const token = await google.sign({ aud: AUDIENCE, iat: now - 7200, exp: now - 5 });
    await expect(verifier.verify(token, expected)).rejects.toThrow(/exp/);
  });

  test('unknown kid is rejected', async () => {
    const token = await google.sign({ aud: AUDIENCE }, { kid: 'not-published' });
    await expect(verifier.verify(token, expected)).rejects.toThrow(/could not find matching cert keyId/);
  });

  test('a key published for the other algorithm is not used (kid + alg select the key)', async () => {
    const token = await google.sign({ aud: AUDIENCE }, { kid: 'google-other' });
    await expect(verifier.verify(token, expected)).rejects.toThrow(/signature/);
  });

  test('bad signature is rejected', async () => {
    const token = await google.sign({ aud: AUDIENCE }, { foreignKey: true });
    await expect(verifier.verify(token, expected)).rejects.toThrow(/signature/);
  });

  test('HS256 and other algorithms are refused before any key lookup', async () => {
    const header = Buffer.from(JSON.stringify({ alg: 'HS256', typ: 'JWT' })).toString('base64url');
    const payload = Buffer.from(JSON.stringify({ aud: AUDIENCE, iss: 'https://accounts.google.com', exp: 9999999999 })).toString('base64url');
    await expect(verifier.verify(`${header}.${payload}.c2ln`, expected)).rejects.toThrow(/RS256 or ES256/);
  });

  test('garbage is rejected with an error', async () => {
    for (const bad of ['token', 'a.b.c', '']) await expect(verifier.verify(bad, expected)).rejects.toThrow(/idtoken/);
  });
});
