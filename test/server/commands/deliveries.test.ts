// The test deliveries of `send`, checked by the server's own providers: what send signs must be
// exactly what the receiver verifies, and a wrong token must fail where the token is a credential.
import type { DeliveryInput } from '../../../server/commands/deliveries';
import { chooseEvent, DELIVERY_TYPES, deliveryBuilder } from '../../../server/commands/deliveries';
import { createStandardWebhooksProvider } from '../../../server/providers/standard-webhooks';
import { GoogleIdTokenVerifier, OidcTokenVerifier } from '../../../server/verifiers';
import { EXTENSION_RECEIVER_TYPES, RECEIVER_TYPES } from '../../../src/model';
import { providerContext, validate, webhookRequest } from '../providers/provider-request';
import { FakeGoogleCerts, FakeOidcIssuer } from '../verifiers/fake-key-servers';

const TOKEN = 'b7e1c0ffee5a1t0ken';

function input(event: string, token: string | undefined = TOKEN, extra: Partial<DeliveryInput> = {}): DeliveryInput {
  return { token: token === undefined ? undefined : Buffer.from(token), event, branch: 'main', deliveryId: '0b7c1b3e-6f5e-4f43-9d36-5c1e0b8a2f10', now: new Date('2026-11-29T10:00:00Z'), ...extra };
}

function build(type: string, event: string, token?: string) {
  const delivery = deliveryBuilder(type)!.build(input(event, token));
  return webhookRequest({ headers: delivery.headers, body: delivery.body });
}

