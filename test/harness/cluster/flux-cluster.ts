// What the cluster tier's tests and `npx projen bench:cluster` start from: a one-node cluster
// (./cluster.ts) with the receiver image from image/out on its node, Flux's own objects applied as
// on a cluster that runs Flux, the `webhook-token` Secret holding a random token, and a Git server
// on loopback; plus the waits and requests those files make against it. Flux's controllers run as
// processes (their Deployments are left out: their images are not on the node and no registry is
// reachable), started when a test asks. stop() stops all of it, also after a failure part way
// through the setup.
import { randomBytes } from 'crypto';
import * as fs from 'fs';
import * as path from 'path';
import { KubeConfig } from '@kubernetes/client-node';
import { startTestCluster, TestCluster } from './cluster';
import { buildImage } from '../../../image/build';
import { imageRefName } from '../../../image/image-config';
import { REPO_ROOT } from '../apiserver';
import { SourceController, startSourceController } from '../flux/source-controller';
import { GitServer, startGitServer } from '../git-server';
import { githubHeaders, statusOf } from '../http';
import { apply, eventually, kubeRequest, kubeTable } from '../kube';
import { readYaml } from '../readme-app';
import { LoopbackRegistry, startRegistry } from '../registry';

/** Flux's install (`flux install --export`) as the tests apply it. */
export const FLUX_INSTALL = path.join(REPO_ROOT, 'test', 'fixtures', 'flux-install', 'flux-v2.9.4-flux-system.yaml');
export const FLUX_NAMESPACE = 'flux-system';
/** The Secret (key `token`) in flux-system that the README's and the guide's receivers read. */
export const TOKEN_SECRET = 'webhook-token';
/** The annotation a receiver sets to ask a Flux controller to reconcile now. */
export const REQUESTED_AT = 'reconcile.fluxcd.io/requestedAt';
/** The receiver Service's name, as `WebhookReceiver` renders it. */
export const RECEIVER_SERVICE = 'flux-webhook-receiver';

export interface FluxClusterOptions {
  /** Where the cluster's progress lines go. @default standard output */
  readonly log?: (line: string) => void;
}

/** A Flux source object, named by its resource. */
export interface FluxSource {
  readonly resource: 'gitrepositories' | 'ocirepositories';
  readonly name: string;
  /** @default flux-system */
  readonly namespace?: string;
}

export interface FluxCluster {
  readonly cluster: TestCluster;
  /** The cluster's admin. */
  readonly kc: KubeConfig;
  /** The `token` of the `webhook-token` Secret in flux-system (random for each cluster). */
  readonly token: string;
  /** A Git server on loopback, with no repository yet. */
  readonly git: GitServer;
  /** GET `apiPath` as the admin; throws unless it answers 200. */
  get(apiPath: string): Promise<any>;
  /** A GitHub delivery of `event` with `payload` as its body, signed as GitHub signs it. @param secret @default token */
  github(event: string, payload: object, secret?: string): { headers: Record<string, string>; body: string };
  /**
   * `http://<ClusterIP>:<port>` of a Service, once it answers through kube-proxy (which programs
   * the ClusterIP shortly after the endpoints are ready: its sync period).
   */
  serviceUrl(namespace?: string, name?: string): Promise<string>;
  /** Waits until the Deployment's rollout is complete: every replica updated and Ready, no other pod left. Returns it. */
  rolledOut(namespace: string, name: string, timeoutMs?: number): Promise<any>;
  /** Waits until `kubectl get receiver` shows the Receiver Ready; returns that table. `died` says why to stop waiting. */
  readyReceiver(namespace: string, name: string, died?: () => string | undefined): Promise<any>;
  /** Flux's source-controller as a process against the cluster; stop() stops it. */
  startSourceController(): Promise<SourceController>;
  /** A registry on loopback, its storage in the cluster's work directory; stop() stops it. */
  startRegistry(): Promise<LoopbackRegistry>;
  /** The source's `status.artifact.revision`; throws if a source-controller started here has died. */
  revision(source: FluxSource): Promise<string | undefined>;
  /** Waits until the source's revision is `expected`. */
  untilRevision(source: FluxSource, expected: string, timeoutMs?: number): Promise<void>;
  /**
   * The source's reconcile request (its requestedAt annotation) and the last one its controller
   * handled (`status.lastHandledReconcileAt`, written with the artifact it fetched).
   */
  reconcileRequest(source: FluxSource): Promise<{ requested?: string; handled?: string }>;
  /** Waits until the source's controller has handled its current reconcile request; returns the request. */
  requestHandled(source: FluxSource, timeoutMs?: number): Promise<{ requested?: string; handled?: string }>;
  /** Stops what was started here (controllers, registry, Git server) and then the cluster. */
  stop(): Promise<void>;
}

