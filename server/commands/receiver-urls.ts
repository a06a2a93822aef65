// Finds receivers (in synthesized manifests or in the cluster) and computes each one's webhook
// URL from its token: the same hookPath formula the server and notification-controller use.
import * as fs from 'fs';
import type { KubeConfig } from '@kubernetes/client-node';
import { parseAllDocuments } from 'yaml';
import { listReceivers, readSecret } from './_cluster';
import { FLUX_RECEIVER_SERVICE_NAME, hookPath, RECEIVER_API_VERSION, RECEIVER_KIND, ReceiverObject, ReceiverResourceSpec, SECRET_KEYS, SERVER_FLAGS } from '../../src/model';
import { readMountedSecret, readMountedSecretKey } from '../receivers/files/mounted-secrets';
import { definitionFiles } from '../receivers/files/receiver-files';

const DATA_FILE = /\.(ya?ml|json)$/i;

/** A Receiver as far as URLs and test deliveries need it. */
export interface FoundReceiver {
  readonly namespace: string;
  readonly name: string;
  readonly type: string;
  readonly secretName?: string;
  readonly events: readonly string[];
  /** `spec.resources`: what a delivery asks to reconcile. */
  readonly resources: readonly ReceiverResourceSpec[];
  /** Where it was found: `<file>#<document>` (`…/receivers.yaml` for a ConfigMap key) or `cluster`. */
  readonly origin: string;
  /** `status.webhookPath` of a cluster object, when some controller wrote it. */
  readonly statusPath?: string;
  /**
   * Where an exposure of the same manifests publishes the receiver's backend: `https://<host>`
   * of an Ingress rule or HTTPRoute hostname that routes to its Service (`http://` for an Ingress
   * host without TLS). Undefined when no exposure with a host name routes there.
   */
  readonly exposedAt?: string;
  /** `metadata.annotations` (e.g. the verification keys of a token rotation). */
  readonly annotations: Readonly<Record<string, string>>;
  /**
   * `spec.url` of each GitRepository the receiver targets by name, when the same manifests hold
   * it; undefined for receivers read from the cluster.
   */
  readonly gitRepositoryUrls?: readonly string[];
}

export interface ReceiverUrl {
  readonly receiver: FoundReceiver;
  readonly url?: string;
  /** The token bytes (for `--show-token` and for signing); undefined for generic-oidc. */
  readonly token?: Buffer;
  /** Why there is no URL. */
  readonly error?: string;
}

/** Where tokens come from: a directory laid out like mounted Secrets, or the cluster. */
export type TokenSource = { readonly secretsDir: string } | { readonly kubeConfig: KubeConfig };

/**
 * Receivers in a file or a directory of manifests (`cdk8s synth` output): `kind: Receiver`
 * documents (the Flux backend) and Receivers inside ConfigMap data (what `WebhookReceiver` mounts
 * for the bundled server). Documents without a namespace get the ConfigMap's, else `defaultNamespace`.
 */
export function receiversFromFiles(location: string, defaultNamespace: string): FoundReceiver[] {
  let files: string[];
  try {
    files = definitionFiles(location);
  } catch (err) {
    throw new Error(`cannot read manifests from ${location}: ${(err as Error).message}`);
  }
  const docs = files.flatMap((file) => parse(fs.readFileSync(file, 'utf8'), file).map((doc, i) => ({ doc, origin: `${file}#${i + 1}` })));
  const objects = docs.map((d) => d.doc);
  const exposures = exposuresOf(objects);
  const found: FoundReceiver[] = [];
  for (const { doc, origin } of docs) {
    if (isReceiver(doc)) {
      const namespace = doc.metadata.namespace ?? defaultNamespace;
      // A Receiver object is served by a cluster-mode server of its namespace if the manifests have one, else by Flux.
      const backend = hasClusterModeServer(objects, namespace) ? bundledBackend(exposures, namespace) : fluxBackend(exposures);
      const receiver = foundReceiver(doc, defaultNamespace, origin);
      found.push({ ...receiver, exposedAt: backend, gitRepositoryUrls: gitRepositoryUrls(objects, receiver) });
    } else if (isConfigMap(doc)) {
      const namespace = doc.metadata?.namespace ?? defaultNamespace;
      for (const [key, text] of Object.entries(doc.data ?? {})) {
        if (!DATA_FILE.test(key) || typeof text !== 'string') continue;
        parse(text, `${origin} key ${key}`).forEach((inner, j) => {
          if (!isReceiver(inner)) return;
          const receiver = foundReceiver(inner, namespace, `${origin}/${key}#${j + 1}`);
          found.push({ ...receiver, exposedAt: bundledBackend(exposures, namespace), gitRepositoryUrls: gitRepositoryUrls(objects, receiver) });
        });
      }
    }
  }
  return found;
}

