// Token rotation without a URL change, against the real apiserver: the receiver's Secret holds a
// second key, the Receiver's verification-keys annotation lists it, and deliveries signed with
// either key are accepted on the unchanged path while continuous signed load runs. Files mode
// (kubelet-style atomic swaps of the mounted Secret and ConfigMap) and cluster mode (the Secret
// and Receiver objects updated through the API).
import { createHmac } from 'crypto';
import * as path from 'path';
import { stringify } from 'yaml';
import { ReceiverServer } from '../../../server/app/receiver-server';
import { KubeClient } from '../../../server/kube/kube-client';
import { createLogger } from '../../../server/observability/logger';
import { providerFor } from '../../../server/providers';
import { ClusterReceiverSource } from '../../../server/receivers/cluster/cluster-receiver-source';
import { GoogleIdTokenVerifier, OidcTokenVerifier } from '../../../server/verifiers';
import { adminKubeConfig, createTestNamespace, eventually, kubeRequest } from '../../harness/kube';
import { projectAtomically } from '../../harness/projected-volume';
import { createGitRepositories, metricsText, receiver, receiverPath, send, ServerFixture } from '../receiver-fixture';

const OLD = 'old-hmac-key';
const NEW = 'new-hmac-key';
const ANNOTATION = 'cdk8s-flux-webhooks.io/verification-keys';

type Signer = (body: string, key: string) => Record<string, string>;
const github: Signer = (body, key) => ({
  'X-Hub-Signature-256': `sha256=${createHmac('sha256', key).update(body).digest('hex')}`,
  'X-GitHub-Event': 'push',
  'X-GitHub-Delivery': `d-${Math.random()}`,
  'Content-Type': 'application/json',
});
const genericHmac: Signer = (body, key) => ({ 'X-Signature': `sha256=${createHmac('sha256', key).update(body).digest('hex')}`, 'Content-Type': 'application/json' });

/** Workers sending signed deliveries back to back until stopped, each with the key `keyFor()` picks at send time. */
class Load {
  readonly results: { key: string; status: number }[] = [];
  private running = true;
  private readonly workers: Promise<void>[];

  constructor(url: string, sign: Signer, private keyFor: () => string, concurrency = 6) {
    let n = 0;
    this.workers = Array.from({ length: concurrency }, async () => {
      while (this.running) {
        const key = this.keyFor();
        const body = JSON.stringify({ n: n++ });
        const res = await send(url, { headers: sign(body, key), body });
        this.results.push({ key, status: res.status });
      }
    });
  }

  use(keyFor: () => string): void {
    this.keyFor = keyFor;
  }

  /** Lets at least `count` more deliveries complete. */
  async more(count: number): Promise<void> {
    const target = this.results.length + count;
    await eventually(`${count} more deliveries`, async () => (this.results.length >= target ? true : undefined), 30_000);
  }

  async stop(): Promise<{ key: string; status: number }[]> {
    this.running = false;
    await Promise.all(this.workers);
    return this.results;
  }
}

function counter(metrics: string, ns: string, name: string, key: string): number {
  const line = metrics.split('\n').find((l) => l.startsWith(`flux_webhook_receiver_verification_key_matches_total{namespace="${ns}",name="${name}",key="${key}"}`));
  return line ? Number(line.split(' ').pop()) : 0;
}

