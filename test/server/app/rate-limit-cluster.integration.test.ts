// Cluster mode: a Receiver object's rate-limit annotation reaches the limiter through the watch,
// and a change to it applies without a restart (real apiserver, real ReceiverServer).
import { ReceiverServer } from '../../../server/app/receiver-server';
import { KubeClient } from '../../../server/kube/kube-client';
import { createLogger } from '../../../server/observability/logger';
import { providerFor } from '../../../server/providers';
import { ClusterReceiverSource } from '../../../server/receivers/cluster/cluster-receiver-source';
import { GoogleIdTokenVerifier, OidcTokenVerifier } from '../../../server/verifiers';
import { adminKubeConfig, createTestNamespace, eventually, kubeRequest } from '../../harness/kube';
import { CountingPatcher, createGitRepositories, receiverPath, send } from '../receiver-fixture';

const TOKEN = 'cluster-limit-token';

describe('rate-limit annotation in cluster mode (real apiserver)', () => {
  let ns: string;
  let server: ReceiverServer;
  let patcher: CountingPatcher;
  const admin = adminKubeConfig();

  beforeAll(async () => {
    ns = await createTestNamespace('rate-cluster');
    await createGitRepositories(ns, [{ name: 'webapp' }]);
    expect((await kubeRequest(admin, 'POST', `/api/v1/namespaces/${ns}/secrets`, { apiVersion: 'v1', kind: 'Secret', metadata: { name: 'token' }, stringData: { token: TOKEN } })).status).toBe(201);
    expect((await kubeRequest(admin, 'POST', `/apis/notification.toolkit.fluxcd.io/v1/namespaces/${ns}/receivers`, {
      apiVersion: 'notification.toolkit.fluxcd.io/v1',
      kind: 'Receiver',
      metadata: { name: 'webapp', annotations: { 'cdk8s-flux-webhooks.io/rate-limit': '1/h,burst=2' } },
      spec: { type: 'generic', secretRef: { name: 'token' }, resources: [{ kind: 'GitRepository', name: 'webapp' }] },
    })).status).toBe(201);
    const kube = new KubeClient(admin);
    patcher = new CountingPatcher(kube);
    const log = createLogger('error', () => undefined);
    server = await ReceiverServer.start(
      // Server-wide defaults that would let everything through: only the annotation limits.
      { listen: '127.0.0.1:0', metricsListen: '127.0.0.1:0', healthListen: '127.0.0.1:0', policy: { noCrossNamespaceRefs: false }, rateLimits: {} },
      {
        source: new ClusterReceiverSource({ kubeConfig: admin, namespace: ns, statusWrites: 'never', logger: log }),
        kube,
        patcher,
        providerFor,
        verifiers: { oidc: new OidcTokenVerifier(), google: new GoogleIdTokenVerifier() },
        log,
      },
    );
    await eventually('server ready', async () => (server.readiness().ready && server.served.lookup(receiverPath(TOKEN, 'webapp', ns))?.ready ? true : undefined), 20_000);
  });

  afterAll(async () => {
    await server?.shutdown(1000);
  });

  test('the annotation limits the receiver; raising it on the object applies through the watch', async () => {
    const url = `http://127.0.0.1:${server.ports.webhook}${receiverPath(TOKEN, 'webapp', ns)}`;
    expect([(await send(url)).status, (await send(url)).status]).toEqual([200, 200]);
    const limited = await send(url);
    expect([limited.status, limited.headers['retry-after']]).toEqual([429, '3600']);
    expect(patcher.calls.length).toBe(2);
    const patch = { metadata: { annotations: { 'cdk8s-flux-webhooks.io/rate-limit': 'off' } } };
    expect((await kubeRequest(admin, 'PATCH', `/apis/notification.toolkit.fluxcd.io/v1/namespaces/${ns}/receivers/webapp`, patch, 'application/merge-patch+json')).status).toBe(200);
    await eventually('the new annotation served', async () => ((await send(url)).status === 200 ? true : undefined), 20_000);
    expect((await send(url)).status).toBe(200);
  });
});
