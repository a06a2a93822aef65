// The event recorder against the real apiserver: one Event per key whose count grows by merge
// patches within the window, coalesced bursts, the per-object rate limit, a new Event after the
// window or when the old one is gone.
import { EventOccurrence, EventRecorder, EventRecorderOptions } from '../../../server/kube/event-recorder';
import { KubeClient } from '../../../server/kube/kube-client';
import { createLogger } from '../../../server/observability/logger';
import { adminKubeConfig, createTestNamespace, kubeRequest } from '../../harness/kube';

interface CoreEvent {
  metadata: { name: string };
  involvedObject: { kind: string; name: string; uid?: string };
  reason: string;
  message: string;
  type: string;
  count: number;
  source: { component: string };
  reportingComponent: string;
  firstTimestamp: string;
  lastTimestamp: string;
}

async function eventsOf(ns: string, name: string): Promise<CoreEvent[]> {
  const res = await kubeRequest(adminKubeConfig(), 'GET', `/api/v1/namespaces/${ns}/events?fieldSelector=involvedObject.name%3D${name}`);
  expect(res.status).toBe(200);
  return (res.body.items as CoreEvent[]).sort((a, b) => a.metadata.name.localeCompare(b.metadata.name));
}

describe('EventRecorder (real apiserver)', () => {
  let ns: string;
  let kube: KubeClient;
  let clock: number;
  const logs: Record<string, unknown>[] = [];
  const recorder = (options: Partial<EventRecorderOptions> = {}) =>
    new EventRecorder(kube, createLogger('debug', (l) => logs.push(JSON.parse(l))), { component: 'flux-webhook-receiver', instance: 'pod-1', now: () => clock, ...options });
  const occurrence = (name: string, message = 'Receiver apps/webapp (github) requested a reconcile'): EventOccurrence => ({
    object: { apiVersion: 'source.toolkit.fluxcd.io/v1', kind: 'GitRepository', namespace: ns, name, uid: '3f1b2c4d-0000-4000-8000-000000000001' },
    type: 'Normal',
    reason: 'ReconcileRequested',
    message,
  });

  beforeAll(async () => {
    ns = await createTestNamespace('events');
    kube = new KubeClient(adminKubeConfig());
  });
  beforeEach(() => {
    clock = Date.parse('2026-11-29T12:00:00Z');
  });
  afterAll(() => kube.close());

  test('the same occurrence within the window patches one Event: count 3; another message is another Event', async () => {
    const r = recorder();
    for (let i = 0; i < 3; i++) {
      r.record(occurrence('seq'));
      await r.flushed();
      clock += 60_000;
    }
    r.record(occurrence('seq', 'Receiver apps/other (gitlab) requested a reconcile'));
    await r.flushed();
    const events = await eventsOf(ns, 'seq');
    expect(events.map((e) => [e.message, e.count])).toEqual(expect.arrayContaining([
      ['Receiver apps/webapp (github) requested a reconcile', 3],
      ['Receiver apps/other (gitlab) requested a reconcile', 1],
    ]));
    expect(events).toHaveLength(2);
    const first = events.find((e) => e.count === 3)!;
    expect(first).toMatchObject({
      type: 'Normal',
      reason: 'ReconcileRequested',
      involvedObject: { kind: 'GitRepository', name: 'seq', uid: '3f1b2c4d-0000-4000-8000-000000000001' },
      source: { component: 'flux-webhook-receiver' },
      reportingComponent: 'flux-webhook-receiver',
      firstTimestamp: '2026-11-29T12:00:00Z',
      lastTimestamp: '2026-11-29T12:02:00Z',
    });
  });

  test('a burst is coalesced: 40 occurrences at once cost at most two writes and all are counted', async () => {
    const writes: string[] = [];
    const counting = {
      writeJson: (method: 'POST' | 'PATCH', path: string, body: unknown, type?: string) => {
        writes.push(method);
        return kube.writeJson(method, path, body, type);
      },
    };
    const r = new EventRecorder(counting, createLogger('error', () => undefined), { component: 'flux-webhook-receiver', instance: 'pod-1', burst: 100, now: () => clock });
    for (let i = 0; i < 40; i++) r.record(occurrence('burst'));
    await r.flushed();
    expect(writes).toEqual(['POST', 'PATCH']);
    expect((await eventsOf(ns, 'burst')).map((e) => e.count)).toEqual([40]);
  });

  test('rate limit per object: burst 2, then nothing until a token is refilled', async () => {
    const r = recorder({ burst: 2, refillMs: 300_000 });
    for (let i = 0; i < 4; i++) {
      r.record(occurrence('limited'));
      await r.flushed();
    }
    expect((await eventsOf(ns, 'limited')).map((e) => e.count)).toEqual([2]);
    expect(logs).toEqual(expect.arrayContaining([expect.objectContaining({ msg: 'event dropped by the rate limit', name: 'limited' })]));
    clock += 300_000;
    r.record(occurrence('limited'));
    await r.flushed();
    expect((await eventsOf(ns, 'limited')).map((e) => e.count)).toEqual([3]);
  });

  test('after the window, or when the Event is gone, a new Event starts at count 1', async () => {
    const r = recorder({ windowMs: 600_000 });
    r.record(occurrence('window'));
    await r.flushed();
    clock += 600_001;
    r.record(occurrence('window'));
    await r.flushed();
    expect((await eventsOf(ns, 'window')).map((e) => e.count)).toEqual([1, 1]);

    r.record(occurrence('gone'));
    await r.flushed();
    const [old] = await eventsOf(ns, 'gone');
    expect((await kubeRequest(adminKubeConfig(), 'DELETE', `/api/v1/namespaces/${ns}/events/${old.metadata.name}`)).status).toBe(200);
    r.record(occurrence('gone'));
    await r.flushed();
    const now = await eventsOf(ns, 'gone');
    expect(now.map((e) => e.count)).toEqual([1]);
    expect(now[0].metadata.name).not.toBe(old.metadata.name);
  });
});
