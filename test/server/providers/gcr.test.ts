// gcr: Google ID token (real verifier, loopback Google key endpoints) + Pub/Sub envelope (docs/flux-behaviour.md, "Per-type checks").
import { fixture, providerContext, validate, webhookRequest } from './provider-request';
import { GoogleIdTokenVerifier } from '../../../server/verifiers';
import { FakeGoogleCerts } from '../verifiers/fake-key-servers';

const AUDIENCE = 'https://flux.example.com/hook/6d6c55e9affb9d1e0d101ce604ae4270880ec1ff24d1bd2d928fcd64243d21a4';
const EMAIL = 'gcr-push@my-project.iam.gserviceaccount.com';

describe('gcr', () => {
  let google: FakeGoogleCerts;
  let verifier: GoogleIdTokenVerifier;
  beforeAll(async () => {
    google = await FakeGoogleCerts.start();
    verifier = new GoogleIdTokenVerifier({ rs256CertsUrl: google.rs256CertsUrl, es256CertsUrl: google.es256CertsUrl });
  });
  afterAll(() => google.close());

  const context = (secret: { email?: string; audience?: string } = {}) =>
    providerContext('gcr', { secret: { token: 'token', email: EMAIL, audience: AUDIENCE, ...secret }, verifiers: { google: verifier } });
  const pushToken = (claims: Record<string, unknown> = {}, options = {}) =>
    google.sign({ aud: AUDIENCE, email: EMAIL, email_verified: true, ...claims }, options);
  const request = async (body: Buffer | string = fixture('gcr-pubsub-push.json'), authorization?: string) =>
    webhookRequest({ headers: { 'Authorization': authorization ?? `Bearer ${await pushToken()}`, 'Content-Type': 'application/json' }, body });

  test('a recorded Pub/Sub push is accepted and unwrapped for CEL', async () => {
    const verdict = await validate('gcr', await request(), context());
    expect(verdict).toMatchObject({
      ok: true,
      description: 'handling GCR event from us-east1-docker.pkg.dev/my-project/my-repo/hello-world@sha256:6ec128e26cd5 for tag us-east1-docker.pkg.dev/my-project/my-repo/hello-world:1.1',
      deliveryId: '2070443601311540',
      payloadIsJson: true,
    });
    expect(verdict.ok && JSON.parse(verdict.payload.toString())).toEqual(JSON.parse(fixture('gar-notification.json').toString()));
  });

  test('ES256 tokens (IAP keys) are accepted too', async () => {
    const token = await pushToken({}, { alg: 'ES256' });
    expect((await validate('gcr', await request(undefined, `Bearer ${token}`), context())).ok).toBe(true);
  });

  test('the unwrapped body is re-encoded like Go (three keys, HTML escaped)', async () => {
    const inner = { tag: 'a<b>&c', extra: 'dropped', action: 'DELETE' };
    const body = JSON.stringify({ message: { data: Buffer.from(JSON.stringify(inner)).toString('base64') } });
    const verdict = await validate('gcr', await request(body), context());
    expect(verdict.ok && verdict.payload.toString()).toBe('{"action":"DELETE","digest":"","tag":"a\\u003cb\\u003e\\u0026c"}');
  });

  test.each([
    ['no Authorization', ''],
    ['not Bearer', 'Basic abc'],
    ['lowercase bearer', 'bearer x'],
    ['garbage token', 'Bearer not-a-jwt'],
  ])('%s is refused', async (_label, authorization) => {
    expect((await validate('gcr', await request(undefined, authorization), context())).ok).toBe(false);
  });

  test.each([
    ['wrong audience', { aud: 'https://elsewhere.example.com' }, /audience/],
    ['another email', { email: 'attacker@evil-project.iam.gserviceaccount.com' }, /email does not match/],
    ['email differs in case', { email: EMAIL.toUpperCase() }, /email does not match/],
    ['unverified email', { email_verified: false }, /not verified/],
    ['email_verified as a string', { email_verified: 'true' }, /not verified/],
    ['non-Google issuer', { iss: 'https://token.actions.githubusercontent.com' }, /iss/],
    ['expired', { exp: Math.floor(Date.now() / 1000) - 10 }, /exp/],
  ])('%s is refused', async (_label, claims, reason) => {
    const token = await pushToken(claims);
    const verdict = await validate('gcr', await request(undefined, `Bearer ${token}`), context());
    expect(verdict).toMatchObject({ ok: false, reason: expect.stringMatching(reason) });
  });

  test('a token signed by a key Google does not publish is refused', async () => {
    const token = await pushToken({}, { foreignKey: true });
    expect((await validate('gcr', await request(undefined, `Bearer ${token}`), context())).ok).toBe(false);
  });

  test.each([
    ['empty body', ''],
    ['no message', '{}'],
    ['data not base64', '{"message":{"data":"%%%"}}'],
    ['data is not JSON', `{"message":{"data":"${Buffer.from('hello').toString('base64')}"}}`],
    ['inner trailing data', `{"message":{"data":"${Buffer.from('{"tag":"a"} x').toString('base64')}"}}`],
    ['inner wrong type', `{"message":{"data":"${Buffer.from('{"tag":1}').toString('base64')}"}}`],
    ['publishTime not RFC 3339', `{"message":{"data":"${Buffer.from('{"tag":"a"}').toString('base64')}","publishTime":"yesterday"}}`],
    ['messageId not a string', `{"message":{"data":"${Buffer.from('{"tag":"a"}').toString('base64')}","messageId":5}}`],
  ])('%s is refused', async (_label, body) => {
    expect((await validate('gcr', await request(body), context())).ok).toBe(false);
  });

  test('publishTime with an offset and fractional seconds is valid RFC 3339', async () => {
    const body = `{"message":{"data":"${Buffer.from('{"tag":"a"}').toString('base64')}","publishTime":"2026-11-20T19:13:55.123456789+01:00"}}`;
    expect((await validate('gcr', await request(body), context())).ok).toBe(true);
  });

  test('the Secret must carry email and audience', async () => {
    expect(await validate('gcr', await request(), context({ email: '' }))).toMatchObject({ ok: false, reason: "invalid secret data: required field 'email' for GCR receiver" });
    expect(await validate('gcr', await request(), context({ audience: '' }))).toMatchObject({ ok: false, reason: "invalid secret data: required field 'audience' for GCR receiver" });
  });
});
