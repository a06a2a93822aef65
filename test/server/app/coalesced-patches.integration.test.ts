// Coalescing against the real apiserver: a burst of signed deliveries to one object costs far
// fewer PATCHes than requests (counted on the server's own kube client), every 200 is backed by a
// patch that started after the request was sent, and a patch failure (RBAC revoked mid-test) is 500.
import { createHmac } from 'crypto';
import * as net from 'net';
import { adminKubeConfig, eventually, kubeConfigForToken, kubeRequest, serviceAccountWithRole } from '../../harness/kube';
import { receiver, receiverPath, requestedAt, send, ServerFixture, startServed } from '../receiver-fixture';

const BURST = 40;

/** The receiver's Role (its ServiceAccount and RoleBinding share the name); tests change its verbs. */
const role = (verbs: string[]) => ({
  apiVersion: 'rbac.authorization.k8s.io/v1',
  kind: 'Role',
  metadata: { name: 'receiver' },
  rules: [{ apiGroups: ['source.toolkit.fluxcd.io'], resources: ['gitrepositories'], verbs }],
});

describe('coalesced triggers (real apiserver)', () => {
  let ns: string;
  let fixture: ServerFixture;

  beforeAll(async () => {
    ({ ns, fixture } = await startServed({
      namespace: 'coalesce',
      gitRepositories: ['hot'],
      tokens: { hmac: 'burst-token' },
      receivers: (n) => [receiver('burst', n, { type: 'generic-hmac', secretRef: { name: 'hmac' }, resources: [{ kind: 'GitRepository', name: 'hot' }] })],
      options: async (n) => ({ kubeConfig: kubeConfigForToken(await serviceAccountWithRole(n, 'receiver', role(['get', 'list', 'watch', 'patch']).rules)) }),
    }));
  });

  afterAll(async () => {
    await fixture?.stop();
  });

  const deliver = async (i: number) => {
    const body = JSON.stringify({ delivery: i });
    const sentAt = Date.now();
    const res = await send(fixture.url(receiverPath('burst-token', 'burst', ns)), {
      headers: { 'X-Signature': `sha256=${createHmac('sha256', 'burst-token').update(body).digest('hex')}`, 'Content-Type': 'application/json' },
      body,
    });
    return { status: res.status, sentAt, answeredAt: Date.now() };
  };

  /**
   * A burst that is concurrent however loaded the machine is: every request is written but its
   * last body byte, then all last bytes go out together (40 fresh connections otherwise arrive
   * spread over several patch round-trips).
   */
  const burst = async (count: number) => {
    const path = receiverPath('burst-token', 'burst', ns);
    const port = Number(new URL(fixture.url('/')).port);
    const pending = await Promise.all(Array.from({ length: count }, (_, i) => new Promise<{ socket: net.Socket; body: string }>((resolve) => {
      const body = JSON.stringify({ delivery: i });
      const signature = `sha256=${createHmac('sha256', 'burst-token').update(body).digest('hex')}`;
      const socket = net.connect(port, '127.0.0.1', () => {
        socket.write(`POST ${path} HTTP/1.1\r\nHost: x\r\nContent-Type: application/json\r\nX-Signature: ${signature}\r\nContent-Length: ${body.length}\r\nConnection: close\r\n\r\n${body.slice(0, -1)}`, () => resolve({ socket, body }));
      });
    })));
    const sentAt = Date.now();
    return Promise.all(pending.map(({ socket, body }) => new Promise<{ status: number; sentAt: number; answeredAt: number }>((resolve) => {
      let text = '';
      socket.on('data', (c) => (text += c.toString('latin1')));
      socket.on('close', () => resolve({ status: Number(text.slice(9, 12)), sentAt, answeredAt: Date.now() }));
      socket.write(body.slice(-1));
    })));
  };

  test(`${BURST} concurrent deliveries cost far fewer patches, each 200 backed by a patch started after it was sent`, async () => {
    const before = fixture.patcher.calls.length;
    // Each patch takes 300 ms more, far longer than the burst takes to arrive even on a loaded
    // machine: the burst must then cost the first patch plus one shared trailing patch.
    fixture.patcher.delayMs = 300;
    const results = await burst(BURST).finally(() => (fixture.patcher.delayMs = 0));
    expect(results.map((r) => r.status)).toEqual(Array(BURST).fill(200));
    const starts = fixture.patcher.started.slice(before);
    const succeeded = fixture.patcher.succeeded.slice(before);
    expect(starts.length).toBeGreaterThanOrEqual(1);
    expect(starts.length).toBeLessThan(BURST / 4);
    // Each 200 is backed by one patch that started after the request was sent AND had succeeded
    // before the answer came back (not merely one that had started).
    for (const r of results) {
      expect(starts.some((s, i) => s >= r.sentAt && succeeded[i] !== undefined && succeeded[i]! <= r.answeredAt)).toBe(true);
    }
    expect(await requestedAt(ns, 'hot')).toBeDefined();
  });

  test('a patch failure (patch permission revoked mid-test) answers 500, for every request of a burst', async () => {
    const res = await kubeRequest(adminKubeConfig(), 'PUT', `/apis/rbac.authorization.k8s.io/v1/namespaces/${ns}/roles/receiver`, role(['get', 'list', 'watch']));
    expect(res.status).toBe(200);
    await eventually('patch forbidden', async () => ((await deliver(-1)).status === 500 ? true : undefined));
    const annotation = await requestedAt(ns, 'hot');
    const results = await Promise.all(Array.from({ length: 10 }, (_, i) => deliver(i)));
    expect(results.map((r) => r.status)).toEqual(Array(10).fill(500));
    expect(await requestedAt(ns, 'hot')).toBe(annotation);
    const line = fixture.logs.filter((l) => l.receiver === `${ns}/burst` && l.status === 500).pop();
    expect(line!.error).toContain('HTTP 403');
  });
});
