// Flux's webhook receiver guide (examples/_guide.ts) on the one-node cluster, with both backends
// and the real source-controller: a commit pushed to the Git server and a new OCI artifact pushed
// to the registry become the revisions Flux has fetched as soon as GitHub's `push` and `package`
// deliveries arrive, through the bundled server's pods and Service (guide-webhook-receiver.ts),
// then through Flux's own notification-controller serving the Receivers of
// guide-flux-receivers.ts. Every source's interval is 1h: each fetch observed is the delivery's.
import { randomBytes } from 'crypto';
import { buildGuideFluxReceiversApp } from '../../examples/guide-flux-receivers';
import { buildGuideWebhookReceiverApp } from '../../examples/guide-webhook-receiver';
import { hookPath } from '../../src/model';
import { FLUX_NAMESPACE as NS, FluxCluster, FluxSource, REQUESTED_AT, startFluxCluster } from '../harness/cluster/flux-cluster';
import { NotificationController, startNotificationController } from '../harness/flux/notification-controller';
import { send } from '../harness/http';
import { apply, eventually, ManifestObject } from '../harness/kube';
import { synthesizeTo } from '../harness/readme-app';
import { LoopbackRegistry } from '../harness/registry';

/** The guide's OCIRepository `webapp-manifests`, here in the loopback registry under the same path as on GHCR. */
const MANIFESTS_REPOSITORY = 'org/webapp-manifests';

let flux: FluxCluster;
let registry: LoopbackRegistry;

/** The guide's app for one backend, its sources pointed at the Git server and registry on loopback. */
function guide(build: (outdir: string) => { synth(): void }): ManifestObject[] {
  return synthesizeTo((outdir) => build(outdir).synth()).map((o: any) => {
    if (o.kind === 'GitRepository') return { ...o, spec: { ...o.spec, url: `${flux.git.url}/webapp.git` } };
    // Plain HTTP on loopback: Flux's `insecure` (no TLS), as for any registry without it.
    if (o.kind === 'OCIRepository') return { ...o, spec: { ...o.spec, url: `oci://${registry.host}/${MANIFESTS_REPOSITORY}`, insecure: true } };
    return o;
  });
}

const GIT_SOURCE = { resource: 'gitrepositories', name: 'webapp' } as const;
const OCI_SOURCE = { resource: 'ocirepositories', name: 'webapp-manifests' } as const;

/**
 * A commit on `master` of webapp, then the guide's `github-receiver` delivery at `url`: the
 * GitRepository's revision must stay at the old commit until the delivery, then name the new one.
 */
async function gitPushBecomesRevision(url: string): Promise<number> {
  await eventually('the GitRepository to have an artifact', () => flux.revision(GIT_SOURCE), 120_000);
  const { requested: requestedBefore } = await flux.reconcileRequest(GIT_SOURCE);
  const commit = flux.git.commit('webapp', 'master', 'deploy.yaml', `revision: ${randomBytes(4).toString('hex')}\n`);
  const delivery = flux.github('push', { ref: 'refs/heads/master', after: commit, repository: { full_name: 'org/webapp' } });
  const sent = Date.now();
  expect((await send(url, delivery)).status).toBe(200);
  await flux.untilRevision(GIT_SOURCE, `master@sha1:${commit}`);
  const took = Date.now() - sent;
  await fetchedOnRequest(GIT_SOURCE, requestedBefore);
  return took;
}

/**
 * The fetch answered the delivery's request, not a poll (every interval is 1h): the delivery set a
 * new requestedAt, and source-controller reports that very request handled.
 */
async function fetchedOnRequest(source: FluxSource, requestedBefore: string | undefined): Promise<void> {
  expect((await flux.requestHandled(source)).requested).not.toBe(requestedBefore);
}

/**
 * A new artifact pushed under the tag the OCIRepository follows (`latest`), then the guide's
 * `ghcr-receiver` delivery of GitHub's `package` event at `url`: the OCIRepository's revision must
 * name the new digest, and the ImageRepository of the same receiver is asked to reconcile.
 */
