// The provider check with several verification keys, with the real providers: which key matched,
// what a refusal says, and that types whose token only derives the path ignore the keys.
import { createHmac } from 'crypto';
import { validateWithKeys } from '../../../server/pipeline/_validate-with-keys';
import { providerFor } from '../../../server/providers';
import type { ProviderContext } from '../../../server/providers/provider';

const context = (type: string, events?: string[]): ProviderContext => ({
  name: 'r',
  namespace: 'ns',
  spec: { type, events, secretRef: { name: 's' }, resources: [{ kind: 'GitRepository', name: 'app' }] },
  secret: { token: Buffer.from('path-seed') },
  verifiers: { oidc: { verify: () => Promise.reject(new Error('unused')) }, google: { verify: () => Promise.reject(new Error('unused')) } },
});
const keys = [{ name: 'token', value: Buffer.from('old') }, { name: 'token.next', value: Buffer.from('new') }];
const gitlab = (token: string, event = 'Push Hook') => ({ method: 'POST', headers: { 'x-gitlab-token': token, 'x-gitlab-event': event }, body: Buffer.from('{}') });

describe('validateWithKeys', () => {
  test('gitlab: each listed key is accepted and named; the path seed is not a key once keys are listed', async () => {
    const provider = providerFor('gitlab')!;
    expect(await validateWithKeys(provider, gitlab('old'), context('gitlab'), keys)).toMatchObject({ verdict: { ok: true }, key: 'token' });
    expect(await validateWithKeys(provider, gitlab('new'), context('gitlab'), keys)).toMatchObject({ verdict: { ok: true }, key: 'token.next' });
    expect(await validateWithKeys(provider, gitlab('path-seed'), context('gitlab'), keys)).toEqual({
      verdict: { ok: false, reason: 'the X-Gitlab-Token header value does not match the receiver token' },
    });
  });

  test('without listed keys the Secret token verifies, as in Flux, and is reported as `token`', async () => {
    const provider = providerFor('gitlab')!;
    expect(await validateWithKeys(provider, gitlab('path-seed'), context('gitlab'), undefined)).toMatchObject({ verdict: { ok: true }, key: 'token' });
    expect((await validateWithKeys(provider, gitlab('new'), context('gitlab'), undefined)).verdict.ok).toBe(false);
  });

  test('a refusal gives the first key\'s reason and, by key name, a different reason another key got', async () => {
    const verdict = await validateWithKeys(providerFor('gitlab')!, gitlab('new', 'Tag Push Hook'), context('gitlab', ['Push Hook']), keys);
    expect(verdict).toEqual({
      verdict: { ok: false, reason: "the X-Gitlab-Token header value does not match the receiver token; with key 'token.next': the GitLab event 'Tag Push Hook' is not authorised" },
    });
  });

  test('generic-hmac signed with the second key', async () => {
    const body = Buffer.from('{"a":1}');
    const request = { method: 'POST', headers: { 'x-signature': `sha256=${createHmac('sha256', 'new').update(body).digest('hex')}` }, body };
    expect(await validateWithKeys(providerFor('generic-hmac')!, request, context('generic-hmac'), keys)).toMatchObject({ verdict: { ok: true }, key: 'token.next' });
  });

  test('generic: the token only derives the path, so keys change nothing and no key is reported', async () => {
    const result = await validateWithKeys(providerFor('generic')!, { method: 'POST', headers: {}, body: Buffer.from('') }, context('generic'), keys);
    expect(result.verdict.ok).toBe(true);
    expect(result.key).toBeUndefined();
  });
});
