// The README's app, applied to a one-node cluster whose pods really run (test/harness/cluster):
// the receiver image from image/out on the node, the Deployment Ready through its own probes, the
// Service routing a signed GitHub push to a pod that patches the target with nothing but its
// ServiceAccount, that ServiceAccount refused everything its Role does not name, and Flux's own
// source-controller fetching a pushed commit as soon as the push delivery arrives.
import { randomBytes } from 'crypto';
import * as fs from 'fs';
import * as https from 'https';
import * as path from 'path';
import { KubeConfig } from '@kubernetes/client-node';
import { Testing } from 'cdk8s';
import { imageRefName } from '../../image/image-config';
import { ReceiverMode } from '../../src';
import { hookPath } from '../../src/model';
import { receiverApp } from '../constructs/scenario';
import { FLUX_NAMESPACE as NS, FluxCluster, startFluxCluster, TOKEN_SECRET } from '../harness/cluster/flux-cluster';
import { SourceController } from '../harness/flux/source-controller';
import { send } from '../harness/http';
import { apply, eventually, kubeRequest, ManifestObject } from '../harness/kube';
import { readmeExample } from '../harness/readme-app';

const REQUESTED_AT = 'reconcile.fluxcd.io/requestedAt';
/**
 * How long a ConfigMap change may take to reach a running pod: the kubelet's sync period (10 s on
 * the test node, 1 min by default) plus its ConfigMap cache, then the server's file watch.
 */
const CONFIGMAP_SWAP_BOUND_MS = 60_000;
/** The same for a Secret's key: the kubelet refreshes Secret volumes like ConfigMap volumes. */
const SECRET_SWAP_BOUND_MS = 60_000;

let flux: FluxCluster;
const app: ManifestObject[] = readmeExample();
const byKind = (kind: string) => app.filter((o) => o.kind === kind);

const get = (p: string) => flux.get(p);

/** The GitRepository the README's receiver `webapp` targets (its name is generated). */
const repoName = () => byKind('GitRepository')[0].metadata.name;

async function requestedAt(): Promise<string | undefined> {
  const repo = await get(`/apis/source.toolkit.fluxcd.io/v1/namespaces/${NS}/gitrepositories/${repoName()}`);
  return repo.metadata.annotations?.[REQUESTED_AT];
}

beforeAll(async () => {
  // Flux's own objects first, as on a cluster that runs Flux (its controllers run as processes).
  flux = await startFluxCluster();
  await apply(app, undefined, flux.kc);
}, 600_000);

afterAll(async () => {
  await flux?.stop();
}, 120_000);

test('the app runs the image that image/out holds, as the construct renders it', () => {
  const [deployment] = byKind('Deployment');
  const container = (deployment as any).spec.template.spec.containers[0];
  expect(container.image).toBe(imageRefName());
  // No registry serves it: the node must use the imported image.
  expect(container.imagePullPolicy).toBe('IfNotPresent');
});

test('the Deployment becomes Ready with both replicas through its probes; PDB and Service endpoints follow', async () => {
  const deployment = await flux.rolledOut(NS, byKind('Deployment')[0].metadata.name);
  expect(deployment.spec.replicas).toBe(2);
  const pods = (await get(`/api/v1/namespaces/${NS}/pods?labelSelector=${encodeURIComponent(selector(deployment))}`)).items;
  expect(pods).toHaveLength(2);
  for (const pod of pods) {
    const container = pod.spec.containers[0];
    // Ready means the readiness probe answered: the kubelet ran it against the server.
    expect(container.readinessProbe?.httpGet?.path).toBe('/readyz');
    expect(pod.status.containerStatuses[0]).toMatchObject({ ready: true, restartCount: 0 });
    expect(pod.status.podIP).toMatch(/^10\.214\.0\./);
  }
  const pdbName = byKind('PodDisruptionBudget')[0].metadata.name;
  const pdb = await eventually('the PDB counts both pods', async () => {
    const p = await get(`/apis/policy/v1/namespaces/${NS}/poddisruptionbudgets/${pdbName}`);
    return p.status?.currentHealthy === 2 ? p : undefined;
  }, 60_000);
  expect(pdb.status.disruptionsAllowed).toBe(1);
  const endpoints = await eventually('two ready endpoints behind the Service', async () => {
    const slices = await get(`/apis/discovery.k8s.io/v1/namespaces/${NS}/endpointslices?labelSelector=kubernetes.io%2Fservice-name%3Dflux-webhook-receiver`);
    const ready = slices.items.flatMap((s: any) => s.endpoints ?? []).filter((e: any) => e.conditions?.ready);
    return ready.length === 2 ? ready : undefined;
  }, 60_000);
  expect(endpoints.map((e: any) => e.addresses[0]).sort()).toEqual(pods.map((p: any) => p.status.podIP).sort());
  // kube-proxy programs the ClusterIP shortly after the endpoints are ready (its sync period).
  expect(await flux.serviceUrl()).toMatch(/^http:\/\/10\.215\.0\.\d+:80$/);
}, 240_000);