async function ociPushBecomesRevision(url: string): Promise<number> {
  const before = await eventually('the OCIRepository to have an artifact', () => flux.revision(OCI_SOURCE), 120_000);
  const { requested: requestedBefore } = await flux.reconcileRequest(OCI_SOURCE);
  const pushed = await registry.pushArtifact(MANIFESTS_REPOSITORY, 'latest', { 'deploy.yaml': `revision: ${randomBytes(4).toString('hex')}\n` });
  expect(before).not.toBe(`latest@${pushed.digest}`);
  const images = async () => (await flux.get(`/apis/image.toolkit.fluxcd.io/v1/namespaces/${NS}/imagerepositories/webapp`)).metadata.annotations?.[REQUESTED_AT];
  const imagesBefore = await images();
  const delivery = flux.github('package', {
    action: 'published',
    package: { name: 'webapp-manifests', package_type: 'container', package_version: { container_metadata: { tag: { name: 'latest', digest: pushed.digest } } } },
    repository: { full_name: 'org/webapp' },
  });
  const sent = Date.now();
  expect((await send(url, delivery)).status).toBe(200);
  await flux.untilRevision(OCI_SOURCE, `latest@${pushed.digest}`);
  const took = Date.now() - sent;
  await fetchedOnRequest(OCI_SOURCE, requestedBefore);
  // image-reflector-controller does not run here: the ImageRepository is checked at the request.
  const imagesAfter = await images();
  expect(imagesAfter).toBeDefined();
  expect(imagesAfter).not.toBe(imagesBefore);
  return took;
}

beforeAll(async () => {
  // Flux's own objects, as on a cluster that runs Flux (its controllers run as processes).
  flux = await startFluxCluster();
  flux.git.createRepository('webapp', 'master');
  registry = await flux.startRegistry();
  await registry.pushArtifact(MANIFESTS_REPOSITORY, 'latest', { 'deploy.yaml': 'revision: first\n' });
  // The guide's HTTPRoute goes to the Gateway's namespace, which the Gateway's install creates.
  await apply([{ apiVersion: 'v1', kind: 'Namespace', metadata: { name: 'gateway-system' } }], undefined, flux.kc);
  await flux.startSourceController();
}, 900_000);

afterAll(async () => {
  await flux?.stop();
}, 120_000);

describe('the bundled server (guide-webhook-receiver.ts): its pods behind the Service', () => {
  let serviceUrl: string;

  beforeAll(async () => {
    const app = guide(buildGuideWebhookReceiverApp);
    await apply(app, undefined, flux.kc);
    await flux.rolledOut(NS, app.find((o) => o.kind === 'Deployment')!.metadata.name);
    serviceUrl = await flux.serviceUrl();
  }, 300_000);

  test('a pushed commit and its GitHub push delivery: the GitRepository fetches that commit', async () => {
    const ms = await gitPushBecomesRevision(`${serviceUrl}${hookPath(flux.token, 'github-receiver', NS)}`);
    process.stdout.write(`bundled server: push delivery to Git revision ${ms} ms\n`);
  }, 300_000);

  test('a new OCI artifact and its GitHub package delivery: the OCIRepository fetches that digest', async () => {
    const ms = await ociPushBecomesRevision(`${serviceUrl}${hookPath(flux.token, 'ghcr-receiver', NS)}`);
    process.stdout.write(`bundled server: package delivery to OCI revision ${ms} ms\n`);
  }, 300_000);
});

describe("Flux's notification-controller (guide-flux-receivers.ts): the Receivers FluxReceivers renders", () => {
  let nc: NotificationController;

  beforeAll(async () => {
    nc = await startNotificationController(flux.cluster.apiserver, flux.cluster.workDir);
    await apply(guide(buildGuideFluxReceiversApp), undefined, flux.kc);
  }, 900_000);

  afterAll(async () => {
    await nc?.stop();
  });

  test('notification-controller makes each Receiver Ready on the path the constructs compute', async () => {
    for (const name of ['github-receiver', 'ghcr-receiver']) {
      const table = await flux.readyReceiver(NS, name, () => nc.died());
      expect(table.rows[0].cells[3]).toBe(`Receiver initialized for path: ${hookPath(flux.token, name, NS)}`);
    }
  }, 150_000);

  test('a pushed commit and its GitHub push delivery: the GitRepository fetches that commit', async () => {
    const ms = await gitPushBecomesRevision(`${nc.receiverUrl}${hookPath(flux.token, 'github-receiver', NS)}`);
    process.stdout.write(`notification-controller ${nc.version}: push delivery to Git revision ${ms} ms\n`);
  }, 300_000);

  test('a new OCI artifact and its GitHub package delivery: the OCIRepository fetches that digest', async () => {
    const ms = await ociPushBecomesRevision(`${nc.receiverUrl}${hookPath(flux.token, 'ghcr-receiver', NS)}`);
    process.stdout.write(`notification-controller ${nc.version}: package delivery to OCI revision ${ms} ms\n`);
  }, 300_000);
});
