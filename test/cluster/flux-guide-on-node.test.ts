// Flux's webhook receiver guide (examples/_guide.ts) on the one-node cluster, with both backends
// and the real source-controller: a commit pushed to the Git server and a new OCI artifact pushed
// to the registry become the revisions Flux has fetched as soon as GitHub's `push` and `package`
// deliveries arrive, through the bundled server's pods and Service (guide-webhook-receiver.ts),
// then through Flux's own notification-controller serving the Receivers of
// guide-flux-receivers.ts. Every source's interval is 1h: each fetch observed is the delivery's.
import { randomBytes } from 'crypto';
import * as fs from 'fs';
import * as path from 'path';
import { KubeConfig } from '@kubernetes/client-node';
import { buildGuideFluxReceiversApp } from '../../examples/guide-flux-receivers';
import { buildGuideWebhookReceiverApp } from '../../examples/guide-webhook-receiver';
import { buildImage } from '../../image/build';
import { imageRefName } from '../../image/image-config';
import { hookPath } from '../../src/model';
import { startTestCluster, TestCluster } from '../harness/cluster/cluster';
import { NotificationController, startNotificationController } from '../harness/flux/notification-controller';
import { SourceController, startSourceController } from '../harness/flux/source-controller';
import { GitServer, startGitServer } from '../harness/git-server';
import { githubHeaders, send, statusOf } from '../harness/http';
import { apply, eventually, kubeRequest, kubeTable, ManifestObject } from '../harness/kube';
import { readYaml, synthesizeTo } from '../harness/readme-app';
import { LoopbackRegistry, startRegistry } from '../harness/registry';

const FLUX_INSTALL = path.join(__dirname, '..', 'fixtures', 'flux-install', 'flux-v2.9.4-flux-system.yaml');
const REQUESTED_AT = 'reconcile.fluxcd.io/requestedAt';
const NS = 'flux-system';
const TOKEN = randomBytes(20).toString('hex');
const SOURCES = '/apis/source.toolkit.fluxcd.io/v1/namespaces/flux-system';
/** The guide's OCIRepository `webapp-manifests`, here in the loopback registry under the same path as on GHCR. */
const MANIFESTS_REPOSITORY = 'org/webapp-manifests';

let cluster: TestCluster;
let kc: KubeConfig;
let git: GitServer;
let registry: LoopbackRegistry;
let controller: SourceController;

async function get(p: string): Promise<any> {
  const res = await kubeRequest(kc, 'GET', p);
  if (res.status !== 200) throw new Error(`GET ${p}: HTTP ${res.status} ${res.text}`);
  return res.body;
}

/** A GitHub delivery of `event`, signed as GitHub signs it. */
function github(event: string, payload: object): { headers: Record<string, string>; body: string } {
  const body = JSON.stringify(payload);
  return { body, headers: githubHeaders(TOKEN, body, event) };
}

/** The guide's app for one backend, its sources pointed at the Git server and registry on loopback. */
function guide(build: (outdir: string) => { synth(): void }): ManifestObject[] {
  return synthesizeTo((outdir) => build(outdir).synth()).map((o: any) => {
    if (o.kind === 'GitRepository') return { ...o, spec: { ...o.spec, url: `${git.url}/webapp.git` } };
    // Plain HTTP on loopback: Flux's `insecure` (no TLS), as for any registry without it.
    if (o.kind === 'OCIRepository') return { ...o, spec: { ...o.spec, url: `oci://${registry.host}/${MANIFESTS_REPOSITORY}`, insecure: true } };
    return o;
  });
}

const revision = async (kind: 'gitrepositories' | 'ocirepositories', name: string): Promise<string | undefined> => {
  const death = controller.died();
  if (death) throw new Error(death);
  return (await get(`${SOURCES}/${kind}/${name}`)).status?.artifact?.revision;
};

/**
 * A commit on `master` of webapp, then the guide's `github-receiver` delivery at `url`: the
 * GitRepository's revision must stay at the old commit until the delivery, then name the new one.
 */