test('a signed GitHub push through the Service is answered 200 and requests a reconcile of the GitRepository', async () => {
  const before = await requestedAt();
  const delivery = flux.github('push', { ref: 'refs/heads/main', after: randomBytes(20).toString('hex') });
  const url = `${await flux.serviceUrl()}${hookPath(flux.token, 'webapp', NS)}`;
  const answer = await send(url, delivery);
  expect(answer.status).toBe(200);
  // An accepted delivery has patched its target by the time it is answered.
  const after = await requestedAt();
  expect(after).toBeDefined();
  expect(after).not.toBe(before);
  // A wrong signature through the same path changes nothing.
  const forged = await send(url, { ...delivery, headers: { ...delivery.headers, 'X-Hub-Signature-256': `sha256=${'0'.repeat(64)}` } });
  expect(forged.status).toBe(400);
  expect(await requestedAt()).toBe(after);
}, 60_000);

test('the pods use their ServiceAccount and nothing else: no kubeconfig, and without the RoleBinding the push fails', async () => {
  const [deployment] = byKind('Deployment') as any[];
  const spec = deployment.spec.template.spec;
  expect(JSON.stringify(spec.containers[0].args ?? [])).not.toContain('kubeconfig');
  expect((spec.containers[0].env ?? []).map((e: any) => e.name)).not.toContain('KUBECONFIG');
  const running = (await get(`/api/v1/namespaces/${NS}/pods?labelSelector=${encodeURIComponent(selector(deployment))}`)).items;
  for (const pod of running) {
    expect(pod.spec.serviceAccountName).toBe(byKind('ServiceAccount')[0].metadata.name);
    // The ServiceAccount admission plugin projected the token the server reads.
    expect(pod.spec.containers[0].volumeMounts.map((m: any) => m.mountPath)).toContain('/var/run/secrets/kubernetes.io/serviceaccount');
  }

  const [binding] = byKind('RoleBinding');
  const bindingPath = `/apis/rbac.authorization.k8s.io/v1/namespaces/${binding.metadata.namespace}/rolebindings/${binding.metadata.name}`;
  expect((await kubeRequest(flux.kc, 'DELETE', bindingPath)).status).toBe(200);
  try {
    const before = await requestedAt();
    const answer = await send(`${await flux.serviceUrl()}${hookPath(flux.token, 'webapp', NS)}`, flux.github('push', { ref: 'refs/heads/main' }));
    // The apiserver refused the pod's patch; the server says so and never answers 2xx.
    expect(answer.status).toBe(500);
    expect(await requestedAt()).toBe(before);
  } finally {
    await apply([binding], undefined, flux.kc);
  }
}, 60_000);

test("the pod's own token may patch the GitRepository its Role names and nothing else", async () => {
  const [deployment] = byKind('Deployment') as any[];
  const [pod] = (await get(`/api/v1/namespaces/${NS}/pods?labelSelector=${encodeURIComponent(selector(deployment))}`)).items;
  // The token the kubelet mounted into the pod, read where the kubelet keeps the volume.
  const token = fs.readFileSync(projectedToken(pod.metadata.uid), 'utf8');
  const asPod = new KubeConfig();
  const cluster0 = flux.kc.getCurrentCluster()!;
  asPod.loadFromOptions({
    clusters: [cluster0], users: [{ name: 'pod', token }], contexts: [{ name: 'pod', cluster: cluster0.name, user: 'pod' }], currentContext: 'pod',
  });
  const patch = (name: string) => kubeRequest(asPod, 'PATCH', `/apis/source.toolkit.fluxcd.io/v1/namespaces/${NS}/gitrepositories/${name}`,
    { metadata: { annotations: { [REQUESTED_AT]: new Date().toISOString() } } }, 'application/merge-patch+json');
  await apply([{ apiVersion: 'source.toolkit.fluxcd.io/v1', kind: 'GitRepository', metadata: { name: 'other', namespace: NS }, spec: { url: 'https://example.invalid/other', interval: '1h' } }], undefined, flux.kc);
  expect((await patch(repoName())).status).toBe(200);
  const refused = await patch('other');
  expect(refused.status).toBe(403);
  expect(refused.body.message).toContain(`system:serviceaccount:${NS}:${pod.spec.serviceAccountName}`);
}, 60_000);

