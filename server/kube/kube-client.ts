// The one object that talks to the Kubernetes API in files mode. @kubernetes/client-node's
// KubeConfig does everything about credentials (kubeconfig files, in-cluster ServiceAccount,
// exec and auth-provider plugins, client certificates, proxies) and is applied to every call;
// the calls themselves (the requestedAt merge patch, metadata-only list/watch with the
// PartialObjectMetadata content negotiation client-node has no call for, Events) are plain
// node:https requests with those options. KubeConfig comes from its own module, not the package
// index: the index also loads the generated typed API (every model, ObjectSerializer, every *Api
// class; its RSS in docs/benchmarks.md, "Memory at rest"), which none of these calls needs. server/build.mjs keeps
// config.js's own import of that layer down to the two modules KubeConfig uses, and
// test/server/bundle-contents.integration.test.ts fails if the typed API comes back into files-mode start-up.
import * as fs from 'fs';
import * as http from 'http';
import * as https from 'https';
import { join } from 'path';
import { createInterface } from 'readline';
import { findHomeDir, KubeConfig } from '@kubernetes/client-node/dist/config.js';
import { SharedAgent } from './shared-agent';
import { KIND_PLURALS, SERVER_BINARY, splitApiVersion } from '../../src/model';

/** Where a ServiceAccount token is mounted in a pod. */
const IN_CLUSTER_TOKEN = '/var/run/secrets/kubernetes.io/serviceaccount/token';

/**
 * Who this server is to the apiserver: `managedFields` records the field manager of each patch
 * (notification-controller's are `notification-controller`), audit logs the User-Agent.
 */
export const FIELD_MANAGER = SERVER_BINARY;
const USER_AGENT = `${SERVER_BINARY}/${process.env.FLUX_WEBHOOKS_VERSION ?? 'dev'} (${process.platform}/${process.arch}) node/${process.version}`;

export const PARTIAL_METADATA_LIST = 'application/json;as=PartialObjectMetadataList;g=meta.k8s.io;v=v1';
export const PARTIAL_METADATA = 'application/json;as=PartialObjectMetadata;g=meta.k8s.io;v=v1';

/** A kind's REST coordinates. */
export interface ResourceType {
  readonly group: string;
  readonly version: string;
  readonly kind: string;
  readonly plural: string;
}

export interface ObjectRef extends ResourceType {
  readonly namespace: string;
  readonly name: string;
}

/** What a failed API call carries: the HTTP status and the apiserver's message. */
export class KubeApiError extends Error {
  constructor(readonly status: number, message: string) {
    super(message);
  }
}

/** Metadata-only view of an object (PartialObjectMetadata). */
export interface ObjectMetadata {
  readonly apiVersion?: string;
  readonly kind?: string;
  readonly metadata: {
    readonly name: string;
    readonly namespace?: string;
    readonly resourceVersion?: string;
    readonly labels?: Record<string, string>;
    readonly [k: string]: unknown;
  };
}

export interface MetadataList {
  readonly metadata: { readonly resourceVersion?: string };
  /** Empty, never null (the apiserver sends `null` for an empty list; listMetadata replaces it). */
  readonly items: ObjectMetadata[];
}

export interface WatchEvent {
  readonly type: 'ADDED' | 'MODIFIED' | 'DELETED' | 'BOOKMARK' | 'ERROR';
  readonly object: ObjectMetadata & { readonly code?: number; readonly message?: string };
}

/**
 * Loads credentials: an explicit kubeconfig file; else the pod's ServiceAccount; else the usual
 * KUBECONFIG / ~/.kube/config.
 */
export function loadKubeConfig(kubeconfig?: string): KubeConfig {
  const kc = new KubeConfig();
  if (kubeconfig) {
    if (!fs.existsSync(kubeconfig)) throw new Error(`kubeconfig ${kubeconfig} does not exist`);
    kc.loadFromFile(kubeconfig);
  } else if (process.env.KUBERNETES_SERVICE_HOST && fs.existsSync(IN_CLUSTER_TOKEN)) {
    kc.loadFromCluster();
  } else if (process.env.KUBECONFIG || homeKubeconfigExists()) {
    kc.loadFromDefault();
  } else {
    // client-node would fall back to http://localhost:8080, which never answers in a pod.
    throw new Error(process.env.KUBERNETES_SERVICE_HOST
      ? `running in a pod (KUBERNETES_SERVICE_HOST is set) but there is no ServiceAccount token at ${IN_CLUSTER_TOKEN}: `
        + 'the pod or its ServiceAccount has automountServiceAccountToken: false, or the apiserver runs without the ServiceAccount admission plugin; '
        + 'mount the token (automountServiceAccountToken: true, as WebhookReceiver renders it) or pass --kubeconfig <file>'
      : 'no Kubernetes credentials: not in a pod, KUBECONFIG is not set and ~/.kube/config does not exist; pass --kubeconfig <file> or set KUBECONFIG');
  }
  if (!kc.getCurrentCluster()) throw new Error('the kubeconfig has no current cluster');
  return kc;
}

