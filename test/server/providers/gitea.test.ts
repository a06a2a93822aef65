// gitea (extension): Gitea's documented delivery headers (X-Gitea-Delivery, X-Gitea-Event) and
// its bare-hex HMAC-SHA256 signature; Forgejo's X-Forgejo-* headers take precedence when present.
import { providerContext, validate, webhookRequest } from './provider-request';

// The secret of Gitea's webhook documentation example; the signature was computed with
// `openssl dgst -sha256 -hmac <secret>` over BODY.
const SECRET = '3gEsCfjlV2ugRwgpU#w1*WaW*wa4NXgGmpCfkbG3';
const BODY = '{"ref":"refs/heads/develop","after":"bffeb74224043ba2feb48d137756c8a9331c449a"}';
const SIGNATURE = 'e236c24909717980549b81cf15ad13425f09a9bd71289450f81397ed5d735275';
const OTHER = '0000000000000000000000000000000000000000000000000000000000000000';

const context = (events?: string[]) => providerContext('gitea', { secret: { token: SECRET }, spec: { events } });
const request = (headers: Record<string, string>) => webhookRequest({ headers: { 'Content-Type': 'application/json', ...headers }, body: BODY });

describe('gitea', () => {
  test("Gitea's documented headers with a valid signature are accepted, with event and delivery id", async () => {
    const verdict = await validate('gitea', request({ 'X-Gitea-Delivery': 'f6266f16-1bf3-46a5-9ea4-602e06ead473', 'X-Gitea-Event': 'push', 'X-Gitea-Signature': SIGNATURE }), context());
    expect(verdict).toMatchObject({ ok: true, event: 'push', description: 'handling Gitea event: push', deliveryId: 'f6266f16-1bf3-46a5-9ea4-602e06ead473', payloadIsJson: true });
  });

  test('uppercase hex is the same signature', async () => {
    expect((await validate('gitea', request({ 'X-Gitea-Signature': SIGNATURE.toUpperCase() }), context())).ok).toBe(true);
  });

  test.each([
    [{}, 'the X-Gitea-Signature or X-Forgejo-Signature header is missing'],
    [{ 'X-Gitea-Signature': OTHER }, 'the X-Gitea-Signature header is invalid: payload signature check failed'],
    [{ 'X-Gitea-Signature': 'sha256=' + SIGNATURE }, 'the X-Gitea-Signature header is not hex'],
    [{ 'X-Gitea-Signature': SIGNATURE.slice(0, 63) }, 'the X-Gitea-Signature header is not hex'],
    [{ 'X-Gitea-Signature': SIGNATURE.slice(0, 62) }, 'the X-Gitea-Signature header is invalid: payload signature check failed'],
  ])('%j is rejected: %s', async (headers, reason) => {
    expect(await validate('gitea', request(headers), context())).toEqual({ ok: false, reason });
  });

  test('a body changed after signing is rejected', async () => {
    const changed = webhookRequest({ headers: { 'X-Gitea-Signature': SIGNATURE }, body: BODY.replace('develop', 'main') });
    expect((await validate('gitea', changed, context())).ok).toBe(false);
  });

  test('Forgejo: its own headers are read, and a wrong X-Forgejo-Signature is not rescued by a right X-Gitea-Signature', async () => {
    expect(await validate('gitea', request({ 'X-Forgejo-Signature': SIGNATURE, 'X-Forgejo-Event': 'push', 'X-Forgejo-Delivery': 'd1', 'X-Gitea-Event': 'ignored' }), context(['push'])))
      .toMatchObject({ ok: true, event: 'push', description: 'handling Forgejo event: push', deliveryId: 'd1' });
    expect(await validate('gitea', request({ 'X-Forgejo-Signature': OTHER, 'X-Gitea-Signature': SIGNATURE }), context()))
      .toEqual({ ok: false, reason: 'the X-Forgejo-Signature header is invalid: payload signature check failed' });
  });

  test('the events allow-list is matched case-insensitively against X-Gitea-Event', async () => {
    expect((await validate('gitea', request({ 'X-Gitea-Signature': SIGNATURE, 'X-Gitea-Event': 'Push' }), context(['push']))).ok).toBe(true);
    expect(await validate('gitea', request({ 'X-Gitea-Signature': SIGNATURE, 'X-Gitea-Event': 'issues' }), context(['push'])))
      .toEqual({ ok: false, reason: "the Gitea event 'issues' is not authorised" });
  });

  test('a missing token is rejected before the signature is looked at', async () => {
    const verdict = await validate('gitea', request({ 'X-Gitea-Signature': SIGNATURE }), providerContext('gitea', { secret: null }));
    expect(verdict).toMatchObject({ ok: false, reason: expect.stringMatching(/required field 'token'/) });
  });
});
