// --record-events end to end on the real apiserver: the server runs as the ServiceAccount a
// WebhookReceiver with `recordEvents` synthesizes (its Role is all it may use), and each accepted
// delivery leaves a ReconcileRequested Event on the GitRepository, aggregated into one Event whose
// count grows. Without the flag nothing is recorded. In cluster mode a failed patch leaves a
// Warning on the Receiver object.
import { Chart, Testing } from 'cdk8s';
import * as kplus from 'cdk8s-plus-28';
import { parseAllDocuments } from 'yaml';
import { ReceiverServer } from '../../../server/app/receiver-server';
import { EventRecorder } from '../../../server/kube/event-recorder';
import { KubeClient, ObjectRef } from '../../../server/kube/kube-client';
import { createLogger } from '../../../server/observability/logger';
import { ReconcileEvents } from '../../../server/pipeline/reconcile-events';
import { providerFor } from '../../../server/providers';
import { ClusterReceiverSource } from '../../../server/receivers/cluster/cluster-receiver-source';
import type { ServedReceiver } from '../../../server/receivers/receiver-source';
import { GoogleIdTokenVerifier, OidcTokenVerifier } from '../../../server/verifiers';
import { ReceiverProvider, ReconcileTarget, WebhookReceiver } from '../../../src';
import { adminKubeConfig, apply, createTestNamespace, eventually, kubeConfigForToken, kubeRequest, serviceAccountToken } from '../../harness/kube';
import { createGitRepositories, receiver, receiverPath, send, ServerFixture } from '../receiver-fixture';

const TOKEN = 'events-token';

async function eventsOf(ns: string, name: string): Promise<any[]> {
  const res = await kubeRequest(adminKubeConfig(), 'GET', `/api/v1/namespaces/${ns}/events?fieldSelector=involvedObject.name%3D${name}`);
  expect(res.status).toBe(200);
  return res.body.items;
}

describe('--record-events (real apiserver)', () => {
  let ns: string;
  let fixture: ServerFixture;
  let quiet: ServerFixture;

  beforeAll(async () => {
    ns = await createTestNamespace('rec-events');
    await createGitRepositories(ns, [{ name: 'webapp' }, { name: 'quiet' }]);
    const chart = new Chart(Testing.app(), 'apps', { namespace: ns });
    const server = new WebhookReceiver(chart, 'receiver', { recordEvents: true });
    const secret = kplus.Secret.fromSecretName(chart, 'token', 'webhook-token');
    server.addReceiver('webapp', { provider: ReceiverProvider.generic(), secret, targets: [ReconcileTarget.gitRepository('webapp')] });
    const manifests = Testing.synth(chart) as any[];
    await apply(manifests.filter((m) => ['ServiceAccount', 'Role', 'RoleBinding'].includes(m.kind)));
    const sa = manifests.find((m) => m.kind === 'ServiceAccount').metadata.name;
    const configMap = manifests.find((m) => m.kind === 'ConfigMap');

    const asServiceAccount = kubeConfigForToken(await serviceAccountToken(ns, sa));
    fixture = await ServerFixture.start({ defaultNamespace: ns, recordEvents: true, kubeConfig: asServiceAccount });
    fixture.writeSecret('webhook-token', { token: TOKEN });
    fixture.writeReceivers('receivers.yaml', parseAllDocuments(configMap.data['receivers.yaml']).map((d) => d.toJS()));
    await fixture.listen();
    await fixture.ready();

    quiet = await ServerFixture.start({ defaultNamespace: ns });
    quiet.writeSecret('webhook-token', { token: TOKEN });
    quiet.writeReceivers('receivers.yaml', [receiver('quiet', ns, { type: 'generic', secretRef: { name: 'webhook-token' }, resources: [{ kind: 'GitRepository', name: 'quiet' }] })]);
    await quiet.listen();
    await quiet.ready();
  });

  afterAll(async () => {
    await fixture?.stop();
    await quiet?.stop();
  });

  test('each accepted delivery is counted on one ReconcileRequested Event naming the receiver, with the RBAC the construct grants', async () => {
    const repo = await kubeRequest(adminKubeConfig(), 'GET', `/apis/source.toolkit.fluxcd.io/v1/namespaces/${ns}/gitrepositories/webapp`);
    for (let i = 0; i < 3; i++) {
      expect((await send(fixture.url(receiverPath(TOKEN, 'webapp', ns)), { body: '{}' })).status).toBe(200);
      await fixture.server!.events!.flushed();
    }
    const events = await eventsOf(ns, 'webapp');
    expect(events).toHaveLength(1);
    expect(events[0]).toMatchObject({
      type: 'Normal',
      reason: 'ReconcileRequested',
      message: `Receiver ${ns}/webapp (generic) requested a reconcile`,
      count: 3,
      involvedObject: { apiVersion: 'source.toolkit.fluxcd.io/v1', kind: 'GitRepository', namespace: ns, name: 'webapp', uid: repo.body.metadata.uid },
      source: { component: 'flux-webhook-receiver' },
    });
    const text = JSON.stringify(events);
    expect(text).not.toContain(TOKEN);
    expect(text).not.toContain(receiverPath(TOKEN, 'webapp', ns));
    expect(fixture.logs.filter((l) => l.msg === 'event not recorded')).toEqual([]);
  });

  test('without --record-events a delivery records nothing', async () => {
    expect((await send(quiet.url(receiverPath(TOKEN, 'quiet', ns)), { body: '{}' })).status).toBe(200);
    // No recorder exists, so no Event can be on its way: the apiserver has none now and never will.
    expect(quiet.server!.events).toBeUndefined();
    expect(await eventsOf(ns, 'quiet')).toEqual([]);
  });

  test('cluster mode: a failed patch leaves a Warning on the Receiver object; a files-mode receiver has no object to carry one', async () => {
    const created = await kubeRequest(adminKubeConfig(), 'POST', `/apis/notification.toolkit.fluxcd.io/v1/namespaces/${ns}/receivers`, receiver('in-cluster', ns, {
      type: 'generic', secretRef: { name: 'webhook-token' }, resources: [{ kind: 'GitRepository', name: 'webapp' }],
    }));
    expect(created.status).toBe(201);
    const kube = new KubeClient(adminKubeConfig());
    const recorder = new EventRecorder(kube, createLogger('error', () => undefined), { component: 'flux-webhook-receiver', instance: 'pod-1' });
    const events = new ReconcileEvents(recorder);
    const target: ObjectRef = { group: 'source.toolkit.fluxcd.io', version: 'v1', kind: 'GitRepository', plural: 'gitrepositories', namespace: ns, name: 'webapp' };
    const served = (origin: string): ServedReceiver => ({ key: `${ns}/in-cluster`, object: created.body, ready: true, origin });
    events.failed(served('receivers.yaml#1'), target, 'patch GitRepository: HTTP 403: forbidden');
    events.failed(served('cluster'), target, `patch GitRepository "${ns}/webapp": HTTP 403: forbidden`);
    await recorder.flushed();
    kube.close();
    const warnings = await eventually('warning', async () => {
      const found = await eventsOf(ns, 'in-cluster');
      return found.length > 0 ? found : undefined;
    });
    expect(warnings).toHaveLength(1);
    expect(warnings[0]).toMatchObject({
      type: 'Warning',
      reason: 'ReconcileRequestFailed',
      message: `unable to request reconciliation of GitRepository ${ns}/webapp: patch GitRepository "${ns}/webapp": HTTP 403: forbidden`,
      involvedObject: { apiVersion: 'notification.toolkit.fluxcd.io/v1', kind: 'Receiver', name: 'in-cluster', uid: created.body.metadata.uid },
    });
  });
});

