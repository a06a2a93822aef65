// Redelivery against the real apiserver, counting the PATCHes the server's own kube client sends:
// a verified copy of a delivery that already succeeded is answered 200 without a patch; a copy
// whose predecessor is in flight or failed, a copy with another body, an unverified copy and a
// copy after the window are all handled like new deliveries.
import { githubPushHeaders } from '../../harness/http';
import { adminKubeConfig, eventually, kubeConfigForToken, kubeRequest, serviceAccountWithRole } from '../../harness/kube';
import { receiver, receiverPath, requestedAt, send, ServedSetup, ServerFixture, startServed } from '../receiver-fixture';

const TOKEN = 'dup-token';
const WINDOW_MS = 4000;

/** A push signed with `key`, with the delivery id `id`. */
const github = (body: string, id: string, key = TOKEN) => ({ ...githubPushHeaders(key, body), 'X-GitHub-Delivery': id });

/** A GitHub receiver `hub` for the GitRepository `app`. */
const hub: Omit<ServedSetup, 'namespace' | 'options'> = {
  gitRepositories: ['app'],
  tokens: { gh: TOKEN },
  receivers: (ns) => [receiver('hub', ns, { type: 'github', secretRef: { name: 'gh' }, resources: [{ kind: 'GitRepository', name: 'app' }] })],
};

/** The receiver's Role (its ServiceAccount and RoleBinding share the name); tests change its verbs. */
const role = (verbs: string[]) => ({
  apiVersion: 'rbac.authorization.k8s.io/v1',
  kind: 'Role',
  metadata: { name: 'receiver' },
  rules: [{ apiGroups: ['source.toolkit.fluxcd.io'], resources: ['gitrepositories'], verbs }],
});