function selector(deployment: any): string {
  return Object.entries(deployment.spec.selector.matchLabels as Record<string, string>).map(([k, v]) => `${k}=${v}`).join(',');
}

function projectedToken(podUid: string): string {
  const volumes = path.join(flux.cluster.workDir, 'kubelet', 'root', 'pods', podUid, 'volumes', 'kubernetes.io~projected');
  const dir = fs.readdirSync(volumes).find((d) => d.startsWith('kube-api-access-'));
  if (!dir) throw new Error(`no kube-api-access volume in ${volumes}`);
  return path.join(volumes, dir, 'token');
}

test('a pod of the same template without its ServiceAccount token exits and says what is missing and how to fix it', async () => {
  const [deployment] = byKind('Deployment') as any[];
  const name = 'receiver-without-token';
  await apply([{
    apiVersion: 'v1',
    kind: 'Pod',
    metadata: { name, namespace: NS },
    spec: { ...deployment.spec.template.spec, automountServiceAccountToken: false, restartPolicy: 'Never' },
  }], undefined, flux.kc);
  const pod = await eventually('the pod to exit', async () => {
    const p = await get(`/api/v1/namespaces/${NS}/pods/${name}`);
    return p.status?.phase === 'Failed' || p.status?.phase === 'Succeeded' ? p : undefined;
  }, 120_000);
  expect(pod.status.phase).toBe('Failed');
  const logs = await kubeRequest(flux.kc, 'GET', `/api/v1/namespaces/${NS}/pods/${name}/log`);
  expect(logs.status).toBe(200);
  expect(logs.text).toContain('running in a pod (KUBERNETES_SERVICE_HOST is set) but there is no ServiceAccount token at /var/run/secrets/kubernetes.io/serviceaccount/token');
  expect(logs.text).toContain('automountServiceAccountToken: true');
}, 150_000);

test('a receiver added to the app is served by the running pods from the swapped ConfigMap, without a restart', async () => {
  // The app as a user extends it: a second receiver on the same Secret and target.
  const extended = readmeExample(`receiver.addReceiver('webapp-hotfix', {
    provider: ReceiverProvider.github({ events: ['push'] }),
    secret: kplus.Secret.fromSecretName(chart, 'hotfix-token', 'webhook-token'),
    targets: [ReconcileTarget.fromApiObject(repo)],
  });`);
  const [configMap] = extended.filter((o) => o.kind === 'ConfigMap');
  expect(JSON.stringify(configMap)).toContain('webapp-hotfix');
  const [deployment] = byKind('Deployment') as any[];
  const podsNow = async () => (await get(`/api/v1/namespaces/${NS}/pods?labelSelector=${encodeURIComponent(selector(deployment))}`)).items
    .filter((p: any) => !p.metadata.deletionTimestamp);
  const before = await podsNow();
  expect(before).toHaveLength(2);
  // Only the ConfigMap: re-applying the Deployment too would roll the pods (its checksum annotation).
  await apply([configMap], undefined, flux.kc);
  const applied = Date.now();
  const delivery = flux.github('push', { ref: 'refs/heads/main' });
  const hook = hookPath(flux.token, 'webapp-hotfix', NS);
  for (const pod of before) {
    // Each pod on its own address: both must have picked up the kubelet's swap of the volume.
    await eventually(`pod ${pod.metadata.name} to serve the new receiver`, async () => {
      const answer = await send(`http://${pod.status.podIP}:9292${hook}`, delivery);
      return answer.status === 200 ? true : undefined;
    }, CONFIGMAP_SWAP_BOUND_MS);
  }
  process.stdout.write(`ConfigMap change to both pods serving it: ${Date.now() - applied} ms (kubelet syncFrequency 10s)\n`);
  const after = await podsNow();
  expect(after.map((p: any) => [p.metadata.uid, p.status.containerStatuses[0].restartCount]))
    .toEqual(before.map((p: any) => [p.metadata.uid, 0]));
}, CONFIGMAP_SWAP_BOUND_MS * 2 + 30_000);