describe('--record-events in cluster mode (real apiserver)', () => {
  test('a delivery whose target is missing answers 500 and leaves a Warning on the Receiver object', async () => {
    const ns = await createTestNamespace('rec-events-cluster');
    await kubeRequest(adminKubeConfig(), 'POST', `/api/v1/namespaces/${ns}/secrets`, { metadata: { name: 'webhook-token' }, stringData: { token: TOKEN } });
    const created = await kubeRequest(adminKubeConfig(), 'POST', `/apis/notification.toolkit.fluxcd.io/v1/namespaces/${ns}/receivers`, receiver('webapp', ns, {
      type: 'generic', secretRef: { name: 'webhook-token' }, resources: [{ kind: 'GitRepository', name: 'absent' }],
    }));
    expect(created.status).toBe(201);
    const log = createLogger('debug', () => undefined);
    const kube = new KubeClient(adminKubeConfig());
    const server = await ReceiverServer.start(
      { listen: '127.0.0.1:0', metricsListen: '127.0.0.1:0', healthListen: '127.0.0.1:0', policy: { noCrossNamespaceRefs: false }, recordEvents: true },
      {
        source: new ClusterReceiverSource({ kubeConfig: adminKubeConfig(), statusWrites: 'never', logger: log, namespace: ns }),
        kube,
        providerFor,
        verifiers: { oidc: new OidcTokenVerifier(), google: new GoogleIdTokenVerifier() },
        log,
      },
    );
    try {
      await eventually('served', async () => (server.served.lookup(receiverPath(TOKEN, 'webapp', ns))?.ready && server.readiness().ready ? true : undefined));
      const res = await send(`http://127.0.0.1:${server.ports.webhook}${receiverPath(TOKEN, 'webapp', ns)}`, { body: '{}' });
      expect(res.status).toBe(500);
      await server.events!.flushed();
      const [warning] = await eventsOf(ns, 'webapp');
      expect(warning).toMatchObject({
        type: 'Warning',
        reason: 'ReconcileRequestFailed',
        message: expect.stringMatching(new RegExp(`^unable to request reconciliation of GitRepository ${ns}/absent: .*not found`)),
        involvedObject: { kind: 'Receiver', name: 'webapp', uid: created.body.metadata.uid },
      });
      expect(JSON.stringify(warning)).not.toContain(TOKEN);
    } finally {
      await server.shutdown(1000);
      kube.close();
    }
  });
});