describe('token rotation in files mode (real apiserver)', () => {
  let ns: string;
  let fixture: ServerFixture;
  const doc = (annotations?: Record<string, string>) => receiver('rotating', ns, {
    type: 'github', secretRef: { name: 'gh' }, resources: [{ kind: 'GitRepository', name: 'app' }],
  }, annotations ? { annotations } : {});
  const project = (generation: number, annotations?: Record<string, string>) =>
    projectAtomically(fixture.receiversDir, { 'receivers.yaml': stringify(doc(annotations)) }, generation);
  const keysServed = (names: string[] | undefined) => eventually(`verification keys ${JSON.stringify(names)}`, async () => {
    const served = fixture.server!.served.receivers.find((r) => r.key === `${ns}/rotating`);
    return served?.ready && JSON.stringify(served.verificationKeys?.map((k) => k.name)) === JSON.stringify(names) ? true : undefined;
  });

  beforeAll(async () => {
    ns = await createTestNamespace('rotate-files');
    await createGitRepositories(ns, [{ name: 'app' }]);
    fixture = await ServerFixture.start({ defaultNamespace: ns });
    projectAtomically(path.join(fixture.secretsDir, 'gh'), { token: OLD }, 1);
    project(1);
    await fixture.listen();
    await fixture.ready();
  });

  afterAll(async () => {
    await fixture?.stop();
  });

  test('old → old+new → new only under continuous signed load: no delivery fails, the path never changes, the retired key is refused', async () => {
    const url = fixture.url(receiverPath(OLD, 'rotating', ns));
    const load = new Load(url, github, () => OLD);
    await load.more(20);

    // 1. The Secret gets the new key next to `token` (a kubelet-style swap), then the Receiver lists both.
    projectAtomically(path.join(fixture.secretsDir, 'gh'), { 'token': OLD, 'token.next': NEW }, 2);
    project(2, { [ANNOTATION]: 'token,token.next' });
    await keysServed(['token', 'token.next']);
    // 2. Senders switch one by one: old- and new-signed deliveries interleave.
    let i = 0;
    load.use(() => (i++ % 2 === 0 ? OLD : NEW));
    await load.more(40);
    load.use(() => NEW);
    await load.more(20);
    // 3. Only the new key is listed; `token` stays in the Secret and still derives the path.
    project(3, { [ANNOTATION]: 'token.next' });
    await keysServed(['token.next']);
    await load.more(20);
    const results = await load.stop();

    expect(results.filter((r) => r.status !== 200)).toEqual([]);
    expect(results.filter((r) => r.key === OLD).length).toBeGreaterThanOrEqual(40);
    expect(results.filter((r) => r.key === NEW).length).toBeGreaterThanOrEqual(60);

    const body = '{"after":"rotation"}';
    const old = await send(url, { headers: github(body, OLD), body });
    expect(old.status).toBe(400);
    const fresh = await send(url, { headers: github(body, NEW), body });
    expect(fresh.status).toBe(200);

    const metrics = await fixture.metrics();
    expect(counter(metrics, ns, 'rotating', 'token')).toBeGreaterThanOrEqual(40);
    expect(counter(metrics, ns, 'rotating', 'token.next')).toBeGreaterThanOrEqual(61);
    const handled = fixture.logs.filter((l) => l.receiver === `${ns}/rotating` && l.status === 200);
    expect(new Set(handled.map((l) => l.verificationKey))).toEqual(new Set(['token', 'token.next']));
    const refused = fixture.logs.filter((l) => l.receiver === `${ns}/rotating` && l.status === 400).pop();
    expect(refused!.error).toBe('unable to validate payload: the GitHub signature header is invalid, err: payload signature check failed');
    const everything = JSON.stringify(fixture.logs) + metrics;
    expect(everything).not.toContain(OLD);
    expect(everything).not.toContain(NEW);
  }, 120_000);

  test('a listed key missing from the Secret is skipped; none present makes the receiver not ready (503)', async () => {
    project(4, { [ANNOTATION]: 'token.next,token.later' });
    await keysServed(['token.next']);
    project(5, { [ANNOTATION]: 'token.gone' });
    await eventually('not ready', async () => {
      const served = fixture.server!.served.receivers.find((r) => r.key === `${ns}/rotating`);
      return served && !served.ready ? served : undefined;
    }).then((served) => expect(served.notReadyReason).toBe(
      `VerificationKeysNotFound: the secret holds none of the keys 'token.gone' named by annotation ${ANNOTATION}`,
    ));
    const body = '{}';
    expect((await send(fixture.url(receiverPath(OLD, 'rotating', ns)), { headers: github(body, NEW), body })).status).toBe(503);
  });
});

/** One API call that must succeed. */
async function api(method: string, apiPath: string, body: unknown, contentType?: string): Promise<void> {
  const res = await kubeRequest(adminKubeConfig(), method, apiPath, body, contentType);
  if (res.status >= 300) throw new Error(`${method} ${apiPath}: HTTP ${res.status} ${res.text}`);
}