/** The ~/.kube/config that client-node's loadFromDefault would read (it finds home its own way). */
function homeKubeconfigExists(): boolean {
  const home = findHomeDir();
  return home !== null && fs.existsSync(join(home, '.kube', 'config'));
}

export class KubeClient {
  private readonly discovery = new Map<string, Promise<Map<string, string>>>();
  /** Keep-alive connections shared by every call (client-node would open one per call). */
  readonly agent = new SharedAgent();

  constructor(readonly config: KubeConfig) {}

  /** Closes the shared API connections (shutdown). */
  close(): void {
    this.agent.destroy();
  }

  /**
   * JSON merge patch of `metadata.annotations` (RFC 7386), no resourceVersion precondition, like
   * Flux. `signal` aborts the call and closes its connection: kube-apiserver cancels a request
   * whose client went away, so an aborted patch is not applied later.
   */
  async patchAnnotations(ref: ObjectRef, annotations: Record<string, string>, signal?: AbortSignal): Promise<void> {
    const what = `patch ${ref.kind} "${ref.namespace}/${ref.name}"`;
    let res: { status: number; text: string };
    try {
      const path = `${collectionPath(ref, ref.namespace)}/${encodeURIComponent(ref.name)}?fieldManager=${FIELD_MANAGER}`;
      res = await this.writeJson('PATCH', path, { metadata: { annotations } }, 'application/merge-patch+json', signal);
    } catch (err) {
      throw new KubeApiError(0, `${what}: ${(err as Error).message}`);
    }
    if (res.status < 200 || res.status > 299) throw new KubeApiError(res.status, `${what}: ${statusMessage(res)}`);
  }

  /** A Secret's data as bytes; undefined when it does not exist (files mode with `--secrets-from-cluster`). */
  async getSecret(namespace: string, name: string): Promise<Record<string, Buffer> | undefined> {
    const res = await this.request('GET', `/api/v1/namespaces/${encodeURIComponent(namespace)}/secrets/${encodeURIComponent(name)}`, 'application/json');
    if (res.status === 404) return undefined;
    if (res.status !== 200) throw new KubeApiError(res.status, `get secret "${namespace}/${name}": ${statusMessage(res)}`);
    const secret = JSON.parse(res.text) as { data?: Record<string, string> | null };
    return Object.fromEntries(Object.entries(secret.data ?? {}).map(([k, v]) => [k, Buffer.from(v, 'base64')]));
  }

  /** The REST plural of `kind` in `apiVersion`: the Flux table, else API discovery (once per group/version). */
  async resourceType(apiVersion: string, kind: string): Promise<ResourceType> {
    const { group, version } = splitApiVersion(apiVersion);
    const known = Object.hasOwn(KIND_PLURALS, kind) ? KIND_PLURALS[kind] : undefined;
    if (known) return { group, version, kind, plural: known };
    let kinds = this.discovery.get(apiVersion);
    if (!kinds) {
      kinds = this.discover(group, version);
      this.discovery.set(apiVersion, kinds);
      kinds.catch(() => this.discovery.delete(apiVersion));
    }
    const plural = (await kinds).get(kind);
    if (!plural) throw new KubeApiError(404, `the API server does not serve kind "${kind}" in ${apiVersion}`);
    return { group, version, kind, plural };
  }

  /** Lists the metadata of every object of `type` in `namespace`. */
  async listMetadata(type: ResourceType, namespace: string): Promise<MetadataList> {
    const res = await this.request('GET', collectionPath(type, namespace), PARTIAL_METADATA_LIST);
    if (res.status !== 200) throw new KubeApiError(res.status, `list ${type.kind} in namespace "${namespace}": ${statusMessage(res)}`);
    const list = JSON.parse(res.text) as Omit<MetadataList, 'items'> & { items: ObjectMetadata[] | null };
    // An empty PartialObjectMetadataList comes with `"items": null` (seen on kube-apiserver 1.36).
    return { ...list, items: list.items ?? [] };
  }