describe('send deliveries', () => {
  test('every Flux receiver type and every extension type has a builder', () => {
    expect([...DELIVERY_TYPES].sort()).toEqual([...RECEIVER_TYPES, ...EXTENSION_RECEIVER_TYPES].sort());
  });

  test.each([
    ['github', 'push'],
    ['github', 'ping'],
    ['gitlab', 'Push Hook'],
    ['gitlab', 'Tag Push Hook'],
    ['bitbucket', 'repo:refs_changed'],
    ['bitbucket', 'repo:push'],
    ['harbor', ''],
    ['generic', ''],
    ['generic-hmac', ''],
    ['nexus', ''],
    ['dockerhub', ''],
    ['quay', ''],
    ['acr', ''],
    ['cdevents', 'dev.cdevents.change.merged.0.2.0'],
    ['cdevents', 'dev.cdevents.artifact.published.0.2.0'],
    ['gitea', 'push'],
    ['azure-devops', ''],
  ])('%s %j is accepted by its provider with the same token', async (type, event) => {
    const events = event ? [event] : undefined;
    const verdict = await validate(type, build(type, event), providerContext(type, { secret: { token: TOKEN }, spec: { events } }));
    expect(verdict).toMatchObject({ ok: true });
    if (event && type !== 'cdevents') expect(verdict.ok && verdict.event).toBe(event);
  });

  test.each([
    ['github', 'push', /GitHub signature header is invalid, err: payload signature check failed/],
    ['bitbucket', 'repo:refs_changed', /Bitbucket server signature header is invalid/],
    ['gitlab', 'Push Hook', /X-Gitlab-Token header value does not match/],
    ['harbor', '', /Harbor Authorization header value does not match/],
    ['generic-hmac', '', /unable to validate HMAC signature: payload signature check failed/],
    ['nexus', '', /invalid Nexus signature/],
    ['gitea', 'push', /X-Gitea-Signature header is invalid: payload signature check failed/],
    ['azure-devops', '', /basic authentication password does not match/],
  ])('%s signed with another token is rejected', async (type, event, reason) => {
    const verdict = await validate(type, build(type, event, 'another-token'), providerContext(type, { secret: { token: TOKEN } }));
    expect(verdict).toMatchObject({ ok: false, reason: expect.stringMatching(reason) });
  });

  test('the signature covers the exact body bytes (a changed byte fails)', async () => {
    const delivery = deliveryBuilder('github')!.build(input('push'));
    const body = Buffer.from(delivery.body);
    const last = body.length - 1;
    body[last] = body[last] === 0x20 ? 0x0a : 0x20;
    const verdict = await validate('github', webhookRequest({ headers: delivery.headers, body }), providerContext('github', { secret: { token: TOKEN } }));
    expect(verdict).toMatchObject({ ok: false, reason: 'the GitHub signature header is invalid, err: payload signature check failed' });
  });

  test('push payloads carry the branch in the ref a resourceFilter reads', () => {
    const body = (type: string, event: string) => JSON.parse(deliveryBuilder(type)!.build(input(event, TOKEN, { branch: 'release' })).body.toString());
    expect(body('github', 'push').ref).toBe('refs/heads/release');
    expect(body('gitlab', 'Push Hook').ref).toBe('refs/heads/release');
    expect(body('bitbucket', 'repo:refs_changed').changes[0].refId).toBe('refs/heads/release');
  });

  test('an event outside spec.events is rejected by the receiver', async () => {
    const verdict = await validate('github', build('github', 'ping'), providerContext('github', { secret: { token: TOKEN }, spec: { events: ['push'] } }));
    expect(verdict).toMatchObject({ ok: false, reason: "the GitHub event 'ping' is not authorised" });
  });

  test('a token that cannot be a header value is refused with the reason, not sent', () => {
    expect(() => deliveryBuilder('gitlab')!.build(input('Push Hook', 'token-from-echo\n')))
      .toThrow(/ends with a newline; gitlab sends it in the X-Gitlab-Token header, so no delivery can ever match it/);
    expect(() => deliveryBuilder('harbor')!.build(input('', 'tab\there')))
      .toThrow(/has characters that a header cannot carry; harbor sends it in the Authorization header/);
  });

  test('a token with a trailing newline still signs HMAC deliveries (the bytes are the key)', async () => {
    const verdict = await validate('github', build('github', 'push', 'token\n'), providerContext('github', { secret: { token: 'token\n' } }));
    expect(verdict.ok).toBe(true);
  });

  describe('standard-webhooks (signed at the delivery time, checked with a clock at that time)', () => {
    const SECRET = 'whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw';
    const provider = createStandardWebhooksProvider(() => Date.parse('2026-11-29T10:02:00Z'));
    const context = providerContext('standard-webhooks', { secret: { token: SECRET } });
    test('accepted with the same secret, rejected with another', async () => {
      expect(await provider.validate(build('standard-webhooks', '', SECRET), context)).toMatchObject({ ok: true, deliveryId: 'msg_0b7c1b3e6f5e4f439d365c1e0b8a2f10' });
      expect(await provider.validate(build('standard-webhooks', '', 'whsec_bm90IHRoZSBzZWNyZXQ='), context))
        .toEqual({ ok: false, reason: 'no webhook-signature v1 entry matches: payload signature check failed' });
    });
    test('a token that is not a Standard Webhooks secret is refused with the reason, not sent', () => {
      expect(() => build('standard-webhooks', '', 'token-from-echo\n')).toThrow(/is not a Standard Webhooks secret \(base64, optionally prefixed with whsec_\)/);
    });
  });

  describe('chooseEvent', () => {
    const github = deliveryBuilder('github')!;
    test.each([
      [[], undefined, 'push'],
      [['ping', 'push'], undefined, 'push'],
      [['ping'], undefined, 'ping'],
      [['PUSH'], undefined, 'push'],
      [['release'], undefined, 'release'],
      [['push'], 'ping', 'ping'],
    ])('allowed %j, requested %j → %s', (allowed, requested, expected) => {
      expect(chooseEvent(github, allowed as string[], requested)).toBe(expected);
    });
    test('types without events announce none', () => {
      expect(chooseEvent(deliveryBuilder('harbor')!, [])).toBe('');
    });
  });

  describe('ID token senders', () => {
    let issuer: FakeOidcIssuer;
    let google: FakeGoogleCerts;
    beforeAll(async () => {
      issuer = await FakeOidcIssuer.start();
      google = await FakeGoogleCerts.start();
    });
    afterAll(async () => {
      await issuer.close();
      await google.close();
    });

    test('generic-oidc sends the given ID token as a Bearer token', async () => {
      const idToken = await issuer.sign({ aud: 'flux', repository: 'org/app' });
      const delivery = deliveryBuilder('generic-oidc')!.build(input('', undefined, { idToken }));
      const context = providerContext('generic-oidc', {
        secret: null,
        spec: { oidcProviders: [{ issuerURL: issuer.issuer, audience: 'flux', validations: [{ expression: "claims.repository == 'org/app'", message: 'wrong repo' }] }] },
        verifiers: { oidc: new OidcTokenVerifier() },
      });
      expect(await validate('generic-oidc', webhookRequest({ headers: delivery.headers, body: delivery.body }), context)).toMatchObject({ ok: true, claims: { repository: 'org/app' } });
    });

    test('gcr wraps a registry notification in a Pub/Sub push the receiver unwraps', async () => {
      const email = 'gcr-push@my-project.iam.gserviceaccount.com';
      const audience = 'https://flux.example.com/hook/abc';
      const idToken = await google.sign({ aud: audience, email, email_verified: true });
      const delivery = deliveryBuilder('gcr')!.build(input('', TOKEN, { idToken }));
      const context = providerContext('gcr', {
        secret: { token: TOKEN, email, audience },
        verifiers: { google: new GoogleIdTokenVerifier({ rs256CertsUrl: google.rs256CertsUrl, es256CertsUrl: google.es256CertsUrl }) },
      });
      const verdict = await validate('gcr', webhookRequest({ headers: delivery.headers, body: delivery.body }), context);
      expect(verdict).toMatchObject({ ok: true });
      expect(verdict.ok && JSON.parse(verdict.payload.toString()).action).toBe('INSERT');
    });
  });
});
