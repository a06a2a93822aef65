// Targets that do not exist yet, against the real apiserver. kube-apiserver answers the metadata
// LIST of an empty collection with `"items": null`; a receiver created before its GitRepository
// (or its namespace) is the common case, and must neither keep the server unready nor stop the
// other receivers from being served. A target the apiserver cannot list at all (a kind it does
// not serve) answers 500 per request, like Flux, and does not make the whole server unready.
import { adminKubeConfig, createTestNamespace, kubeRequest } from '../../harness/kube';
import { createGitRepositories, receiver, receiverPath, requestedAt, send, ServerFixture } from '../receiver-fixture';

describe('receivers whose targets do not exist yet (real apiserver)', () => {
  let ns: string;
  let emptyNs: string;
  let missingNs: string;
  let fixture: ServerFixture;
  const hook = (name: string) => fixture.url(receiverPath(`${name}-token`, name, ns));

  beforeAll(async () => {
    ns = await createTestNamespace('targets');
    emptyNs = await createTestNamespace('targets-empty');
    missingNs = `${ns}-later`;
    await createGitRepositories(ns, [{ name: 'present' }]);
    fixture = await ServerFixture.start({ defaultNamespace: ns });
    const generic = (name: string, resources: unknown[]) => {
      fixture.writeSecret(name, { token: `${name}-token` });
      return receiver(name, ns, { type: 'generic', secretRef: { name }, resources });
    };
    fixture.writeReceivers('r.yaml', [
      generic('present', [{ kind: 'GitRepository', name: 'present' }]),
      generic('empty-ns', [{ kind: 'GitRepository', name: 'app', namespace: emptyNs }]),
      generic('missing-ns', [{ kind: 'GitRepository', name: 'app', namespace: missingNs }]),
      generic('no-objects', [{ kind: 'Bucket', name: '*', matchLabels: { app: 'x' } }]),
      generic('unserved', [{ apiVersion: 'source.toolkit.fluxcd.io/v9', kind: 'GitRepository', name: 'present' }]),
    ]);
    await fixture.listen();
  });

  afterAll(async () => {
    await fixture?.stop();
    await kubeRequest(adminKubeConfig(), 'DELETE', `/api/v1/namespaces/${missingNs}`);
  });

  test('the server turns ready although one namespace is empty, one missing, one kind has no objects and one is not served', async () => {
    await fixture.ready(10_000);
    expect(fixture.server!.readiness()).toEqual({ ready: true, reasons: [] });
  });

  test('the receiver whose target exists is served (200, annotation written)', async () => {
    expect((await send(hook('present'))).status).toBe(200);
    expect(await requestedAt(ns, 'present')).toMatch(/^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{9}Z$/);
  });

  test('a named target not created yet answers 500 "not found", then 200 once it exists', async () => {
    const before = await send(hook('empty-ns'));
    expect(before.status).toBe(500);
    expect(fixture.logs.filter((l) => l.receiver === `${ns}/empty-ns`).pop()!.error).toContain(`GitRepository "${emptyNs}/app" error: not found`);
    await createGitRepositories(emptyNs, [{ name: 'app' }]);
    await waitFor(async () => (await send(hook('empty-ns'))).status === 200);
    expect(await requestedAt(emptyNs, 'app')).toBeDefined();
  });

  test('a target namespace created after the receiver: 500 until it and its object exist, then 200', async () => {
    expect((await send(hook('missing-ns'))).status).toBe(500);
    const created = await kubeRequest(adminKubeConfig(), 'POST', '/api/v1/namespaces', { metadata: { name: missingNs } });
    expect(created.status).toBe(201);
    await createGitRepositories(missingNs, [{ name: 'app' }]);
    await waitFor(async () => (await send(hook('missing-ns'))).status === 200);
    expect(await requestedAt(missingNs, 'app')).toBeDefined();
  });

  test('a wildcard over a kind with no objects selects nothing and answers 200 (Flux: nothing to do)', async () => {
    const res = await send(hook('no-objects'));
    expect(res.status).toBe(200);
    const line = fixture.logs.filter((l) => l.receiver === `${ns}/no-objects`).pop()!;
    expect(line.targets).toEqual([{ kind: 'Bucket', namespace: ns, name: '*', selected: 0, patched: 0, filteredOut: 0, result: 'ok' }]);
  });

  test('a kind the apiserver does not serve answers 500 for its own receiver only', async () => {
    const sentAt = Date.now();
    const res = await send(hook('unserved'));
    expect(res.status).toBe(500);
    // The LIST already failed: answered at once, not after waiting for a sync that cannot come.
    expect(Date.now() - sentAt).toBeLessThan(1000);
    expect(fixture.logs.filter((l) => l.receiver === `${ns}/unserved`).pop()!.error).toContain('cache not synced');
    expect((await send(hook('present'))).status).toBe(200);
    expect(fixture.server!.readiness().ready).toBe(true);
    const readyz = await send(`http://127.0.0.1:${fixture.server!.ports.health}/readyz`, { method: 'GET' });
    expect(readyz.status).toBe(200);
    expect(readyz.body).toMatch(/^ok\ntarget cache failing \(its receivers answer 500\): GitRepository\.source\.toolkit\.fluxcd\.io\/v9 in targets-[0-9a-f]{6}: .*HTTP 404/);
  });
});

async function waitFor(check: () => Promise<boolean>, timeoutMs = 10_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (Date.now() < deadline) {
    if (await check()) return;
    await new Promise((r) => setTimeout(r, 100));
  }
  throw new Error('condition not met in time');
}
