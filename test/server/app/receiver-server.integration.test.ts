// The receiver server end to end in files mode against the real apiserver: routing and limits,
// targets, RBAC, file reloads (including Kubernetes' `..data` symlink swaps), invalid documents,
// metrics and logs.
import * as path from 'path';
import { stringify } from 'yaml';
import { adminKubeConfig, createTestNamespace, eventually, kubeConfigForToken, kubeRequest, serviceAccountToken } from '../../harness/kube';
import { projectAtomically } from '../../harness/projected-volume';
import { createGitRepositories, receiver, receiverPath, requestedAt, send, ServerFixture } from '../receiver-fixture';

const gitRepo = (name: string, extra: Record<string, unknown> = {}) => ({ kind: 'GitRepository', name, ...extra });

async function statusOf(url: string, timeoutMs: number, expected: number): Promise<number> {
  const deadline = Date.now() + timeoutMs;
  let status = 0;
  while (Date.now() < deadline) {
    status = (await send(url, { body: 'null' })).status;
    if (status === expected) return status;
    await new Promise((r) => setTimeout(r, 100));
  }
  return status;
}

describe('receiver server (files mode, real apiserver)', () => {
  let ns: string;
  let other: string;
  let fixture: ServerFixture;

  beforeAll(async () => {
    ns = await createTestNamespace('server-int');
    other = await createTestNamespace('server-other');
    await createGitRepositories(ns, [{ name: 'webapp' }, { name: 'api', labels: { team: 'dev' } }, { name: 'db', labels: { team: 'ops' } }]);
    await createGitRepositories(other, [{ name: 'shared' }]);
    fixture = await ServerFixture.start({ defaultNamespace: ns });
    fixture.writeSecret('gh', { token: 'gh-token\n' });
    fixture.writeReceivers('receivers.yaml', [
      receiver('webapp', undefined, { type: 'generic', secretRef: { name: 'gh' }, resources: [gitRepo('webapp')] }),
      receiver('team-dev', ns, { type: 'generic', secretRef: { name: 'gh' }, resources: [gitRepo('*', { matchLabels: { team: 'dev' } })] }),
      receiver('cross', ns, { type: 'generic', secretRef: { name: 'gh' }, resources: [gitRepo('shared', { namespace: other })] }),
      receiver('res-shape', ns, {
        type: 'generic',
        secretRef: { name: 'gh' },
        resourceFilter: `res.apiVersion == 'source.toolkit.fluxcd.io/v1' && res.kind == 'GitRepository' && res.metadata.namespace == '${ns}'`
          + ' && has(res.metadata.uid) && !has(res.spec) && !has(res.status) && !has(res.metadata.managedFields)',
        resources: [gitRepo('db')],
      }),
    ]);
    await fixture.listen();
    await fixture.ready();
  });

  afterAll(async () => {
    await fixture?.stop();
  });

  test('a delivery annotates the GitRepository; the token newline is part of the path; log and metrics name the receiver only', async () => {
    const hook = receiverPath('gh-token\n', 'webapp', ns);
    expect((await send(fixture.url(receiverPath('gh-token', 'webapp', ns)), { body: 'null' })).status).toBe(404);
    const res = await send(fixture.url(hook), { body: 'null', headers: { 'Content-Type': 'application/json' } });
    expect(res.status).toBe(200);
    expect(res.headers['content-length']).toBe('0');
    expect(await requestedAt(ns, 'webapp')).toMatch(/^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{9}Z$/);
    const line = fixture.logs.filter((l) => l.receiver === `${ns}/webapp` && l.status === 200).pop();
    expect(line).toMatchObject({ type: 'generic', outcome: 'triggered', targets: [{ kind: 'GitRepository', name: 'webapp', patched: 1 }] });
    expect(typeof line!.durationMs).toBe('number');
    const logs = JSON.stringify(fixture.logs);
    expect(logs).not.toContain(hook.slice(6));
    expect(logs).not.toContain('gh-token');
    const metrics = await fixture.metrics();
    expect(metrics).toContain('gotk_receiver_http_request_duration_seconds_count{service="",handler="/hook/",method="POST",code="200"}');
    expect(metrics).toContain('gotk_receiver_http_requests_inflight');
    expect(metrics).toMatch(new RegExp(`flux_webhook_receiver_deliveries_total\\{namespace="${ns}",name="webapp",type="generic",outcome="triggered"\\} [1-9]`));
    expect(metrics).toContain('flux_webhook_receiver_deliveries_total{namespace="",name="",type="",outcome="not_found"}');
    expect(metrics).not.toContain(hook.slice(6));
  });

  test('label selection patches only matching objects; cross-namespace targets work without the flag', async () => {
    expect((await send(fixture.url(receiverPath('gh-token\n', 'team-dev', ns)), { method: 'PUT' })).status).toBe(200);
    expect(await requestedAt(ns, 'api')).toBeDefined();
    expect(await requestedAt(ns, 'db')).toBeUndefined();
    expect((await send(fixture.url(receiverPath('gh-token\n', 'cross', ns)), { method: 'GET' })).status).toBe(200);
    expect(await requestedAt(other, 'shared')).toBeDefined();
  });

  test('the hot path makes no API call besides the patch: targets come from the metadata caches', async () => {
    const lists = jest.spyOn(fixture.kube, 'listMetadata');
    const discovery = jest.spyOn(fixture.kube, 'resourceType');
    const before = fixture.patcher.calls.length;
    for (let i = 0; i < 5; i++) {
      expect((await send(fixture.url(receiverPath('gh-token\n', 'team-dev', ns)))).status).toBe(200);
    }
    expect(lists).not.toHaveBeenCalled();
    expect(discovery).not.toHaveBeenCalled();
    expect(fixture.patcher.calls.length - before).toBe(5);
    lists.mockRestore();
    discovery.mockRestore();
  });

  test('a new object appears in the cache through the watch, without a request-time read', async () => {
    await createGitRepositories(ns, [{ name: 'late', labels: { team: 'dev' } }]);
    const patchedAt = await eventually('late object patched', async () => {
      await send(fixture.url(receiverPath('gh-token\n', 'team-dev', ns)));
      return (await requestedAt(ns, 'late')) ?? undefined;
    });
    expect(patchedAt).toEqual(expect.any(String));
  });

  test('CEL `res` is the metadata-only object with the target apiVersion and kind (no spec, status or managedFields)', async () => {
    expect((await send(fixture.url(receiverPath('gh-token\n', 'res-shape', ns)))).status).toBe(200);
    expect(await requestedAt(ns, 'db')).toBeDefined();
  });

  test('routing like Go ServeMux: 404 text outside /hook/, 307 for /hook and unclean paths, exact raw-target lookup', async () => {
    const hook = receiverPath('gh-token\n', 'webapp', ns);
    const outside = await send(fixture.url('/metrics'), { method: 'GET' });
    expect([outside.status, outside.body]).toEqual([404, '404 page not found\n']);
    const bare = await send(fixture.url('/hook'), { method: 'GET' });
    expect([bare.status, bare.headers.location]).toEqual([307, '/hook/']);
    const unclean = await send(fixture.url(`/${hook}`), { method: 'POST' });
    expect([unclean.status, unclean.headers.location]).toEqual([307, hook]);
    expect((await send(fixture.url(`${hook}?x=1`))).status).toBe(404);
    expect((await send(fixture.url(`${hook}/`))).status).toBe(404);
    expect((await send(fixture.url(hook.toUpperCase().replace('/HOOK/', '/hook/')))).status).toBe(404);
  });

  test('body limit: exactly 3 MiB is accepted, one byte more is 413 (before lookup); headers over 256 KiB are 431', async () => {
    const hook = receiverPath('gh-token\n', 'webapp', ns);
    // Flux v1.9.3: 3 MiB = 3,145,728 bytes (a literal, not the server's constant).
    expect((await send(fixture.url(hook), { body: Buffer.alloc(3_145_728, 'a') })).status).toBe(200);
    expect((await send(fixture.url(hook), { body: Buffer.alloc(3_145_729, 'a') })).status).toBe(413);
    expect((await send(fixture.url('/hook/unknown'), { body: Buffer.alloc(3_145_729, 'a') })).status).toBe(413);
    // Without a Content-Length (chunked) the cap is enforced while reading.
    const chunked = { 'Transfer-Encoding': 'chunked' };
    expect((await send(fixture.url(hook), { headers: chunked, body: Buffer.alloc(3_145_728, 'a') })).status).toBe(200);
    expect((await send(fixture.url(hook), { headers: chunked, body: Buffer.alloc(3_145_729, 'a') })).status).toBe(413);
    expect((await send(fixture.url('/hook/unknown'), { headers: chunked, body: Buffer.alloc(3_145_729, 'a') })).status).toBe(413);
    expect((await send(fixture.url(hook), { headers: { 'X-Big': 'b'.repeat(200 * 1024) }, body: 'null' })).status).toBe(200);
    expect((await send(fixture.url(hook), { headers: { 'X-Big': 'b'.repeat(300 * 1024) }, body: 'null' })).status).toBe(431);
  });

  test('/healthz and /readyz', async () => {
    const base = `http://127.0.0.1:${fixture.server!.ports.health}`;
    expect((await send(`${base}/healthz`, { method: 'GET' })).status).toBe(200);
    expect((await send(`${base}/readyz`, { method: 'GET' })).status).toBe(200);
  });

  test('an invalid document is reported with file, object and field; only that receiver is out of service', async () => {
    fixture.writeSecret('mixed', { token: 'mixed-token' });
    fixture.writeReceivers('mixed.yaml', [
      receiver('bad-kind', ns, { type: 'generic', secretRef: { name: 'mixed' }, resources: [gitRepo('webapp'), { kind: 'Deployment', name: 'x' }] }),
      receiver('good', ns, { type: 'generic', secretRef: { name: 'mixed' }, resources: [gitRepo('webapp')] }),
      { apiVersion: 'notification.toolkit.fluxcd.io/v1', kind: 'Receiver', metadata: {}, spec: { type: 'generic' } },
    ]);
    expect(await statusOf(fixture.url(receiverPath('mixed-token', 'good', ns)), 10_000, 200)).toBe(200);
    expect((await send(fixture.url(receiverPath('mixed-token', 'bad-kind', ns)))).status).toBe(503);
    expect((await send(fixture.url(receiverPath('gh-token\n', 'webapp', ns)))).status).toBe(200);
    const file = path.join(fixture.receiversDir, 'mixed.yaml');
    expect(fixture.fileSource.problems).toEqual(expect.arrayContaining([
      expect.objectContaining({ origin: `${file}#1`, object: `${ns}/bad-kind`, field: 'spec.resources[1].kind', message: expect.stringContaining('"Deployment"') }),
      expect.objectContaining({ origin: `${file}#3`, object: 'document 3', field: 'metadata.name' }),
    ]));
    expect(fixture.logs).toEqual(expect.arrayContaining([
      expect.objectContaining({ level: 'error', msg: 'invalid receiver definition', origin: `${file}#1`, object: `${ns}/bad-kind`, field: 'spec.resources[1].kind' }),
    ]));
  });

  test('CEL-rule invariants and filter compile errors make the receiver not ready, with the CRD message', async () => {
    fixture.writeSecret('rules', { token: 'rules-token' });
    fixture.writeReceivers('rules.yaml', [
      receiver('no-secret-ref', ns, { type: 'github', resources: [] }),
      receiver('bad-filter', ns, { type: 'generic', secretRef: { name: 'rules' }, resources: [gitRepo('webapp', { filter: 'claims.sub == "x"' })] }),
    ]);
    const file = path.join(fixture.receiversDir, 'rules.yaml');
    await eventually('problems reported', async () => (fixture.fileSource.problems.some((p) => p.origin.startsWith(file)) ? true : undefined));
    expect(fixture.fileSource.problems).toEqual(expect.arrayContaining([
      expect.objectContaining({ object: `${ns}/no-secret-ref`, field: 'spec', message: 'secretRef is required when type is not generic-oidc' }),
      expect.objectContaining({ object: `${ns}/bad-filter`, field: 'spec.resources[0].filter', message: expect.stringContaining("undeclared reference to 'claims'") }),
    ]));
    expect((await send(fixture.url(receiverPath('rules-token', 'bad-filter', ns)))).status).toBe(503);
  });

  test('a receiver whose Secret never existed is not served (404) and is logged', async () => {
    fixture.writeReceivers('nosecret.yaml', [receiver('lonely', ns, { type: 'generic', secretRef: { name: 'absent' }, resources: [gitRepo('webapp')] })]);
    const line = await eventually('not-ready log', async () => fixture.logs.find((l) => l.msg === 'receiver not ready' && l.receiver === `${ns}/lonely`));
    expect(line).toMatchObject({ served: false, reason: expect.stringContaining('TokenNotFound') });
  });
});