/** An exposure with a host name: the Service it routes /hook/ to, and its base URL. */
interface Exposure {
  readonly namespace: string;
  readonly service: string;
  readonly base: string;
}

/** Ingress rules and HTTPRoute hostnames of the manifests, in document order. */
function exposuresOf(docs: readonly unknown[]): Exposure[] {
  const out: Exposure[] = [];
  for (const doc of docs) {
    const d = doc as { kind?: unknown; apiVersion?: unknown; metadata?: { namespace?: string }; spec?: any } | null;
    if (typeof d !== 'object' || d === null || typeof d.spec !== 'object' || d.spec === null) continue;
    const ns = d.metadata?.namespace ?? 'default';
    if (d.kind === 'Ingress' && d.apiVersion === 'networking.k8s.io/v1') {
      const tls: { hosts?: unknown }[] = Array.isArray(d.spec.tls) ? d.spec.tls : [];
      const tlsHosts = new Set<string>(tls.flatMap((t) => (Array.isArray(t?.hosts) ? t.hosts : [])));
      for (const rule of Array.isArray(d.spec.rules) ? d.spec.rules : []) {
        if (typeof rule?.host !== 'string' || rule.host.includes('*')) continue;
        for (const path of Array.isArray(rule.http?.paths) ? rule.http.paths : []) {
          const service = path?.backend?.service?.name;
          if (typeof service === 'string') out.push({ namespace: ns, service, base: `${tlsHosts.has(rule.host) ? 'https' : 'http'}://${rule.host}` });
        }
      }
    } else if (d.kind === 'HTTPRoute' && typeof d.apiVersion === 'string' && d.apiVersion.startsWith('gateway.networking.k8s.io/')) {
      const host = (Array.isArray(d.spec.hostnames) ? d.spec.hostnames : []).find((h: unknown) => typeof h === 'string' && !h.includes('*'));
      if (!host) continue;
      for (const rule of Array.isArray(d.spec.rules) ? d.spec.rules : []) {
        for (const ref of Array.isArray(rule?.backendRefs) ? rule.backendRefs : []) {
          if ((ref?.kind ?? 'Service') === 'Service' && typeof ref?.name === 'string') out.push({ namespace: ref.namespace ?? ns, service: ref.name, base: `https://${host}` });
        }
      }
    }
  }
  return out;
}

/** `spec.url` of the GitRepository documents the receiver names (by name, not by label selector). */
function gitRepositoryUrls(docs: readonly unknown[], receiver: FoundReceiver): string[] {
  const urls: string[] = [];
  for (const resource of receiver.resources) {
    if (resource.kind !== 'GitRepository' || resource.name === '*') continue;
    const namespace = resource.namespace ?? receiver.namespace;
    for (const doc of docs) {
      const d = doc as { kind?: unknown; metadata?: { name?: unknown; namespace?: unknown }; spec?: { url?: unknown } } | null;
      if (d?.kind === 'GitRepository' && d.metadata?.name === resource.name && (d.metadata?.namespace ?? receiver.namespace) === namespace && typeof d.spec?.url === 'string') {
        urls.push(d.spec.url);
      }
    }
  }
  return [...new Set(urls)];
}

/** The bundled server's Service in `namespace` (any Service there but Flux's). */
function bundledBackend(exposures: readonly Exposure[], namespace: string): string | undefined {
  return exposures.find((e) => e.namespace === namespace && e.service !== FLUX_RECEIVER_SERVICE_NAME)?.base;
}

/** Flux's `webhook-receiver` Service, which serves the Receivers of every namespace. */
function fluxBackend(exposures: readonly Exposure[]): string | undefined {
  return exposures.find((e) => e.service === FLUX_RECEIVER_SERVICE_NAME)?.base;
}

function hasClusterModeServer(docs: readonly unknown[], namespace: string): boolean {
  return docs.some((doc) => {
    const d = doc as { kind?: unknown; metadata?: { namespace?: string }; spec?: any } | null;
    if (d?.kind !== 'Deployment' || (d.metadata?.namespace ?? 'default') !== namespace) return false;
    const containers = d.spec?.template?.spec?.containers;
    const watches = (c: { args?: unknown }): boolean => Array.isArray(c?.args) && c.args.includes(SERVER_FLAGS.watchReceivers.flag);
    return Array.isArray(containers) && containers.some(watches);
  });
}