async function gitPushBecomesRevision(url: string): Promise<number> {
  const before = await eventually('the GitRepository to have an artifact', () => revision('gitrepositories', 'webapp'), 120_000);
  const commit = git.commit('webapp', 'master', 'deploy.yaml', `revision: ${randomBytes(4).toString('hex')}\n`);
  await new Promise((r) => setTimeout(r, 2000));
  expect(await revision('gitrepositories', 'webapp')).toBe(before);
  const delivery = github('push', { ref: 'refs/heads/master', after: commit, repository: { full_name: 'org/webapp' } });
  const sent = Date.now();
  expect((await send(url, delivery)).status).toBe(200);
  await eventually(`revision master@sha1:${commit}`, async () => ((await revision('gitrepositories', 'webapp')) === `master@sha1:${commit}` ? true : undefined), 60_000);
  return Date.now() - sent;
}

/**
 * A new artifact pushed under the tag the OCIRepository follows (`latest`), then the guide's
 * `ghcr-receiver` delivery of GitHub's `package` event at `url`: the OCIRepository's revision must
 * name the new digest, and the ImageRepository of the same receiver is asked to reconcile.
 */
async function ociPushBecomesRevision(url: string): Promise<number> {
  const before = await eventually('the OCIRepository to have an artifact', () => revision('ocirepositories', 'webapp-manifests'), 120_000);
  const pushed = await registry.pushArtifact(MANIFESTS_REPOSITORY, 'latest', { 'deploy.yaml': `revision: ${randomBytes(4).toString('hex')}\n` });
  expect(before).not.toBe(`latest@${pushed.digest}`);
  await new Promise((r) => setTimeout(r, 2000));
  expect(await revision('ocirepositories', 'webapp-manifests')).toBe(before);
  const images = async () => (await get(`/apis/image.toolkit.fluxcd.io/v1/namespaces/${NS}/imagerepositories/webapp`)).metadata.annotations?.[REQUESTED_AT];
  const imagesBefore = await images();
  const delivery = github('package', {
    action: 'published',
    package: { name: 'webapp-manifests', package_type: 'container', package_version: { container_metadata: { tag: { name: 'latest', digest: pushed.digest } } } },
    repository: { full_name: 'org/webapp' },
  });
  const sent = Date.now();
  expect((await send(url, delivery)).status).toBe(200);
  await eventually(`revision latest@${pushed.digest}`, async () => ((await revision('ocirepositories', 'webapp-manifests')) === `latest@${pushed.digest}` ? true : undefined), 60_000);
  const took = Date.now() - sent;
  // image-reflector-controller does not run here: the ImageRepository is checked at the request.
  const imagesAfter = await images();
  expect(imagesAfter).toBeDefined();
  expect(imagesAfter).not.toBe(imagesBefore);
  return took;
}

beforeAll(async () => {
  const image = await buildImage({ log: () => undefined });
  cluster = await startTestCluster({ log: (l) => process.stdout.write(`${l}\n`) });
  cluster.importImage(image.outDir, imageRefName());
  kc = new KubeConfig();
  kc.loadFromFile(cluster.kubeconfigPath);
  git = await startGitServer();
  git.createRepository('webapp', 'master');
  registry = await startRegistry(cluster.workDir);
  await registry.pushArtifact(MANIFESTS_REPOSITORY, 'latest', { 'deploy.yaml': 'revision: first\n' });
  // Flux's own objects first, as on a cluster that runs Flux (its controllers run as processes).
  await apply(readYaml(fs.readFileSync(FLUX_INSTALL, 'utf8')).filter((o) => o.kind !== 'Deployment'), undefined, kc);
  await apply([{ apiVersion: 'v1', kind: 'Secret', metadata: { name: 'webhook-token', namespace: NS }, stringData: { token: TOKEN } }], undefined, kc);
  // The guide's HTTPRoute goes to the Gateway's namespace, which the Gateway's install creates.
  await apply([{ apiVersion: 'v1', kind: 'Namespace', metadata: { name: 'gateway-system' } }], undefined, kc);
  controller = await startSourceController(cluster.kubeconfigPath, cluster.workDir);
}, 900_000);

