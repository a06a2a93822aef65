// The one object that talks to the Kubernetes API. Writes (the requestedAt merge patch) go through
// @kubernetes/client-node's typed API; metadata-only list/watch use the same KubeConfig's
// credentials with the PartialObjectMetadata content negotiation client-node has no call for.
import * as fs from 'fs';
import * as http from 'http';
import * as https from 'https';
import { createInterface } from 'readline';
import { CustomObjectsApi, KubeConfig, Observable, ObservableMiddleware, PatchStrategy, setHeaderOptions } from '@kubernetes/client-node';
import { SharedAgent } from './shared-agent';
import { KIND_PLURALS, splitApiVersion } from '../../src/model';

/** Where a ServiceAccount token is mounted in a pod. */
const IN_CLUSTER_TOKEN = '/var/run/secrets/kubernetes.io/serviceaccount/token';

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
  /** `null` (not `[]`) when the namespace holds no such object or does not exist. */
  readonly items: ObjectMetadata[] | null;
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
  } else {
    kc.loadFromDefault();
  }
  if (!kc.getCurrentCluster()) throw new Error('the kubeconfig has no current cluster');
  return kc;
}

export class KubeClient {
  private readonly customObjects: CustomObjectsApi;
  private readonly discovery = new Map<string, Promise<Map<string, string>>>();
  /** Keep-alive connections shared by every call (client-node would open one per call). */
  readonly agent = new SharedAgent();
  private readonly patchOptions: ReturnType<typeof setHeaderOptions>;
  private readonly shareConnections: ObservableMiddleware;

  constructor(readonly config: KubeConfig) {
    this.customObjects = config.makeApiClient(CustomObjectsApi);
    // Runs after client-node applied the credentials (headers per call) and made its own agent.
    const shareConnections: ObservableMiddleware = {
      pre: (ctx) => {
        const agent = this.agent.agentFor(ctx.getAgent());
        if (agent) ctx.setAgent(agent);
        return new Observable(Promise.resolve(ctx));
      },
      post: (res) => new Observable(Promise.resolve(res)),
    };
    this.patchOptions = setHeaderOptions('Content-Type', PatchStrategy.MergePatch, { middleware: [shareConnections] });
    this.shareConnections = shareConnections;
  }

