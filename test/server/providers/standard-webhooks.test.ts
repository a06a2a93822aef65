// standard-webhooks (extension): the specification's published test vector, the `whsec_` prefix,
// several signatures per header, other versions skipped, and the 5-minute timestamp tolerance.
import { providerContext, webhookRequest } from './provider-request';
import { providerFor } from '../../../server/providers';
import { createStandardWebhooksProvider, standardWebhooksKey } from '../../../server/providers/standard-webhooks';

// The Standard Webhooks reference vector: secret, id, timestamp, body and the expected signature
// (reproduced independently with openssl).
const SECRET = 'whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw';
const ID = 'msg_p5jXN8AQM9LWM0D4loKWxJek';
const TIMESTAMP = '1614265330';
const BODY = '{"test": 2432232314}';
const SIGNATURE = 'v1,g0hM9SsE+OTPJTGt/tmIKtSyZlE3uFJELVlNIOLJ1OE=';

const at = (seconds: number) => createStandardWebhooksProvider(() => seconds * 1000);
const provider = at(1614265330);
const context = (token = SECRET) => providerContext('standard-webhooks', { secret: { token } });
const request = (headers: Record<string, string>) => webhookRequest({
  headers: { 'Content-Type': 'application/json', 'webhook-id': ID, 'webhook-timestamp': TIMESTAMP, 'webhook-signature': SIGNATURE, ...headers },
  body: BODY,
});

describe('standard-webhooks', () => {
  test('the specification test vector is accepted; the delivery id is webhook-id', async () => {
    expect(await provider.validate(request({}), context())).toMatchObject({ ok: true, deliveryId: ID, description: 'handling Standard Webhooks event', payloadIsJson: true });
  });

  test('the whsec_ prefix is optional, as in the reference libraries', async () => {
    expect((await provider.validate(request({}), context('MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw'))).ok).toBe(true);
    expect(standardWebhooksKey(Buffer.from(SECRET))!.toString('hex')).toBe(Buffer.from('MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw', 'base64').toString('hex'));
  });

  test('several signatures per header: any matching v1 entry is enough; other versions are skipped', async () => {
    expect((await provider.validate(request({ 'webhook-signature': `v1,bm9wZQ== ${SIGNATURE}` }), context())).ok).toBe(true);
    expect((await provider.validate(request({ 'webhook-signature': `v1a,abc ${SIGNATURE} v2,xyz` }), context())).ok).toBe(true);
    expect(await provider.validate(request({ 'webhook-signature': `v1a,${SIGNATURE.slice(3)}` }), context()))
      .toEqual({ ok: false, reason: 'the webhook-signature header has no v1 signature' });
    expect(await provider.validate(request({ 'webhook-signature': 'v1,bm9wZQ== v1,Zm9v' }), context()))
      .toEqual({ ok: false, reason: 'no webhook-signature v1 entry matches: payload signature check failed' });
  });

  test.each([
    ['another id', { 'webhook-id': 'msg_other' }],
    ['another timestamp', { 'webhook-timestamp': '1614265331' }],
    ['a signature without its version', { 'webhook-signature': SIGNATURE.slice(3) }],
  ])('%s breaks the signature', async (_, headers) => {
    expect((await at(1614265331).validate(request(headers), context())).ok).toBe(false);
  });

  test('the timestamp tolerance is 5 minutes either way', async () => {
    expect((await at(1614265330 + 300).validate(request({}), context())).ok).toBe(true);
    expect((await at(1614265330 - 300).validate(request({}), context())).ok).toBe(true);
    expect(await at(1614265330 + 301).validate(request({}), context())).toEqual({ ok: false, reason: 'the webhook-timestamp is too old (301s, tolerance 300s)' });
    expect(await at(1614265330 - 301).validate(request({}), context())).toEqual({ ok: false, reason: 'the webhook-timestamp is too new (301s ahead, tolerance 300s)' });
  });

  test.each([
    [{ 'webhook-id': '' }, 'missing required headers: webhook-id, webhook-timestamp and webhook-signature'],
    [{ 'webhook-signature': '' }, 'missing required headers: webhook-id, webhook-timestamp and webhook-signature'],
    [{ 'webhook-timestamp': '1614265330.5' }, 'the webhook-timestamp header is not a number of seconds'],
    [{ 'webhook-timestamp': '-1' }, 'the webhook-timestamp header is not a number of seconds'],
  ])('%j is rejected: %s', async (headers, reason) => {
    expect(await provider.validate(request(headers), context())).toEqual({ ok: false, reason });
  });

  test('a token that is not base64 cannot be a Standard Webhooks secret', async () => {
    expect(await provider.validate(request({}), context('whsec_not base64!'))).toEqual({ ok: false, reason: "the receiver token is not a Standard Webhooks secret: expected base64, optionally prefixed with 'whsec_'" });
    expect((await provider.validate(request({}), context(`${SECRET}\n`))).ok).toBe(false);
  });

  test('the registry serves the type with the system clock: the vector from 2021 is too old now', async () => {
    expect(await providerFor('standard-webhooks')!.validate(request({}), context())).toMatchObject({ ok: false, reason: expect.stringMatching(/^the webhook-timestamp is too old/) });
  });
});
