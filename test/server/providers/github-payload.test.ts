// go-github ValidatePayload semantics (github, bitbucket) and ValidateSignature (generic-hmac).
import { hmacHex, providerContext, validate, webhookRequest } from './provider-request';

const PUSH = '{"action":"push"}';
const sig256 = (body: string, key = 'token') => `sha256=${hmacHex('sha256', key, body)}`;

describe.each(['github', 'bitbucket'])('%s signature and Content-Type', (type) => {
  const check = async (headers: Record<string, string>, body: string = PUSH, token = 'token') =>
    validate(type, webhookRequest({ headers, body }), providerContext(type, { secret: { token } }));

  test('X-Hub-Signature-256 wins over X-Hub-Signature', async () => {
    const ok = await check({ 'X-Hub-Signature-256': sig256(PUSH), 'X-Hub-Signature': 'sha1=00', 'Content-Type': 'application/json' });
    expect(ok.ok).toBe(true);
    const bad = await check({ 'X-Hub-Signature-256': 'sha256=00', 'X-Hub-Signature': `sha1=${hmacHex('sha1', 'token', PUSH)}`, 'Content-Type': 'application/json' });
    expect(bad.ok).toBe(false);
  });

  test('X-Hub-Signature is the fallback', async () => {
    expect((await check({ 'X-Hub-Signature': `sha1=${hmacHex('sha1', 'token', PUSH)}`, 'Content-Type': 'application/json' })).ok).toBe(true);
  });

  test('the value prefix picks the algorithm, not the header name', async () => {
    expect((await check({ 'X-Hub-Signature-256': `sha1=${hmacHex('sha1', 'token', PUSH)}`, 'Content-Type': 'application/json' })).ok).toBe(true);
    expect((await check({ 'X-Hub-Signature': `sha512=${hmacHex('sha512', 'token', PUSH)}`, 'Content-Type': 'application/json' })).ok).toBe(true);
  });

  test.each(['SHA256', 'sha384', 'md5', ''])('prefix %j is refused', async (prefix) => {
    expect((await check({ 'X-Hub-Signature-256': `${prefix}=${hmacHex('sha256', 'token', PUSH)}`, 'Content-Type': 'application/json' })).ok).toBe(false);
  });

  test.each([
    ['application/json; charset=UTF-8', true],
    ['Application/JSON', true],
    ['text/plain', false],
    ['application/cloudevents+json', false],
    ['', false],
    ['application/json; charset', false],
    ['application/json; a=1; a=2', false],
    ['application/json;', true],
  ])('Content-Type %j ⇒ %s', async (contentType, ok) => {
    const headers: Record<string, string> = { 'X-Hub-Signature-256': sig256(PUSH) };
    if (contentType !== '') headers['Content-Type'] = contentType;
    const verdict = await check(headers);
    expect(verdict.ok).toBe(ok);
    if (!verdict.ok) expect(verdict.reason).toMatch(/Content-Type/);
  });

  test('form posts: signature over the raw body, payload = the `payload` field', async () => {
    const body = `payload=${encodeURIComponent(PUSH)}&other=1`;
    const verdict = await check({ 'X-Hub-Signature-256': sig256(body), 'Content-Type': 'application/x-www-form-urlencoded' }, body);
    expect(verdict.ok && verdict.payload.toString()).toBe(PUSH);
    expect(verdict.ok && verdict.payloadIsJson).toBe(false);
    // Signing the extracted payload instead of the raw body fails.
    expect((await check({ 'X-Hub-Signature-256': sig256(PUSH), 'Content-Type': 'application/x-www-form-urlencoded' }, body)).ok).toBe(false);
  });

  test('form posts with broken escapes or ";" separators are refused', async () => {
    for (const body of ['payload=%zz', 'payload=a;b=c']) {
      expect((await check({ 'X-Hub-Signature-256': sig256(body), 'Content-Type': 'application/x-www-form-urlencoded' }, body)).ok).toBe(false);
    }
  });

  test('empty token and no signature: accepted without a check', async () => {
    expect((await check({ 'Content-Type': 'application/json' }, PUSH, '')).ok).toBe(true);
  });

  test('empty token but a signature present: the signature is checked (HMAC with an empty key)', async () => {
    expect((await check({ 'X-Hub-Signature-256': sig256(PUSH, ''), 'Content-Type': 'application/json' }, PUSH, '')).ok).toBe(true);
    expect((await check({ 'X-Hub-Signature-256': sig256(PUSH, 'x'), 'Content-Type': 'application/json' }, PUSH, '')).ok).toBe(false);
  });

  test('a token but no signature: refused', async () => {
    const verdict = await check({ 'Content-Type': 'application/json' });
    expect(verdict).toMatchObject({ ok: false, reason: expect.stringMatching(/missing signature/) });
  });

  test.each(['sha256', 'sha256=', 'sha256=abc', 'sha256=zz', `sha256=${'0'.repeat(62)}`, `sha256=${'0'.repeat(66)}`])('malformed signature %j is refused', async (signature) => {
    expect((await check({ 'X-Hub-Signature-256': signature, 'Content-Type': 'application/json' })).ok).toBe(false);
  });

  test('a body change breaks the signature', async () => {
    expect((await check({ 'X-Hub-Signature-256': sig256(PUSH), 'Content-Type': 'application/json' }, '{"action":"pushed"}')).ok).toBe(false);
  });

  test('the reason never contains the token or the signature', async () => {
    const signature = sig256('other body');
    const verdict = await check({ 'X-Hub-Signature-256': signature, 'Content-Type': 'application/json' }, PUSH, 'super-secret-token');
    expect(verdict.ok).toBe(false);
    expect(JSON.stringify(verdict)).not.toContain('super-secret-token');
    expect(JSON.stringify(verdict)).not.toContain(signature.slice(7));
  });
});

