// Shared-secret headers (gitlab X-Gitlab-Token, harbor Authorization, nexus HMAC): exact match,
// compared in constant time; wrong lengths are a plain rejection, never an exception.
import { hmacHex, providerContext, validate, webhookRequest } from './provider-request';
import { constantTimeEqual } from '../../../server/wire/constant-time';

describe('constantTimeEqual', () => {
  test('equal and unequal inputs of every length relation, without throwing', () => {
    expect(constantTimeEqual('token', 'token')).toBe(true);
    expect(constantTimeEqual('token', 'tokem')).toBe(false);
    expect(constantTimeEqual('token', 'token-longer')).toBe(false);
    expect(constantTimeEqual('', 'token')).toBe(false);
    expect(constantTimeEqual('', '')).toBe(true);
    expect(constantTimeEqual(Buffer.from([0xff]), Buffer.from([0xff, 0x00]))).toBe(false);
  });
});

describe('gitlab', () => {
  test.each([
    ['token', true],
    ['tokenx', false],
    ['toke', false],
    ['Token', false],
    ['', false],
  ])('X-Gitlab-Token %j ⇒ %s', async (value, ok) => {
    const headers: Record<string, string> = value === '' ? {} : { 'X-Gitlab-Token': value };
    expect((await validate('gitlab', webhookRequest({ headers }))).ok).toBe(ok);
  });

  test('empty token accepts a request without the header', async () => {
    expect((await validate('gitlab', webhookRequest(), providerContext('gitlab', { secret: { token: '' } }))).ok).toBe(true);
  });

  test('event allow-list and delivery id', async () => {
    const request = webhookRequest({ headers: { 'X-Gitlab-Token': 'token', 'X-Gitlab-Event': 'Tag Push Hook', 'X-Gitlab-Event-UUID': '13792a34-cac6-4fda-95a8-c58e00a3954e' } });
    expect(await validate('gitlab', request, providerContext('gitlab', { spec: { events: ['tag push hook'] } })))
      .toMatchObject({ ok: true, event: 'Tag Push Hook', description: 'handling GitLab event: Tag Push Hook', deliveryId: '13792a34-cac6-4fda-95a8-c58e00a3954e' });
    expect((await validate('gitlab', request, providerContext('gitlab', { spec: { events: ['Push Hook'] } }))).ok).toBe(false);
  });

  test('the reason does not echo the header or the token', async () => {
    const verdict = await validate('gitlab', webhookRequest({ headers: { 'X-Gitlab-Token': 'guess-123' } }), providerContext('gitlab', { secret: { token: 's3cr3t' } }));
    expect(JSON.stringify(verdict)).not.toMatch(/guess-123|s3cr3t/);
  });
});

describe('harbor', () => {
  test.each([
    ['token', true],
    ['Bearer token', false],
    ['token2', false],
    ['', false],
  ])('Authorization %j ⇒ %s', async (value, ok) => {
    const headers: Record<string, string> = value === '' ? {} : { Authorization: value };
    expect((await validate('harbor', webhookRequest({ headers }))).ok).toBe(ok);
  });

  test('events are ignored', async () => {
    const request = webhookRequest({ headers: { Authorization: 'token' } });
    expect(await validate('harbor', request, providerContext('harbor', { spec: { events: ['push'] } }))).toMatchObject({ ok: true, description: 'handling Harbor event' });
  });
});

describe('nexus', () => {
  const body = '{"action":"CREATED","repositoryName":"npm-proxy"}';
  const sign = (b: string) => hmacHex('sha1', 'token', b);

  test('lowercase hex HMAC-SHA1, no prefix', async () => {
    const verdict = await validate('nexus', webhookRequest({ headers: { 'X-Nexus-Webhook-Signature': sign(body) }, body }));
    expect(verdict).toMatchObject({ ok: true, description: 'handling Nexus event from npm-proxy' });
  });

  test.each([
    ['uppercase hex', (b: string) => sign(b).toUpperCase()],
    ['sha1= prefix', (b: string) => `sha1=${sign(b)}`],
    ['truncated', (b: string) => sign(b).slice(0, 39)],
    ['longer', (b: string) => `${sign(b)}0`],
  ])('%s is refused', async (_label, signature) => {
    expect((await validate('nexus', webhookRequest({ headers: { 'X-Nexus-Webhook-Signature': signature(body) }, body }))).ok).toBe(false);
  });

  test('missing signature', async () => {
    expect(await validate('nexus', webhookRequest({ body }))).toMatchObject({ ok: false, reason: 'the Nexus signature is missing from header' });
  });

  test('strict JSON: trailing data after a correct signature is refused', async () => {
    const trailing = `${body} {}`;
    expect((await validate('nexus', webhookRequest({ headers: { 'X-Nexus-Webhook-Signature': sign(trailing) }, body: trailing }))).ok).toBe(false);
  });

  test('wrong field types are refused; unknown fields are ignored', async () => {
    const wrong = '{"repositoryName":42}';
    expect((await validate('nexus', webhookRequest({ headers: { 'X-Nexus-Webhook-Signature': sign(wrong) }, body: wrong }))).ok).toBe(false);
    const extra = '{"repositoryName":"r","component":{"name":"x"}}';
    expect((await validate('nexus', webhookRequest({ headers: { 'X-Nexus-Webhook-Signature': sign(extra) }, body: extra }))).ok).toBe(true);
  });
});