test('a verification key rotated in the Secret is used by the running pods from the swapped volume, without a restart', async () => {
  // The documented rotation's middle step: the receiver accepts `token` and `token.next`; the
  // sender moves to a new `token.next`, so the Secret's key changes under the running pods.
  const extended = readmeExample(`receiver.addReceiver('webapp-rotating', {
    provider: ReceiverProvider.github({ events: ['push'] }),
    secret: kplus.Secret.fromSecretName(chart, 'rotating-token', 'webhook-token'),
    targets: [ReconcileTarget.fromApiObject(repo)],
    verificationKeys: ['token', 'token.next'],
  });`);
  const [configMap] = extended.filter((o) => o.kind === 'ConfigMap');
  const [deployment] = byKind('Deployment') as any[];
  const pods = (await get(`/api/v1/namespaces/${NS}/pods?labelSelector=${encodeURIComponent(selector(deployment))}`)).items
    .filter((p: any) => !p.metadata.deletionTimestamp);
  expect(pods).toHaveLength(2);
  const secret = (next: string) => ({ apiVersion: 'v1', kind: 'Secret', metadata: { name: TOKEN_SECRET, namespace: NS }, stringData: { 'token': flux.token, 'token.next': next } });
  const hook = hookPath(flux.token, 'webapp-rotating', NS);
  const statusFor = async (pod: any, key: string) =>
    (await send(`http://${pod.status.podIP}:9292${hook}`, flux.github('push', { ref: 'refs/heads/main', after: randomBytes(20).toString('hex') }, key))).status;
  const oldKey = randomBytes(20).toString('hex');
  await apply([secret(oldKey)], undefined, flux.kc);
  await apply([configMap], undefined, flux.kc);
  for (const pod of pods) {
    await eventually(`pod ${pod.metadata.name} to accept token.next`, async () => ((await statusFor(pod, oldKey)) === 200 ? true : undefined), CONFIGMAP_SWAP_BOUND_MS);
  }

  const newKey = randomBytes(20).toString('hex');
  await apply([secret(newKey)], undefined, flux.kc);
  const rotated = Date.now();
  for (const pod of pods) {
    await eventually(`pod ${pod.metadata.name} to accept the rotated token.next`, async () => ((await statusFor(pod, newKey)) === 200 ? true : undefined), SECRET_SWAP_BOUND_MS);
    // The key it replaced is refused, the one the path derives from still works.
    expect(await statusFor(pod, oldKey)).toBe(400);
    expect(await statusFor(pod, flux.token)).toBe(200);
  }
  process.stdout.write(`Secret key rotation to both pods verifying with it: ${Date.now() - rotated} ms (kubelet syncFrequency 10s)\n`);
  const after = (await get(`/api/v1/namespaces/${NS}/pods?labelSelector=${encodeURIComponent(selector(deployment))}`)).items
    .filter((p: any) => !p.metadata.deletionTimestamp);
  expect(after.map((p: any) => [p.metadata.uid, p.status.containerStatuses[0].restartCount]))
    .toEqual(pods.map((p: any) => [p.metadata.uid, 0]));
}, CONFIGMAP_SWAP_BOUND_MS * 2 + SECRET_SWAP_BOUND_MS * 2 + 30_000);