describe.each([
  ['Secrets watched', 'watch' as const],
  ['Secrets read by name (--secrets-by-name)', 'get' as const],
])('token rotation in cluster mode, %s (real apiserver)', (_, secretReads) => {
  let ns: string;
  let server: ReceiverServer;
  const logs: Record<string, any>[] = [];

  beforeAll(async () => {
    ns = await createTestNamespace('rotate-cluster');
    await createGitRepositories(ns, [{ name: 'webapp' }]);
    await api('POST', `/api/v1/namespaces/${ns}/secrets`, { metadata: { name: 'hmac-token' }, stringData: { token: OLD } });
    await api('POST', `/apis/notification.toolkit.fluxcd.io/v1/namespaces/${ns}/receivers`, receiver('hmac', ns, {
      type: 'generic-hmac', secretRef: { name: 'hmac-token' }, resources: [{ kind: 'GitRepository', name: 'webapp' }],
    }));
    const log = createLogger('debug', (line) => logs.push(JSON.parse(line)));
    const kube = new KubeClient(adminKubeConfig());
    server = await ReceiverServer.start(
      { listen: '127.0.0.1:0', metricsListen: '127.0.0.1:0', healthListen: '127.0.0.1:0', policy: { noCrossNamespaceRefs: false } },
      {
        source: new ClusterReceiverSource({ kubeConfig: adminKubeConfig(), namespace: ns, statusWrites: 'never', logger: log, secretReads, secretRefreshIntervalMs: 500 }),
        kube,
        providerFor,
        verifiers: { oidc: new OidcTokenVerifier(), google: new GoogleIdTokenVerifier() },
        log,
      },
    );
    await eventually('ready', async () => (server.readiness().ready ? true : undefined));
  });

  afterAll(async () => {
    await server?.shutdown(1000);
  });

  const patchReceiver = (annotations: Record<string, string>) =>
    api('PATCH', `/apis/notification.toolkit.fluxcd.io/v1/namespaces/${ns}/receivers/hmac`, { metadata: { annotations } }, 'application/merge-patch+json');
  const keysServed = (names: string[]) => eventually(`verification keys ${JSON.stringify(names)}`, async () => {
    const served = server.served.receivers.find((r) => r.key === `${ns}/hmac`);
    return served?.ready && JSON.stringify(served.verificationKeys?.map((k) => k.name)) === JSON.stringify(names) ? true : undefined;
  });

  test('the Secret object gains a key and the Receiver lists it, then only it: no delivery fails under load', async () => {
    const url = `http://127.0.0.1:${server.ports.webhook}${receiverPath(OLD, 'hmac', ns)}`;
    const load = new Load(url, genericHmac, () => OLD);
    await load.more(20);
    await api('PATCH', `/api/v1/namespaces/${ns}/secrets/hmac-token`, { stringData: { 'token.v2': NEW } }, 'application/merge-patch+json');
    await patchReceiver({ [ANNOTATION]: 'token, token.v2' });
    await keysServed(['token', 'token.v2']);
    let i = 0;
    load.use(() => (i++ % 2 === 0 ? OLD : NEW));
    await load.more(40);
    load.use(() => NEW);
    await load.more(10);
    await patchReceiver({ [ANNOTATION]: 'token.v2' });
    await keysServed(['token.v2']);
    await load.more(20);
    const results = await load.stop();

    expect(results.filter((r) => r.status !== 200)).toEqual([]);
    expect(results.filter((r) => r.key === OLD).length).toBeGreaterThanOrEqual(40);
    expect(results.filter((r) => r.key === NEW).length).toBeGreaterThanOrEqual(50);
    const body = '{}';
    expect((await send(url, { headers: genericHmac(body, OLD), body })).status).toBe(400);
    expect((await send(url, { headers: genericHmac(body, NEW), body })).status).toBe(200);
    const metrics = await metricsText(server.ports.metrics);
    expect(counter(metrics, ns, 'hmac', 'token.v2')).toBeGreaterThanOrEqual(51);
    expect(JSON.stringify(logs) + metrics).not.toContain(NEW);
  }, 120_000);
});