  /** The patch options plus `signal` (client-node hands a request context's signal to fetch). */
  private _withSignal(signal: AbortSignal): ReturnType<typeof setHeaderOptions> {
    const abortable: ObservableMiddleware = {
      pre: (ctx) => {
        ctx.setSignal(signal);
        return new Observable(Promise.resolve(ctx));
      },
      post: (res) => new Observable(Promise.resolve(res)),
    };
    return setHeaderOptions('Content-Type', PatchStrategy.MergePatch, { middleware: [this.shareConnections, abortable] });
  }

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
    try {
      await this.customObjects.patchNamespacedCustomObject(
        { group: ref.group, version: ref.version, namespace: ref.namespace, plural: ref.plural, name: ref.name, body: { metadata: { annotations } } },
        signal ? this._withSignal(signal) : this.patchOptions,
      );
    } catch (err) {
      throw _apiError(err, `patch ${ref.kind} "${ref.namespace}/${ref.name}"`);
    }
  }

  /** The REST plural of `kind` in `apiVersion`: the Flux table, else API discovery (once per group/version). */
  async resourceType(apiVersion: string, kind: string): Promise<ResourceType> {
    const { group, version } = splitApiVersion(apiVersion);
    const known = Object.hasOwn(KIND_PLURALS, kind) ? KIND_PLURALS[kind] : undefined;
    if (known) return { group, version, kind, plural: known };
    let kinds = this.discovery.get(apiVersion);
    if (!kinds) {
      kinds = this._discover(group, version);
      this.discovery.set(apiVersion, kinds);
      kinds.catch(() => this.discovery.delete(apiVersion));
    }
    const plural = (await kinds).get(kind);
    if (!plural) throw new KubeApiError(404, `the API server does not serve kind "${kind}" in ${apiVersion}`);
    return { group, version, kind, plural };
  }

  /** Lists the metadata of every object of `type` in `namespace`. */
  async listMetadata(type: ResourceType, namespace: string): Promise<MetadataList> {
    const res = await this._request('GET', _collectionPath(type, namespace), PARTIAL_METADATA_LIST);
    if (res.status !== 200) throw new KubeApiError(res.status, `list ${type.kind} in namespace "${namespace}": ${_message(res)}`);
    return JSON.parse(res.text) as MetadataList;
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
    const res = await this._open('GET', _collectionPath(type, namespace) + query, PARTIAL_METADATA, signal);
    if (res.statusCode !== 200) {
      const text = await _readAll(res);
      throw new KubeApiError(res.statusCode ?? 0, `watch ${type.kind} in namespace "${namespace}": ${_message({ status: res.statusCode ?? 0, text })}`);
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

  private async _discover(group: string, version: string): Promise<Map<string, string>> {
    const path = group ? `/apis/${group}/${version}` : `/api/${version}`;
    const res = await this._request('GET', path, 'application/json');
    if (res.status !== 200) throw new KubeApiError(res.status, `discovery of ${path}: ${_message(res)}`);
    const list = JSON.parse(res.text) as { resources: { name: string; kind: string }[] };
    return new Map(list.resources.filter((r) => !r.name.includes('/')).map((r) => [r.kind, r.name]));
  }

  private async _request(method: string, path: string, accept: string): Promise<{ status: number; text: string }> {
    const res = await this._open(method, path, accept);
    return { status: res.statusCode ?? 0, text: await _readAll(res) };
  }

  private async _open(method: string, path: string, accept: string, signal?: AbortSignal): Promise<http.IncomingMessage> {
    const cluster = this.config.getCurrentCluster()!;
    const url = new URL(cluster.server.replace(/\/$/, '') + path);
    const options: https.RequestOptions = { method, headers: { Accept: accept }, signal };
    await this.config.applyToHTTPSOptions(options);
    options.agent = this.agent.agentFor(options.agent);
    const transport = url.protocol === 'http:' ? http : https;
    return new Promise((resolve, reject) => {
      const req = transport.request(url, options, resolve);
      req.on('error', reject);
      req.end();
    });
  }
}

function _collectionPath(type: ResourceType, namespace: string): string {
  const base = type.group ? `/apis/${type.group}/${type.version}` : `/api/${type.version}`;
  return `${base}/namespaces/${encodeURIComponent(namespace)}/${type.plural}`;
}

function _readAll(res: http.IncomingMessage): Promise<string> {
  return new Promise((resolve, reject) => {
    const chunks: Buffer[] = [];
    res.on('data', (c: Buffer) => chunks.push(c));
    res.on('end', () => resolve(Buffer.concat(chunks).toString('utf8')));
    res.on('error', reject);
  });
}

function _message(res: { status: number; text: string }): string {
  try {
    const status = JSON.parse(res.text) as { message?: string };
    if (status.message) return `HTTP ${res.status}: ${status.message}`;
  } catch {
    // not a Status object
  }
  return `HTTP ${res.status}`;
}

/** client-node throws ApiException with `code` and a JSON `body`; keep the apiserver's words. */
function _apiError(err: unknown, what: string): KubeApiError {
  const e = err as { code?: number; body?: unknown; message?: string };
  let message = e.message ?? String(err);
  if (typeof e.body === 'string') {
    try {
      message = (JSON.parse(e.body) as { message?: string }).message ?? message;
    } catch {
      // keep the exception message
    }
  } else if (e.body && typeof e.body === 'object' && 'message' in e.body) {
    message = String((e.body as { message: unknown }).message);
  }
  return new KubeApiError(e.code ?? 0, `${what}: ${e.code ? `HTTP ${e.code}: ` : ''}${message}`);
}