describe('events', () => {
  const signed = (eventHeader: string, event?: string) =>
    webhookRequest({ headers: { 'X-Hub-Signature-256': sig256(PUSH), 'Content-Type': 'application/json', ...(event === undefined ? {} : { [eventHeader]: event }) }, body: PUSH });

  test('github: ping is filtered like any other event', async () => {
    expect((await validate('github', signed('X-GitHub-Event', 'ping'), providerContext('github', { spec: { events: ['push'] } }))).ok).toBe(false);
    expect((await validate('github', signed('X-GitHub-Event', 'ping'), providerContext('github', { spec: { events: ['ping', 'push'] } }))).ok).toBe(true);
    expect((await validate('github', signed('X-GitHub-Event', 'ping'), providerContext('github'))).ok).toBe(true);
  });

  test('github: event and delivery id are reported', async () => {
    const request = webhookRequest({ headers: { 'X-Hub-Signature-256': sig256(PUSH), 'Content-Type': 'application/json', 'X-GitHub-Event': 'push', 'X-GitHub-Delivery': '72d3162e-cc78-11e3-81ab-4c9367dc0958' }, body: PUSH });
    expect(await validate('github', request)).toMatchObject({ ok: true, event: 'push', description: 'handling GitHub event: push', deliveryId: '72d3162e-cc78-11e3-81ab-4c9367dc0958' });
  });

  test('github: a missing event header is the empty event', async () => {
    expect((await validate('github', signed('X-GitHub-Event'), providerContext('github', { spec: { events: ['push'] } }))).ok).toBe(false);
    expect((await validate('github', signed('X-GitHub-Event'), providerContext('github', { spec: { events: [''] } }))).ok).toBe(true);
  });

  test('bitbucket: X-Event-Key, case-insensitive', async () => {
    const request = signed('X-Event-Key', 'REPO:Refs_Changed');
    expect(await validate('bitbucket', request, providerContext('bitbucket', { spec: { events: ['repo:refs_changed'] } })))
      .toMatchObject({ ok: true, event: 'REPO:Refs_Changed', description: 'handling Bitbucket server event: REPO:Refs_Changed' });
  });
});

describe('generic-hmac', () => {
  const body = '{"image":"ghcr.io/org/app:v1"}';
  test.each(['sha1', 'sha256', 'sha512'] as const)('X-Signature %s', async (algorithm) => {
    const request = webhookRequest({ headers: { 'X-Signature': `${algorithm}=${hmacHex(algorithm, 'token', body)}` }, body });
    expect((await validate('generic-hmac', request)).ok).toBe(true);
  });

  test('no Content-Type requirement', async () => {
    const request = webhookRequest({ headers: { 'X-Signature': `sha256=${hmacHex('sha256', 'token', body)}`, 'Content-Type': 'text/weird' }, body });
    expect((await validate('generic-hmac', request)).ok).toBe(true);
  });

  test('missing header ⇒ refused, even with an empty token', async () => {
    expect((await validate('generic-hmac', webhookRequest({ body }))).ok).toBe(false);
    expect((await validate('generic-hmac', webhookRequest({ body }), providerContext('generic-hmac', { secret: { token: '' } }))).ok).toBe(false);
    const emptyKey = webhookRequest({ headers: { 'X-Signature': `sha256=${hmacHex('sha256', '', body)}` }, body });
    expect((await validate('generic-hmac', emptyKey, providerContext('generic-hmac', { secret: { token: '' } }))).ok).toBe(true);
  });

  test('X-Hub-Signature is not read', async () => {
    const request = webhookRequest({ headers: { 'X-Hub-Signature-256': `sha256=${hmacHex('sha256', 'token', body)}` }, body });
    expect((await validate('generic-hmac', request)).ok).toBe(false);
  });

  test('a token with a trailing newline is part of the key', async () => {
    const request = webhookRequest({ headers: { 'X-Signature': `sha256=${hmacHex('sha256', 'token', body)}` }, body });
    expect((await validate('generic-hmac', request, providerContext('generic-hmac', { secret: { token: 'token\n' } }))).ok).toBe(false);
  });
});