describe('file reloads with Kubernetes-style atomic symlink swaps', () => {
  let ns: string;
  let fixture: ServerFixture;

  beforeAll(async () => {
    ns = await createTestNamespace('server-reload');
    await createGitRepositories(ns, [{ name: 'one' }, { name: 'two' }]);
    fixture = await ServerFixture.start({ defaultNamespace: ns });
  });

  afterAll(async () => {
    await fixture?.stop();
  });

  test('a ConfigMap update and a Secret rotation are picked up without restart', async () => {
    const doc = (name: string, target: string) => stringify(receiver(name, ns, { type: 'generic', secretRef: { name: 'tok' }, resources: [gitRepo(target)] }));
    projectAtomically(path.join(fixture.receiversDir), { 'receivers.yaml': doc('r1', 'one') }, 1);
    projectAtomically(path.join(fixture.secretsDir, 'tok'), { token: 'first' }, 1);
    await fixture.listen();
    await fixture.ready();
    expect((await send(fixture.url(receiverPath('first', 'r1', ns)))).status).toBe(200);
    expect(await requestedAt(ns, 'one')).toBeDefined();

    projectAtomically(path.join(fixture.receiversDir), { 'receivers.yaml': doc('r2', 'two') }, 2);
    expect(await statusOf(fixture.url(receiverPath('first', 'r2', ns)), 10_000, 200)).toBe(200);
    expect(await requestedAt(ns, 'two')).toBeDefined();
    expect((await send(fixture.url(receiverPath('first', 'r1', ns)))).status).toBe(404);

    projectAtomically(path.join(fixture.secretsDir, 'tok'), { token: 'second' }, 2);
    expect(await statusOf(fixture.url(receiverPath('second', 'r2', ns)), 10_000, 200)).toBe(200);
    expect((await send(fixture.url(receiverPath('first', 'r2', ns)))).status).toBe(404);
  });
  test('deliveries keep being answered while definitions are swapped under them', async () => {
    const stable = (gen: number) => stringify(receiver('stable', ns, { type: 'generic', secretRef: { name: 'tok' }, resources: [gitRepo('one')] }))
      + `---\n${stringify(receiver(`extra-${gen}`, ns, { type: 'generic', secretRef: { name: 'tok' }, resources: [gitRepo('two')] }))}`;
    projectAtomically(fixture.receiversDir, { 'receivers.yaml': stable(10) }, 10);
    const hook = fixture.url(receiverPath('second', 'stable', ns));
    expect(await statusOf(hook, 10_000, 200)).toBe(200);
    const statuses: number[] = [];
    let swapping = true;
    const load = (async () => {
      while (swapping) statuses.push(...(await Promise.all([1, 2, 3].map(() => send(hook)))).map((r) => r.status));
    })();
    for (let gen = 11; gen < 16; gen++) {
      projectAtomically(fixture.receiversDir, { 'receivers.yaml': stable(gen) }, gen);
      await eventually(`extra-${gen} served`, async () => ((await send(fixture.url(receiverPath('second', `extra-${gen}`, ns)))).status === 200 ? true : undefined));
    }
    swapping = false;
    await load;
    expect(statuses.length).toBeGreaterThan(0);
    expect(new Set(statuses)).toEqual(new Set([200]));
  });
});