test('rollout restart and an eviction while a sender posts steadily: every 2xx has its patch, the PDB holds', async () => {
  const [deployment] = byKind('Deployment') as any[];
  const deploymentPath = `/apis/apps/v1/namespaces/${NS}/deployments/${deployment.metadata.name}`;
  const url = `${await flux.serviceUrl()}${hookPath(flux.token, 'webapp', NS)}`;
  const watch = await watchRequestedAt(`/apis/source.toolkit.fluxcd.io/v1/namespaces/${NS}/gitrepositories`, repoName());
  const deliveries: Array<{ sent: number; answered: number; status: number }> = [];
  let sending = true;
  // One delivery at a time, so each accepted one must have a patch of its own inside its window.
  const sender = (async () => {
    while (sending) {
      const delivery = flux.github('push', { ref: 'refs/heads/main', after: randomBytes(20).toString('hex') });
      const sent = Date.now();
      // 10 s, GitHub's own delivery timeout: a connection to a pod that is gone may otherwise hang.
      const status = await send(url, { ...delivery, timeoutMs: 10_000 }).then((a) => a.status, () => 0);
      deliveries.push({ sent, answered: Date.now(), status });
      await new Promise((r) => setTimeout(r, 50));
    }
  })();
  try {
    // kubectl rollout restart
    const restart = await kubeRequest(flux.kc, 'PATCH', deploymentPath,
      { spec: { template: { metadata: { annotations: { 'kubectl.kubernetes.io/restartedAt': new Date().toISOString() } } } } }, 'application/merge-patch+json');
    expect(restart.status).toBe(200);
    await flux.rolledOut(NS, deployment.metadata.name);
    // Evictions go through the PodDisruptionBudget (minAvailable 1): one at a time.
    const pods = (await get(`/api/v1/namespaces/${NS}/pods?labelSelector=${encodeURIComponent(selector(deployment))}`)).items
      .filter((p: any) => !p.metadata.deletionTimestamp);
    expect(pods).toHaveLength(2);
    const evict = (pod: any) => kubeRequest(flux.kc, 'POST', `/api/v1/namespaces/${NS}/pods/${pod.metadata.name}/eviction`,
      { apiVersion: 'policy/v1', kind: 'Eviction', metadata: { name: pod.metadata.name, namespace: NS } });
    const evicted = Date.now();
    expect((await evict(pods[0])).status).toBe(201);
    const second = await evict(pods[1]);
    expect(second.status).toBe(429);
    expect(second.body.message).toContain('disruption budget');
    await eventually('the evicted pod to be gone', async () => ((await kubeRequest(flux.kc, 'GET', `/api/v1/namespaces/${NS}/pods/${pods[0].metadata.name}`)).status === 404 ? true : undefined), 60_000);
    const drained = Date.now() - evicted;
    // Two ready replicas again.
    await flux.rolledOut(NS, deployment.metadata.name, 120_000);
    await new Promise((r) => setTimeout(r, 1000));
    process.stdout.write(`rollout restart + eviction under steady traffic: ${deliveries.length} deliveries, `
      + `${deliveries.filter((d) => d.status === 200).length} answered 200, others ${JSON.stringify(countBy(deliveries.filter((d) => d.status !== 200).map((d) => d.status)))}; `
      + `slowest answer ${Math.max(...deliveries.map((d) => d.answered - d.sent))} ms; evicted pod gone after ${drained} ms\n`);
  } finally {
    sending = false;
    await sender;
    watch.stop();
  }
  const accepted = deliveries.filter((d) => d.status >= 200 && d.status < 300);
  // Traffic flowed through the disruptions (on a loaded machine a delivery may take seconds).
  expect(accepted.length).toBeGreaterThanOrEqual(10);
  // Same clock (the server's pods run on this machine): the patch's requestedAt lies within its delivery's send and answer.
  const unpatched = accepted.filter((d) => !watch.values.some((v) => v >= d.sent - 2 && v <= d.answered + 2));
  expect(unpatched).toEqual([]);
}, 400_000);

function countBy(values: number[]): Record<string, number> {
  const out: Record<string, number> = {};
  for (const v of values) out[v] = (out[v] ?? 0) + 1;
  return out;
}

/** Every `reconcile.fluxcd.io/requestedAt` value the object takes from now on, as epoch milliseconds (a watch, so none is missed). */
async function watchRequestedAt(collection: string, name: string): Promise<{ values: number[]; stop(): void }> {
  const list = await get(`${collection}?fieldSelector=metadata.name%3D${name}`);
  const values: number[] = [];
  const opts: https.RequestOptions = { method: 'GET', headers: { Accept: 'application/json' } };
  await flux.kc.applyToHTTPSOptions(opts);
  const query = `?watch=1&fieldSelector=metadata.name%3D${name}&resourceVersion=${list.metadata.resourceVersion}&timeoutSeconds=600`;
  let buffered = '';
  const req = https.request(new URL(`${collection}${query}`, flux.kc.getCurrentCluster()!.server), opts, (res) => {
    res.setEncoding('utf8');
    res.on('data', (chunk: string) => {
      buffered += chunk;
      let nl: number;
      while ((nl = buffered.indexOf('\n')) >= 0) {
        const event = JSON.parse(buffered.slice(0, nl));
        buffered = buffered.slice(nl + 1);
        const value = event.object?.metadata?.annotations?.[REQUESTED_AT];
        // RFC 3339 with nanoseconds: whole seconds, then the fraction in milliseconds.
        const m = /^(.*T\d\d:\d\d:\d\d)\.(\d+)Z$/.exec(value ?? '');
        if (m) values.push(Date.parse(`${m[1]}Z`) + Number(`0.${m[2]}`) * 1000);
      }
    });
  });
  req.on('error', () => undefined);
  req.end();
  return { values, stop: () => req.destroy() };
}