export async function startFluxCluster(options: FluxClusterOptions = {}): Promise<FluxCluster> {
  const log = options.log ?? ((line: string) => process.stdout.write(`${line}\n`));
  const image = await buildImage({ log: () => undefined });
  const cluster = await startTestCluster({ log });
  // Each stop in reverse order of start; the cluster last.
  const stops: Array<() => Promise<void>> = [() => cluster.stop()];
  const stop = async () => {
    const errors: string[] = [];
    for (let s = stops.pop(); s; s = stops.pop()) await s().catch((e) => errors.push((e as Error).message));
    if (errors.length > 0) throw new Error(`stopping the Flux test cluster: ${errors.join('; ')}`);
  };
  try {
    cluster.importImage(image.outDir, imageRefName());
    const kc = new KubeConfig();
    kc.loadFromFile(cluster.kubeconfigPath);
    const git = await startGitServer();
    stops.push(() => git.stop());
    const token = randomBytes(20).toString('hex');
    await apply(readYaml(fs.readFileSync(FLUX_INSTALL, 'utf8')).filter((o) => o.kind !== 'Deployment'), undefined, kc);
    await apply([{ apiVersion: 'v1', kind: 'Secret', metadata: { name: TOKEN_SECRET, namespace: FLUX_NAMESPACE }, stringData: { token } }], undefined, kc);
    return handle({ cluster, kc, token, git, stops, stop });
  } catch (e) {
    await stop().catch((err) => log(String(err)));
    throw e;
  }
}

interface Started {
  readonly cluster: TestCluster;
  readonly kc: KubeConfig;
  readonly token: string;
  readonly git: GitServer;
  /** What stop() stops, last first; what the handle starts is added. */
  readonly stops: Array<() => Promise<void>>;
  readonly stop: () => Promise<void>;
}

function handle({ cluster, kc, token, git, stops, stop }: Started): FluxCluster {
  const controllers: SourceController[] = [];
  const get = async (apiPath: string) => {
    const res = await kubeRequest(kc, 'GET', apiPath);
    if (res.status !== 200) throw new Error(`GET ${apiPath}: HTTP ${res.status} ${res.text}`);
    return res.body;
  };
  const sourceObject = async (source: FluxSource) => {
    for (const c of controllers) {
      const death = c.died();
      if (death) throw new Error(death);
    }
    return get(`/apis/source.toolkit.fluxcd.io/v1/namespaces/${source.namespace ?? FLUX_NAMESPACE}/${source.resource}/${source.name}`);
  };
  const revision = async (source: FluxSource) => (await sourceObject(source)).status?.artifact?.revision as string | undefined;
  const reconcileRequest = async (source: FluxSource) => {
    const object = await sourceObject(source);
    const requested: string | undefined = object.metadata.annotations?.[REQUESTED_AT];
    const handled: string | undefined = object.status?.lastHandledReconcileAt;
    return { requested, handled };
  };
  return {
    cluster,
    kc,
    token,
    git,
    get,
    github: (event, payload, secret = token) => {
      const body = JSON.stringify(payload);
      return { body, headers: githubHeaders(secret, body, event) };
    },
    serviceUrl: async (namespace = FLUX_NAMESPACE, name = RECEIVER_SERVICE) => {
      const svc = await get(`/api/v1/namespaces/${namespace}/services/${name}`);
      const url = `http://${svc.spec.clusterIP}:${svc.spec.ports[0].port}`;
      await eventually(`Service ${namespace}/${name} to answer through kube-proxy`, async () => ((await statusOf(`${url}/`)) !== 0 ? true : undefined), 30_000);
      return url;
    },
    rolledOut: (namespace, name, timeoutMs = 180_000) => eventually(`Deployment ${namespace}/${name} rolled out`, async () => {
      const d = await get(`/apis/apps/v1/namespaces/${namespace}/deployments/${name}`);
      const s = d.status ?? {};
      const want = d.spec.replicas;
      const done = s.observedGeneration >= d.metadata.generation && s.updatedReplicas === want && s.readyReplicas === want && s.replicas === want;
      return done ? d : undefined;
    }, timeoutMs),
    readyReceiver: (namespace, name, died = () => undefined) => eventually(`Receiver ${namespace}/${name} Ready`, async () => {
      const death = died();
      if (death) throw new Error(death);
      const t = await kubeTable(kc, `/apis/notification.toolkit.fluxcd.io/v1/namespaces/${namespace}/receivers/${name}`);
      return t.rows?.[0]?.cells?.[2] === 'True' ? t : undefined;
    }, 60_000),
    startSourceController: async () => {
      const controller = await startSourceController(cluster.kubeconfigPath, cluster.workDir);
      controllers.push(controller);
      stops.push(() => controller.stop());
      return controller;
    },
    startRegistry: async () => {
      const registry = await startRegistry(cluster.workDir);
      stops.push(() => registry.stop());
      return registry;
    },
    revision,
    untilRevision: async (source, expected, timeoutMs = 60_000) => {
      await eventually(`${source.name}'s revision ${expected}`, async () => ((await revision(source)) === expected ? true : undefined), timeoutMs);
    },
    reconcileRequest,
    requestHandled: (source, timeoutMs = 30_000) => eventually(`${source.name}'s reconcile request handled`, async () => {
      const request = await reconcileRequest(source);
      return request.handled !== undefined && request.handled === request.requested ? request : undefined;
    }, timeoutMs),
    stop,
  };
}
