// The token bucket of one receiver, on a clock the test moves.
import { ReceiverRateLimiter } from '../../../server/pipeline/rate-limiter';
import type { ServedReceiver } from '../../../server/receivers/receiver-source';

function served(name: string, type: string, annotations?: Record<string, string>): ServedReceiver {
  return {
    key: `ns/${name}`,
    object: { apiVersion: 'notification.toolkit.fluxcd.io/v1', kind: 'Receiver', metadata: { name, namespace: 'ns', annotations }, spec: { type, resources: [] } },
    ready: true,
    origin: 'test',
  };
}

describe('ReceiverRateLimiter', () => {
  let now = 0;
  const limiter = () => new ReceiverRateLimiter({ signed: { perSecond: 2, burst: 4 }, generic: { perSecond: 0.5, burst: 1 } }, undefined, () => now);
  beforeEach(() => (now = 1_000_000));

  test('a full bucket allows the burst, then refills at the rate; Retry-After rounds up to whole seconds', () => {
    const l = limiter();
    const gh = served('gh', 'github');
    for (let i = 0; i < 4; i++) expect(l.take(gh)).toEqual({ ok: true });
    expect(l.take(gh)).toEqual({ ok: false, retryAfterSeconds: 1, limit: { perSecond: 2, burst: 4 } });
    now += 499;
    expect(l.take(gh).ok).toBe(false);
    now += 1;
    expect(l.take(gh)).toEqual({ ok: true });
    // A long pause refills no more than the burst.
    now += 3_600_000;
    for (let i = 0; i < 4; i++) expect(l.take(gh).ok).toBe(true);
    expect(l.take(gh).ok).toBe(false);
  });

  test('generic receivers get their own lower default; each receiver has its own bucket', () => {
    const l = limiter();
    const generic = served('hook', 'generic');
    expect(l.take(generic).ok).toBe(true);
    expect(l.take(generic)).toEqual({ ok: false, retryAfterSeconds: 2, limit: { perSecond: 0.5, burst: 1 } });
    expect(l.take(served('other', 'generic')).ok).toBe(true);
  });

  test('the annotation overrides the default; "off" and a missing default mean no limit; a bad value keeps the default', () => {
    const l = limiter();
    const own = served('own', 'generic', { 'cdk8s-flux-webhooks.io/rate-limit': '3/m,burst=2' });
    expect([l.take(own).ok, l.take(own).ok]).toEqual([true, true]);
    expect(l.take(own)).toEqual({ ok: false, retryAfterSeconds: 20, limit: { perSecond: 0.05, burst: 2 } });
    const off = served('off', 'generic', { 'cdk8s-flux-webhooks.io/rate-limit': 'off' });
    for (let i = 0; i < 100; i++) expect(l.take(off).ok).toBe(true);
    const bad = served('bad', 'github', { 'cdk8s-flux-webhooks.io/rate-limit': '3 per minute' });
    expect(l.limitFor(bad)).toEqual({ perSecond: 2, burst: 4 });
    const none = new ReceiverRateLimiter({}, undefined, () => now);
    for (let i = 0; i < 100; i++) expect(none.take(served('gh', 'github')).ok).toBe(true);
  });

  test('a changed limit starts a full bucket of the new size; retain drops buckets of removed receivers', () => {
    const l = limiter();
    const gh = served('gh', 'github');
    for (let i = 0; i < 4; i++) l.take(gh);
    expect(l.take(gh).ok).toBe(false);
    const raised = served('gh', 'github', { 'cdk8s-flux-webhooks.io/rate-limit': '10/s,burst=10' });
    for (let i = 0; i < 10; i++) expect(l.take(raised).ok).toBe(true);
    expect(l.take(raised).ok).toBe(false);
    l.retain([]);
    expect(l.take(raised).ok).toBe(true);
  });
});