describe('cluster mode', () => {
  test('WebhookReceiver reading Receivers from the API: its pods serve them and kubectl get receiver shows Ready and the path', async () => {
    const ns = 'receivers-cluster-mode';
    const appsNs = `${ns}-apps`;
    for (const name of [ns, appsNs]) expect((await kubeRequest(flux.kc, 'POST', '/api/v1/namespaces', { metadata: { name } })).status).toBe(201);
    const manifests = Testing.synth(receiverApp(ns, appsNs, 'server', { mode: ReceiverMode.cluster() }).chart) as ManifestObject[];
    await apply([{ apiVersion: 'v1', kind: 'Secret', metadata: { name: TOKEN_SECRET, namespace: ns }, stringData: { token: flux.token } }], undefined, flux.kc);
    await apply(manifests, undefined, flux.kc);
    // The Kustomization the app's receiver also targets (defined elsewhere in a real cluster).
    await apply([{
      apiVersion: 'kustomize.toolkit.fluxcd.io/v1',
      kind: 'Kustomization',
      metadata: { name: 'apps', namespace: appsNs },
      spec: { interval: '10m', path: './', prune: true, sourceRef: { kind: 'GitRepository', name: 'webapp', namespace: ns } },
    }], undefined, flux.kc);
    await flux.rolledOut(ns, manifests.find((m) => m.kind === 'Deployment')!.metadata.name);

    const webhookPath = hookPath(flux.token, 'webapp', ns);
    const table = await flux.readyReceiver(ns, 'webapp');
    expect(table.columnDefinitions.map((c: { name: string }) => c.name)).toEqual(['Name', 'Age', 'Ready', 'Status']);
    expect([table.rows[0].cells[0], table.rows[0].cells[2], table.rows[0].cells[3]]).toEqual(['webapp', 'True', `Receiver initialized for path: ${webhookPath}`]);

    const url = `${await flux.serviceUrl(ns)}${webhookPath}`;
    const before = (await get(`/apis/source.toolkit.fluxcd.io/v1/namespaces/${ns}/gitrepositories/webapp`)).metadata.annotations?.[REQUESTED_AT];
    expect((await send(url, flux.github('push', { ref: 'refs/heads/master' }))).status).toBe(200);
    const after = (await get(`/apis/source.toolkit.fluxcd.io/v1/namespaces/${ns}/gitrepositories/webapp`)).metadata.annotations?.[REQUESTED_AT];
    expect(after).toBeDefined();
    expect(after).not.toBe(before);
  }, 300_000);
});

describe('Flux source-controller', () => {
  let controller: SourceController;
  let first: string;
  const source = () => ({ resource: 'gitrepositories', name: repoName() } as const);

  beforeAll(async () => {
    first = flux.git.createRepository('webapp', 'main');
    controller = await flux.startSourceController();
    // The README's GitRepository, fetching `webapp` from the Git server on loopback.
    const [repo] = byKind('GitRepository') as any[];
    await apply([{ ...repo, spec: { ...repo.spec, url: `${flux.git.url}/webapp.git` } }], undefined, flux.kc);
  }, 600_000);

  test('a pushed commit, then its signed GitHub push delivery, changes the artifact revision to that commit', async () => {
    await flux.untilRevision(source(), `main@sha1:${first}`, 120_000);
    const { requested: requestedBefore } = await flux.reconcileRequest(source());
    const second = flux.git.commit('webapp', 'main', 'deploy.yaml', `revision: ${randomBytes(4).toString('hex')}\n`);

    const delivery = flux.github('push', { ref: 'refs/heads/main', before: first, after: second, repository: { full_name: 'org/webapp' } });
    const sent = Date.now();
    const answer = await send(`${await flux.serviceUrl()}${hookPath(flux.token, 'webapp', NS)}`, delivery);
    expect(answer.status).toBe(200);
    await flux.untilRevision(source(), `main@sha1:${second}`);
    // interval is 1h: the fetch answered the delivery's request, which source-controller reports handled.
    expect((await flux.requestHandled(source())).requested).not.toBe(requestedBefore);
    process.stdout.write(`source-controller ${controller.version}: push delivery to artifact revision ${Date.now() - sent} ms\n`);
  }, 300_000);
});
