// The redelivery memory on its own: which header names a delivery per sender, the window, the
// bound on remembered deliveries, and that a copy must carry the same body.
import { DuplicateDeliveries } from '../../../server/pipeline/duplicate-deliveries';

const body = Buffer.from('{"ref":"refs/heads/main"}');

describe('DuplicateDeliveries', () => {
  let now = 1_000_000;
  const memory = (capacity?: number) => new DuplicateDeliveries({ windowMs: 60_000, capacity, now: () => now });

  test.each([
    ['github', { 'x-github-delivery': 'a1' }],
    ['gitlab', { 'idempotency-key': 'k1', 'x-gitlab-event-uuid': 'e1' }],
    ['gitlab', { 'x-gitlab-event-uuid': 'e1' }],
    ['bitbucket', { 'x-request-uuid': 'b1' }],
    ['standard-webhooks', { 'webhook-id': 'msg_1' }],
  ])('%s %j carries a delivery id', (type, headers) => {
    expect(memory().keyOf('ns/r', type, headers, body)).toMatch(/^[A-Za-z0-9+/]{43}=$/);
  });

  test.each([
    ['github', {}],
    ['github', { 'x-github-delivery': '' }],
    ['github', { 'x-github-delivery': 'x'.repeat(201) }],
    // The hook's own UUID is the same for all its deliveries: never an id.
    ['gitlab', { 'x-gitlab-webhook-uuid': 'hook-1' }],
    ['bitbucket', { 'x-request-id': 'server-1' }],
    ['generic', { 'x-github-delivery': 'a1' }],
    ['generic-hmac', { 'webhook-id': 'msg_1' }],
  ])('%s %j carries none', (type, headers) => {
    expect(memory().keyOf('ns/r', type, headers, body)).toBeUndefined();
  });

  test('GitLab prefers Idempotency-Key over X-Gitlab-Event-UUID', () => {
    const m = memory();
    expect(m.keyOf('ns/r', 'gitlab', { 'idempotency-key': 'k1', 'x-gitlab-event-uuid': 'e1' }, body))
      .toBe(m.keyOf('ns/r', 'gitlab', { 'idempotency-key': 'k1', 'x-gitlab-event-uuid': 'e2' }, body));
  });

  test('the key differs by receiver, id and body', () => {
    const m = memory();
    const key = m.keyOf('ns/r', 'github', { 'x-github-delivery': 'a1' }, body);
    expect(m.keyOf('ns/other', 'github', { 'x-github-delivery': 'a1' }, body)).not.toBe(key);
    expect(m.keyOf('ns/r', 'github', { 'x-github-delivery': 'a2' }, body)).not.toBe(key);
    expect(m.keyOf('ns/r', 'github', { 'x-github-delivery': 'a1' }, Buffer.from('{}'))).not.toBe(key);
  });

  test('a success is remembered for the window after that copy arrived, then forgotten', () => {
    const m = memory();
    expect(m.hasSucceeded('k')).toBe(false);
    m.recordSuccess('k', now - 10_000);
    expect(m.hasSucceeded('k')).toBe(true);
    now += 49_999;
    expect(m.hasSucceeded('k')).toBe(true);
    now += 1;
    expect(m.hasSucceeded('k')).toBe(false);
    expect(m.size).toBe(0);
  });

  test('at most `capacity` deliveries are remembered, the oldest forgotten first', () => {
    const m = memory(3);
    for (const k of ['a', 'b', 'c', 'd']) m.recordSuccess(k, now);
    expect(m.size).toBe(3);
    expect(['a', 'b', 'c', 'd'].map((k) => m.hasSucceeded(k))).toEqual([false, true, true, true]);
  });

  test('recording sweeps expired deliveries', () => {
    const m = memory();
    m.recordSuccess('old', now - 60_000);
    m.recordSuccess('new', now);
    expect(m.size).toBe(1);
  });
});
