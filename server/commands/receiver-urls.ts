// Finds receivers (in synthesized manifests or in the cluster) and computes each one's webhook
// URL from its token: the same hookPath formula the server and notification-controller use.
import * as fs from 'fs';
import type { KubeConfig } from '@kubernetes/client-node';
import { parseAllDocuments } from 'yaml';
import { listReceivers, readSecret } from './_cluster';
import { hookPath, RECEIVER_API_VERSION, RECEIVER_KIND, ReceiverObject, ReceiverResourceSpec, SECRET_KEYS } from '../../src/model';
import { readMountedSecret } from '../receivers/files/mounted-secrets';
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
  const found: FoundReceiver[] = [];
  for (const file of files) {
    const docs = _parse(fs.readFileSync(file, 'utf8'), file);
    docs.forEach((doc, i) => {
      const origin = `${file}#${i + 1}`;
      if (_isReceiver(doc)) {
        found.push(_found(doc, defaultNamespace, origin));
      } else if (_isConfigMap(doc)) {
        const namespace = doc.metadata?.namespace ?? defaultNamespace;
        for (const [key, text] of Object.entries(doc.data ?? {})) {
          if (!DATA_FILE.test(key) || typeof text !== 'string') continue;
          _parse(text, `${origin} key ${key}`).forEach((inner, j) => {
            if (_isReceiver(inner)) found.push(_found(inner, namespace, `${origin}/${key}#${j + 1}`));
          });
        }
      }
    });
  }
  return found;
}

/** Receivers in the cluster (`namespace`, or all namespaces). */
export async function receiversFromCluster(kc: KubeConfig, namespace: string | undefined): Promise<FoundReceiver[]> {
  return (await listReceivers(kc, namespace)).map((r) => ({ ..._found(r, namespace ?? 'default', 'cluster'), statusPath: r.status?.webhookPath }));
}

/** The URL of each receiver under `base` (`https://host`); a receiver whose token cannot be read gets an error. */
export async function receiverUrls(receivers: readonly FoundReceiver[], base: string, tokens: TokenSource): Promise<ReceiverUrl[]> {
  const out: ReceiverUrl[] = [];
  for (const receiver of receivers) {
    const path = (p: string): string => base.replace(/\/+$/, '') + p;
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

function _parse(text: string, where: string): unknown[] {
  const out: unknown[] = [];
  for (const doc of parseAllDocuments(text)) {
    if (doc.errors.length > 0) throw new Error(`cannot parse ${where}: ${doc.errors[0].message.split('\n')[0]}`);
    out.push(doc.toJS() as unknown);
  }
  return out;
}

function _isReceiver(doc: unknown): doc is ReceiverObject {
  const d = doc as Partial<ReceiverObject> | null;
  return typeof d === 'object' && d !== null && d.kind === RECEIVER_KIND && d.apiVersion === RECEIVER_API_VERSION
    && typeof d.metadata?.name === 'string' && typeof d.spec?.type === 'string';
}

function _isConfigMap(doc: unknown): doc is { metadata?: { namespace?: string }; data?: Record<string, unknown> } {
  const d = doc as { kind?: unknown; apiVersion?: unknown } | null;
  return typeof d === 'object' && d !== null && d.kind === 'ConfigMap' && d.apiVersion === 'v1';
}

function _found(doc: ReceiverObject, defaultNamespace: string, origin: string): FoundReceiver {
  return {
    namespace: doc.metadata.namespace ?? defaultNamespace,
    name: doc.metadata.name,
    type: doc.spec.type,
    secretName: doc.spec.secretRef?.name,
    events: doc.spec.events ?? [],
    resources: Array.isArray(doc.spec.resources) ? doc.spec.resources : [],
    origin,
  };
}