/** Receivers in the cluster (`namespace`, or all namespaces). */
export async function receiversFromCluster(kc: KubeConfig, namespace: string | undefined): Promise<FoundReceiver[]> {
  return (await listReceivers(kc, namespace)).map((r) => ({ ...foundReceiver(r, namespace ?? 'default', 'cluster'), statusPath: r.status?.webhookPath }));
}

/** The URL of each receiver under its base (`https://host`); a receiver whose token cannot be read gets an error. */
export async function receiverUrls(
  receivers: readonly FoundReceiver[], base: (r: FoundReceiver) => string, tokens: TokenSource,
): Promise<ReceiverUrl[]> {
  const out: ReceiverUrl[] = [];
  for (const receiver of receivers) {
    const path = (p: string): string => base(receiver).replace(/\/+$/, '') + p;
    if (receiver.type === 'generic-oidc' && !receiver.secretName) {
      out.push({ receiver, url: path(hookPath('', receiver.name, receiver.namespace)) });
      continue;
    }
    if (!receiver.secretName) {
      out.push({ receiver, error: `no spec.secretRef: a ${receiver.type} receiver needs a Secret with a 'token' key` });
      continue;
    }
    let read: Awaited<ReturnType<typeof readToken>>;
    try {
      read = await readToken(receiver, tokens);
    } catch (err) {
      // The Secret cannot be read (e.g. no permission): the path a controller wrote to the
      // status is the answer then. A Secret that does not exist serves no path at all.
      read = { error: (err as Error).message };
      if (receiver.statusPath) {
        out.push({ receiver, url: path(receiver.statusPath) });
        continue;
      }
    }
    if ('error' in read) {
      out.push({ receiver, error: read.error });
      continue;
    }
    out.push({ receiver, url: path(hookPath(read.token, receiver.name, receiver.namespace)), token: read.token });
  }
  return out;
}

/** The receiver's token bytes exactly as stored (a trailing newline counts, like Flux). */
/** One key of the receiver's Secret (a verification key), or undefined when the Secret lacks it. */
export async function readSecretKey(receiver: FoundReceiver, tokens: TokenSource, key: string): Promise<Buffer | undefined> {
  if ('secretsDir' in tokens) return readMountedSecretKey(tokens.secretsDir, receiver.secretName!, key);
  return (await readSecret(tokens.kubeConfig, receiver.namespace, receiver.secretName!))?.[key];
}

export async function readToken(receiver: FoundReceiver, tokens: TokenSource): Promise<{ token: Buffer } | { error: string }> {
  const secretName = receiver.secretName!;
  if ('secretsDir' in tokens) {
    const read = readMountedSecret(tokens.secretsDir, receiver.namespace, secretName);
    return read.ok ? { token: read.secret.token! } : { error: read.reason };
  }
  const data = await readSecret(tokens.kubeConfig, receiver.namespace, secretName);
  if (!data) return { error: `secret ${receiver.namespace}/${secretName} not found (create it: flux-webhook-receiver token --apply --namespace ${receiver.namespace} --name ${secretName})` };
  const token = data[SECRET_KEYS.token];
  if (!token) return { error: `secret ${receiver.namespace}/${secretName} has no '${SECRET_KEYS.token}' key` };
  return { token };
}

function parse(text: string, where: string): unknown[] {
  const out: unknown[] = [];
  for (const doc of parseAllDocuments(text)) {
    if (doc.errors.length > 0) throw new Error(`cannot parse ${where}: ${doc.errors[0].message.split('\n')[0]}`);
    out.push(doc.toJS() as unknown);
  }
  return out;
}

function isReceiver(doc: unknown): doc is ReceiverObject {
  const d = doc as Partial<ReceiverObject> | null;
  return typeof d === 'object' && d !== null && d.kind === RECEIVER_KIND && d.apiVersion === RECEIVER_API_VERSION
    && typeof d.metadata?.name === 'string' && typeof d.spec?.type === 'string';
}

function isConfigMap(doc: unknown): doc is { metadata?: { namespace?: string }; data?: Record<string, unknown> } {
  const d = doc as { kind?: unknown; apiVersion?: unknown } | null;
  return typeof d === 'object' && d !== null && d.kind === 'ConfigMap' && d.apiVersion === 'v1';
}

function foundReceiver(doc: ReceiverObject, defaultNamespace: string, origin: string): FoundReceiver {
  return {
    namespace: doc.metadata.namespace ?? defaultNamespace,
    name: doc.metadata.name,
    type: doc.spec.type,
    secretName: doc.spec.secretRef?.name,
    events: doc.spec.events ?? [],
    resources: Array.isArray(doc.spec.resources) ? doc.spec.resources : [],
    origin,
    annotations: doc.metadata.annotations ?? {},
  };
}
