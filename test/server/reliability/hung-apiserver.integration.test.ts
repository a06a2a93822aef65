// A hung API server (a stalling proxy in front of the harness's apiserver, for this server only).
// Checked against what the apiserver stored, in order (a watch from the admin side): every
// delivery is answered within the documented 10 s, also one that joined a trailing patch; a patch
// aborted during the stall may still be applied when the apiserver resumes (it reads the request
// and the close together), which only changes requestedAt once more, one more reconcile request;
// nothing else is stored out of order, and the value a delivery after the stall stores is the
// newest, backed by its 2xx.
import { eventually } from '../../harness/kube';
import { StallingProxy } from '../../harness/stalling-proxy';
import { StoredValues } from '../../harness/stored-values';
import { receiver, receiverPath, requestedAt, send, ServerFixture, startServed } from '../receiver-fixture';

describe('a hung API server (stalling proxy)', () => {
  let ns: string;
  let fixture: ServerFixture;
  let proxy: StallingProxy;
  let stored: StoredValues;

  beforeAll(async () => {
    proxy = await StallingProxy.start();
    ({ ns, fixture } = await startServed({
      namespace: 'hung',
      gitRepositories: ['app', 'other'],
      tokens: { s: 'hung-token' },
      receivers: (n) => [
        receiver('g', n, { type: 'generic', secretRef: { name: 's' }, resources: [{ kind: 'GitRepository', name: 'app' }] }),
        receiver('o', n, { type: 'generic', secretRef: { name: 's' }, resources: [{ kind: 'GitRepository', name: 'other' }] }),
      ],
      options: () => ({ kubeConfig: proxy.kubeConfig() }),
    }));
    // Before the first delivery: the watch sees every value the server stores.
    stored = new StoredValues(ns, undefined, 'app');
    await stored.start();
  });

  afterAll(async () => {
    stored?.stop();
    await fixture?.stop();
    await proxy?.stop();
  });

  const deliver = async () => {
    const sentAt = Date.now();
    const res = await send(fixture.url(receiverPath('hung-token', 'g', ns)), { body: '{}' });
    return { status: res.status, sentAt, answeredAt: Date.now() };
  };

  test('stalled 13 s: every delivery answered within 10 s of sending; after resuming, only patches of the stall land out of order and the newest value wins', async () => {
    // Concurrent patches of two objects leave several established keep-alive connections: the
    // patch retried during the stall then goes out on one of them, not behind a new handshake.
    for (let i = 0; i < 3; i++) {
      const statuses = await Promise.all([deliver(), send(fixture.url(receiverPath('hung-token', 'o', ns)), { body: '{}' })]);
      expect(statuses.map((r) => r.status)).toEqual([200, 200]);
    }
    proxy.pause();
    const pausedAt = Date.now();
    const first = deliver();
    await new Promise((r) => setTimeout(r, 3000));
    const joined = Promise.all([deliver(), deliver()]);
    const answered = [await first, ...(await joined)];
    // The first waited for its own patch; the other two joined the trailing one.
    for (const a of answered) {
      expect(a.status).toBe(500);
      expect(a.answeredAt - a.sentAt).toBeLessThan(10_500);
    }
    await new Promise((r) => setTimeout(r, Math.max(0, answered[0].sentAt + 13_000 - Date.now())));
    proxy.resume();
    const resumedAt = Date.now();
    // Back to normal: a new delivery is a 200 backed by a stored value.
    let after = await deliver();
    const deadline = Date.now() + 15_000;
    while (after.status !== 200 && Date.now() < deadline) after = await deliver();
    expect(after.status).toBe(200);
    // Every patch sent during the stall has been answered (or dropped) by the apiserver, and the
    // watch has seen the value it holds now: no stale patch is still on its way.
    await proxy.settled();
    const current = await requestedAt(ns, 'app');
    await eventually('the watch at the stored value', async () => (stored.values('app').at(-1) === current ? true : undefined));
    const values = stored.values('app');
    expect(values.length).toBeGreaterThanOrEqual(2);
    const millis = (value: string) => Date.parse(value.slice(0, 23) + 'Z');
    // A value stored after a newer one is an aborted patch of the stall, never anything else.
    const late = values.filter((v, i) => values.slice(0, i).some((earlier) => earlier > v));
    for (const v of late) {
      expect({ late: v, sentDuringTheStall: millis(v) >= pausedAt - 1 && millis(v) <= resumedAt }).toEqual({ late: v, sentDuringTheStall: true });
    }
    expect(values.at(-1)).toBe([...values].sort().at(-1));
    expect(millis(values.at(-1)!)).toBeGreaterThanOrEqual(after.sentAt - 1);
  });
});