describe('RBAC: a ServiceAccount that may read but not patch', () => {
  let ns: string;
  let fixture: ServerFixture;

  beforeAll(async () => {
    ns = await createTestNamespace('server-rbac');
    await createGitRepositories(ns, [{ name: 'guarded' }]);
    const admin = adminKubeConfig();
    const created = [
      await kubeRequest(admin, 'POST', `/api/v1/namespaces/${ns}/serviceaccounts`, { metadata: { name: 'reader' } }),
      await kubeRequest(admin, 'POST', `/apis/rbac.authorization.k8s.io/v1/namespaces/${ns}/roles`, {
        metadata: { name: 'read-sources' },
        rules: [{ apiGroups: ['source.toolkit.fluxcd.io'], resources: ['gitrepositories'], verbs: ['get', 'list', 'watch'] }],
      }),
      await kubeRequest(admin, 'POST', `/apis/rbac.authorization.k8s.io/v1/namespaces/${ns}/rolebindings`, {
        metadata: { name: 'reader' },
        roleRef: { apiGroup: 'rbac.authorization.k8s.io', kind: 'Role', name: 'read-sources' },
        subjects: [{ kind: 'ServiceAccount', name: 'reader', namespace: ns }],
      }),
    ];
    expect(created.map((r) => r.status)).toEqual([201, 201, 201]);
    const token = await serviceAccountToken(ns, 'reader');
    fixture = await ServerFixture.start({ defaultNamespace: ns, kubeConfig: kubeConfigForToken(token) });
    fixture.writeSecret('s', { token: 'rbac' });
    fixture.writeReceivers('r.yaml', [receiver('guarded', ns, { type: 'generic', secretRef: { name: 's' }, resources: [gitRepo('guarded')] })]);
    await fixture.listen();
    await fixture.ready();
  });

  afterAll(async () => {
    await fixture?.stop();
  });

  test('the patch is forbidden: 500 and a log line naming the object and the permission', async () => {
    const res = await send(fixture.url(receiverPath('rbac', 'guarded', ns)));
    expect(res.status).toBe(500);
    expect(await requestedAt(ns, 'guarded')).toBeUndefined();
    const line = fixture.logs.filter((l) => l.receiver === `${ns}/guarded` && l.status === 500).pop();
    expect(line).toMatchObject({ level: 'error', outcome: 'target_error' });
    expect(line!.error).toContain(`patch GitRepository "${ns}/guarded": HTTP 403`);
    expect(line!.error).toContain(`system:serviceaccount:${ns}:reader`);
    expect(line!.error).toContain('cannot patch resource "gitrepositories"');
  });
});