  /**
   * Watches metadata from `resourceVersion`; calls `onEvent` per event and resolves when the
   * stream ends (server timeout or `signal`). Rejects with KubeApiError on a non-200 answer.
   */
  async watchMetadata(
    type: ResourceType,
    namespace: string,
    resourceVersion: string,
    onEvent: (event: WatchEvent) => void,
    signal: AbortSignal,
  ): Promise<void> {
    const query = `?watch=true&allowWatchBookmarks=true&resourceVersion=${encodeURIComponent(resourceVersion)}&timeoutSeconds=${240 + Math.floor(Math.random() * 120)}`;
    const res = await this.open('GET', collectionPath(type, namespace) + query, PARTIAL_METADATA, signal);
    if (res.statusCode !== 200) {
      const text = await readAll(res);
      throw new KubeApiError(res.statusCode ?? 0, `watch ${type.kind} in namespace "${namespace}": ${statusMessage({ status: res.statusCode ?? 0, text })}`);
    }
    await new Promise<void>((resolve) => {
      const lines = createInterface({ input: res });
      lines.on('line', (line) => {
        if (line.trim() === '') return;
        try {
          onEvent(JSON.parse(line) as WatchEvent);
        } catch {
          // a line cut by an abort: the watch ends anyway
        }
      });
      lines.on('close', resolve);
      // readline re-emits input errors (an aborted watch): the stream just ends.
      lines.on('error', () => resolve());
      res.on('error', () => resolve());
      res.on('aborted', () => resolve());
    });
  }

  private async discover(group: string, version: string): Promise<Map<string, string>> {
    const path = group ? `/apis/${group}/${version}` : `/api/${version}`;
    const res = await this.request('GET', path, 'application/json');
    if (res.status !== 200) throw new KubeApiError(res.status, `discovery of ${path}: ${statusMessage(res)}`);
    const list = JSON.parse(res.text) as { resources: { name: string; kind: string }[] };
    return new Map(list.resources.filter((r) => !r.name.includes('/')).map((r) => [r.kind, r.name]));
  }

  private async request(method: string, path: string, accept: string): Promise<{ status: number; text: string }> {
    const res = await this.open(method, path, accept);
    return { status: res.statusCode ?? 0, text: await readAll(res) };
  }

  /** A JSON body sent to `path` (merge PATCH of an object, core/v1 Events: POST); the status and answer text. */
  async writeJson(
    method: 'POST' | 'PATCH', path: string, body: unknown, contentType = 'application/json', signal?: AbortSignal,
  ): Promise<{ status: number; text: string }> {
    const res = await this.open(method, path, 'application/json', signal, { contentType, data: Buffer.from(JSON.stringify(body), 'utf8') });
    return { status: res.statusCode ?? 0, text: await readAll(res) };
  }

  private async open(
    method: string, path: string, accept: string, signal?: AbortSignal, payload?: { contentType: string; data: Buffer },
  ): Promise<http.IncomingMessage> {
    const cluster = this.config.getCurrentCluster()!;
    const url = new URL(cluster.server.replace(/\/$/, '') + path);
    const headers: http.OutgoingHttpHeaders = { 'Accept': accept, 'User-Agent': USER_AGENT };
    if (payload) Object.assign(headers, { 'Content-Type': payload.contentType, 'Content-Length': payload.data.length });
    const options: https.RequestOptions = { method, headers, signal };
    await this.config.applyToHTTPSOptions(options);
    options.agent = this.agent.agentFor(options.agent);
    const transport = url.protocol === 'http:' ? http : https;
    return new Promise((resolve, reject) => {
      const req = transport.request(url, options, resolve);
      req.on('error', reject);
      req.end(payload?.data);
    });
  }
}

function collectionPath(type: ResourceType, namespace: string): string {
  const base = type.group ? `/apis/${type.group}/${type.version}` : `/api/${type.version}`;
  return `${base}/namespaces/${encodeURIComponent(namespace)}/${type.plural}`;
}

function readAll(res: http.IncomingMessage): Promise<string> {
  return new Promise((resolve, reject) => {
    const chunks: Buffer[] = [];
    res.on('data', (c: Buffer) => chunks.push(c));
    res.on('end', () => resolve(Buffer.concat(chunks).toString('utf8')));
    res.on('error', reject);
    // An aborted call (signal) destroys the response, which may then end without 'end' or 'error'.
    res.on('close', () => {
      if (!res.complete) reject(new Error('the connection closed before the answer was complete'));
    });
  });
}

function statusMessage(res: { status: number; text: string }): string {
  try {
    const status = JSON.parse(res.text) as { message?: string };
    if (status.message) return `HTTP ${res.status}: ${status.message}`;
  } catch {
    // not a Status object
  }
  return `HTTP ${res.status}`;
}