afterAll(async () => {
  await controller?.stop();
  await registry?.stop();
  await git?.stop();
  await cluster?.stop();
}, 120_000);

describe('the bundled server (guide-webhook-receiver.ts): its pods behind the Service', () => {
  let serviceUrl: string;

  beforeAll(async () => {
    const app = guide(buildGuideWebhookReceiverApp);
    await apply(app, undefined, kc);
    const deployment = app.find((o) => o.kind === 'Deployment')!;
    await eventually('both replicas Ready', async () => {
      const d = await get(`/apis/apps/v1/namespaces/${NS}/deployments/${deployment.metadata.name}`);
      return d.status?.readyReplicas === 2 ? true : undefined;
    }, 180_000);
    const svc = await get(`/api/v1/namespaces/${NS}/services/flux-webhook-receiver`);
    serviceUrl = `http://${svc.spec.clusterIP}:${svc.spec.ports[0].port}`;
    await eventually('the ClusterIP to answer through kube-proxy', async () => ((await statusOf(`${serviceUrl}/`)) !== 0 ? true : undefined), 30_000);
  }, 300_000);

  test('a pushed commit and its GitHub push delivery: the GitRepository fetches that commit', async () => {
    const ms = await gitPushBecomesRevision(`${serviceUrl}${hookPath(TOKEN, 'github-receiver', NS)}`);
    process.stdout.write(`bundled server: push delivery to Git revision ${ms} ms\n`);
  }, 300_000);

  test('a new OCI artifact and its GitHub package delivery: the OCIRepository fetches that digest', async () => {
    const ms = await ociPushBecomesRevision(`${serviceUrl}${hookPath(TOKEN, 'ghcr-receiver', NS)}`);
    process.stdout.write(`bundled server: package delivery to OCI revision ${ms} ms\n`);
  }, 300_000);
});

describe("Flux's notification-controller (guide-flux-receivers.ts): the Receivers FluxReceivers renders", () => {
  let nc: NotificationController;

  beforeAll(async () => {
    nc = await startNotificationController(cluster.apiserver, cluster.workDir);
    await apply(guide(buildGuideFluxReceiversApp), undefined, kc);
  }, 900_000);

  afterAll(async () => {
    await nc?.stop();
  });

  test('notification-controller makes each Receiver Ready on the path the constructs compute', async () => {
    for (const name of ['github-receiver', 'ghcr-receiver']) {
      const table = await eventually(`Receiver ${name} Ready`, async () => {
        const death = nc.died();
        if (death) throw new Error(death);
        const t = await kubeTable(kc, `/apis/notification.toolkit.fluxcd.io/v1/namespaces/${NS}/receivers/${name}`);
        return t.rows?.[0]?.cells?.[2] === 'True' ? t : undefined;
      }, 60_000);
      expect(table.rows[0].cells[3]).toBe(`Receiver initialized for path: ${hookPath(TOKEN, name, NS)}`);
    }
  }, 150_000);

  test('a pushed commit and its GitHub push delivery: the GitRepository fetches that commit', async () => {
    const ms = await gitPushBecomesRevision(`${nc.receiverUrl}${hookPath(TOKEN, 'github-receiver', NS)}`);
    process.stdout.write(`notification-controller ${nc.version}: push delivery to Git revision ${ms} ms\n`);
  }, 300_000);

  test('a new OCI artifact and its GitHub package delivery: the OCIRepository fetches that digest', async () => {
    const ms = await ociPushBecomesRevision(`${nc.receiverUrl}${hookPath(TOKEN, 'ghcr-receiver', NS)}`);
    process.stdout.write(`notification-controller ${nc.version}: package delivery to OCI revision ${ms} ms\n`);
  }, 300_000);
});
