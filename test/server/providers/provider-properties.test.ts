// Property tests: no input makes a provider throw, and validateSignature accepts only the right MAC.
import { createHmac } from 'crypto';
import fc from 'fast-check';
import { providerContext } from './provider-request';
import { providerFor, type WebhookRequest } from '../../../server/providers';
import { validateSignature } from '../../../server/wire/hmac-signature';
import { EXTENSION_RECEIVER_TYPES, RECEIVER_TYPES } from '../../../src/model';

const ALL_TYPES = [...RECEIVER_TYPES, ...EXTENSION_RECEIVER_TYPES];

const headerNames = fc.constantFrom(
  'content-type', 'authorization', 'x-hub-signature', 'x-hub-signature-256', 'x-signature', 'x-github-event', 'x-gitlab-token',
  'x-gitlab-event', 'x-event-key', 'x-nexus-webhook-signature', 'ce-type', 'x-github-delivery', 'x-anything',
  'x-gitea-signature', 'x-forgejo-signature', 'x-gitea-event', 'x-webhook-token', 'webhook-id', 'webhook-timestamp', 'webhook-signature',
);
const headerValues = fc.oneof(
  fc.string(),
  fc.constantFrom('application/json', 'application/x-www-form-urlencoded', 'Bearer ', 'Bearer a.b.c', 'sha256=', 'sha1=zz', 'token', 'push'),
  fc.array(fc.string(), { minLength: 1, maxLength: 3 }),
);
const headers = fc.dictionary(headerNames, headerValues, { maxKeys: 8 });
const bodies = fc.oneof(
  fc.uint8Array({ maxLength: 512 }).map((bytes) => Buffer.from(bytes)),
  fc.json().map((text) => Buffer.from(text)),
  fc.constantFrom('', 'null', '{"message":{"data":"e30="}}', 'payload=%7B%7D', '{"context":{}}').map((text) => Buffer.from(text)),
);

describe('providers never throw', () => {
  test.each(ALL_TYPES)('%s: arbitrary bodies and headers always yield a verdict', async (type) => {
    const provider = providerFor(type)!;
    const context = providerContext(type, {
      secret: { token: 'token', email: 'a@b.c', audience: 'aud' },
      spec: { events: ['push'], oidcProviders: [{ issuerURL: 'http://127.0.0.1:9', validations: [{ expression: 'true', message: 'm' }] }] },
    });
    await fc.assert(
      fc.asyncProperty(headers, bodies, async (h, body) => {
        const request: WebhookRequest = { method: 'POST', headers: h, body };
        const verdict = await provider.validate(request, context);
        expect(typeof verdict.ok).toBe('boolean');
        if (!verdict.ok) expect(typeof verdict.reason).toBe('string');
      }),
      { numRuns: type === 'gcr' || type === 'generic-oidc' ? 40 : 150 },
    );
  });
});

describe('reasons never reveal the Secret', () => {
  const SECRET = 'Secret-Token-7f3a9c';
  test.each(ALL_TYPES.filter((type) => type !== 'generic-oidc'))('%s', async (type) => {
    const provider = providerFor(type)!;
    const context = providerContext(type, { secret: { token: SECRET, email: 'push@p.iam.gserviceaccount.com', audience: 'https://aud.example.com' } });
    await fc.assert(
      fc.asyncProperty(headers, bodies, async (h, body) => {
        const verdict = await provider.validate({ method: 'POST', headers: h, body }, context);
        // A refusal's reason, and whatever an accepted verdict carries (generic accepts everything).
        expect(verdict.ok ? JSON.stringify(verdict) : verdict.reason).not.toContain(SECRET);
      }),
      { numRuns: type === 'gcr' ? 30 : 100 },
    );
  });
});

describe('validateSignature', () => {
  test('never throws on arbitrary header values', () => {
    fc.assert(
      fc.property(fc.string(), fc.uint8Array({ maxLength: 64 }), fc.uint8Array({ maxLength: 32 }), (header, body, key) => {
        const result = validateSignature(header, Buffer.from(body), Buffer.from(key));
        expect(typeof result.ok).toBe('boolean');
      }),
      { numRuns: 500 },
    );
  });

  test('accepts exactly the correct MAC (any algorithm, either hex case)', () => {
    fc.assert(
      fc.property(
        fc.constantFrom('sha1', 'sha256', 'sha512'),
        fc.uint8Array({ maxLength: 256 }),
        fc.uint8Array({ maxLength: 64 }),
        fc.boolean(),
        (algorithm, body, key, upper) => {
          const mac = createHmac(algorithm, Buffer.from(key)).update(Buffer.from(body)).digest('hex');
          const hex = upper ? mac.toUpperCase() : mac;
          expect(validateSignature(`${algorithm}=${hex}`, Buffer.from(body), Buffer.from(key)).ok).toBe(true);
        },
      ),
      { numRuns: 300 },
    );
  });

  test('refuses any other MAC: flipped bits, truncation, extension, other key', () => {
    fc.assert(
      fc.property(
        fc.uint8Array({ minLength: 1, maxLength: 128 }),
        fc.uint8Array({ minLength: 1, maxLength: 32 }),
        fc.nat(31),
        fc.integer({ min: 1, max: 255 }),
        (body, key, position, flip) => {
          const mac = createHmac('sha256', Buffer.from(key)).update(Buffer.from(body)).digest();
          const flipped = Buffer.from(mac);
          // Change one byte to a different value.
          flipped[position] = (flipped[position] + flip) % 256;
          const check = (m: Buffer) => validateSignature(`sha256=${m.toString('hex')}`, Buffer.from(body), Buffer.from(key)).ok;
          expect(check(flipped)).toBe(false);
          expect(check(mac.subarray(0, position))).toBe(false);
          expect(check(Buffer.concat([mac, Buffer.from([flip])]))).toBe(false);
          const otherKey = Buffer.concat([Buffer.from(key), Buffer.from([flip])]);
          expect(validateSignature(`sha256=${createHmac('sha256', otherKey).update(Buffer.from(body)).digest('hex')}`, Buffer.from(body), Buffer.from(key)).ok).toBe(false);
        },
      ),
      { numRuns: 300 },
    );
  });

  test('a valid MAC of another algorithm under a wrong prefix is refused', () => {
    const body = Buffer.from('{"action":"push"}');
    const sha1 = createHmac('sha1', 'token').update(body).digest('hex');
    expect(validateSignature(`sha256=${sha1}`, body, Buffer.from('token')).ok).toBe(false);
  });
});