describe('redelivery window (real apiserver)', () => {
  let ns: string;
  let fixture: ServerFixture;
  const patches = () => fixture.patcher.calls.filter((c) => c.namespace === ns).length;
  const deliver = (body: string, id: string, key?: string) => send(fixture.url(receiverPath(TOKEN, 'hub', ns)), { headers: github(body, id, key), body });
  const outcomeOf = (id: string) => fixture.logs.filter((l) => l.receiver === `${ns}/hub` && l.deliveryId === id).map((l) => l.outcome);

  beforeAll(async () => {
    ({ ns, fixture } = await startServed({
      ...hub,
      namespace: 'dup',
      options: async (namespace) => ({
        duplicateWindowMs: WINDOW_MS,
        kubeConfig: kubeConfigForToken(await serviceAccountWithRole(namespace, 'receiver', role(['get', 'list', 'watch', 'patch']).rules)),
      }),
    }));
  });

  afterAll(async () => {
    await fixture?.stop();
  });

  test('a copy of a succeeded delivery is answered 200 without a patch and counted as duplicate', async () => {
    const body = '{"after":"c1"}';
    expect((await deliver(body, 'id-1')).status).toBe(200);
    expect(patches()).toBe(1);
    const annotation = await requestedAt(ns, 'app');
    const copies = await Promise.all([deliver(body, 'id-1'), deliver(body, 'id-1'), deliver(body, 'id-1')]);
    expect(copies.map((c) => c.status)).toEqual([200, 200, 200]);
    expect(patches()).toBe(1);
    expect(await requestedAt(ns, 'app')).toBe(annotation);
    expect(outcomeOf('id-1')).toEqual(['triggered', 'duplicate', 'duplicate', 'duplicate']);
    const metrics = await fixture.metrics();
    expect(metrics).toContain(`flux_webhook_receiver_duplicate_deliveries_total{namespace="${ns}",name="hub",type="github"} 3`);
    expect(metrics).toContain(`flux_webhook_receiver_deliveries_total{namespace="${ns}",name="hub",type="github",outcome="duplicate"} 3`);
  });

  test('the id counts only after the signature check: a badly signed copy is 400, and a badly signed first copy does not poison the id', async () => {
    const before = patches();
    expect((await deliver('{"after":"c1"}', 'id-1', 'wrong-key')).status).toBe(400);
    expect((await deliver('{"after":"c2"}', 'id-2', 'wrong-key')).status).toBe(400);
    expect(patches()).toBe(before);
    expect((await deliver('{"after":"c2"}', 'id-2')).status).toBe(200);
    expect(patches()).toBe(before + 1);
    expect(outcomeOf('id-2')).toEqual(['triggered']);
  });

  test('the same id with another body is a new delivery', async () => {
    const before = patches();
    expect((await deliver('{"after":"c3"}', 'id-3')).status).toBe(200);
    expect((await deliver('{"after":"c3-other"}', 'id-3')).status).toBe(200);
    expect(patches()).toBe(before + 2);
    expect(outcomeOf('id-3')).toEqual(['triggered', 'triggered']);
  });

  test('a copy arriving while the first is still in flight gets its own patch (the first has not succeeded yet)', async () => {
    const before = patches();
    let release!: () => void;
    fixture.patcher.hold = new Promise((resolve) => (release = resolve));
    // Observes (does not replace) the trigger, to know when the copy got past the duplicate check.
    const requests = jest.spyOn(fixture.server!.trigger, 'request');
    const first = deliver('{"after":"c4"}', 'id-4');
    await eventually('first patch started', async () => (patches() === before + 1 ? true : undefined));
    const copySentAt = Date.now();
    const copy = deliver('{"after":"c4"}', 'id-4');
    await eventually('copy queued behind the first patch', async () => (requests.mock.calls.length === 2 ? true : undefined));
    requests.mockRestore();
    fixture.patcher.hold = undefined;
    release();
    expect([(await first).status, (await copy).status]).toEqual([200, 200]);
    expect(patches()).toBe(before + 2);
    expect(fixture.patcher.started[fixture.patcher.started.length - 1]).toBeGreaterThanOrEqual(copySentAt);
    expect(outcomeOf('id-4')).toEqual(['triggered', 'triggered']);
  });

  test('a copy of a failed delivery is handled again, and its success then answers later copies', async () => {
    const admin = adminKubeConfig();
    const path = `/apis/rbac.authorization.k8s.io/v1/namespaces/${ns}/roles/receiver`;
    expect((await kubeRequest(admin, 'PUT', path, role(['get', 'list', 'watch']))).status).toBe(200);
    await eventually('patch forbidden', async () => ((await deliver(`{"probe":${Date.now()}}`, `probe-${Date.now()}`)).status === 500 ? true : undefined));
    expect((await deliver('{"after":"c5"}', 'id-5')).status).toBe(500);
    expect((await kubeRequest(admin, 'PUT', path, role(['get', 'list', 'watch', 'patch']))).status).toBe(200);
    await eventually('patch allowed', async () => ((await deliver('{"after":"c5"}', 'id-5')).status === 200 ? true : undefined));
    const before = patches();
    expect((await deliver('{"after":"c5"}', 'id-5')).status).toBe(200);
    expect(patches()).toBe(before);
    expect(outcomeOf('id-5')[0]).toBe('target_error');
    expect(outcomeOf('id-5').slice(-2)).toEqual(['triggered', 'duplicate']);
  });

  test('after the window a copy is a new delivery again', async () => {
    const body = '{"after":"c6"}';
    expect((await deliver(body, 'id-6')).status).toBe(200);
    const before = patches();
    await new Promise((r) => setTimeout(r, WINDOW_MS + 200));
    expect((await deliver(body, 'id-6')).status).toBe(200);
    expect(patches()).toBe(before + 1);
    expect(outcomeOf('id-6')).toEqual(['triggered', 'triggered']);
  }, 20_000);
});

describe('redelivery window off (0, like Flux)', () => {
  let ns: string;
  let fixture: ServerFixture;

  beforeAll(async () => {
    ({ ns, fixture } = await startServed({ ...hub, namespace: 'dup-off', options: () => ({ duplicateWindowMs: 0 }) }));
  });

  afterAll(async () => {
    await fixture?.stop();
  });

  test('every copy gets its own patch', async () => {
    const body = '{"after":"c1"}';
    const url = fixture.url(receiverPath(TOKEN, 'hub', ns));
    for (let i = 0; i < 3; i++) expect((await send(url, { headers: github(body, 'same-id'), body })).status).toBe(200);
    expect(fixture.patcher.calls.filter((c) => c.namespace === ns).length).toBe(3);
  });
});
