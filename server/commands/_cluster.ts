// The few API calls the subcommands make (Secrets and Receivers), through the same kubeconfig
// loading as `serve` (server/kube/kube-client.ts). Failures keep the apiserver's words and add
// what to do about them.
import { CoreV1Api, CustomObjectsApi, KubeConfig, PatchStrategy, setHeaderOptions, type V1Secret } from '@kubernetes/client-node';
import { DEFAULT_API_VERSIONS, RECEIVER_API_VERSION, ReceiverObject, SECRET_KEYS } from '../../src/model';
import { loadKubeConfig } from '../kube/kube-client';

/** Credentials from `--kubeconfig`, else the pod's ServiceAccount, else KUBECONFIG / ~/.kube/config. */
export function commandKubeConfig(kubeconfig: string | undefined): KubeConfig {
  try {
    return loadKubeConfig(kubeconfig);
  } catch (err) {
    throw new Error(`cannot load Kubernetes credentials: ${(err as Error).message} (pass --kubeconfig <file> or set KUBECONFIG)`);
  }
}

/** A failed API call, described for a person: the call, the apiserver's message and a hint. */
export function describeApiFailure(what: string, err: unknown, kc: KubeConfig): Error {
  const e = err as { code?: number; body?: unknown; message?: string; cause?: { code?: string } };
  let message = e.message ?? String(err);
  const body = typeof e.body === 'string' ? tryJson(e.body) : e.body;
  if (body && typeof body === 'object' && 'message' in body) message = String((body as { message: unknown }).message);
  const server = kc.getCurrentCluster()?.server ?? 'the apiserver';
  if (e.code === 401) return new Error(`${what}: HTTP 401 (the credentials of the kubeconfig's current context are not accepted by ${server})`);
  if (e.code === 403) return new Error(`${what}: HTTP 403: ${message} (the kubeconfig's user needs that permission)`);
  if (e.code) return new Error(`${what}: HTTP ${e.code}: ${message}`);
  return new Error(`${what}: cannot reach ${server}: ${message}`);
}

function tryJson(text: string): unknown {
  try {
    return JSON.parse(text);
  } catch {
    return undefined;
  }
}

function status(err: unknown): number | undefined {
  return (err as { code?: number }).code;
}

/** A Secret's data as raw bytes, or undefined when it does not exist. */
export async function readSecret(kc: KubeConfig, namespace: string, name: string): Promise<Record<string, Buffer> | undefined> {
  try {
    const secret = await kc.makeApiClient(CoreV1Api).readNamespacedSecret({ name, namespace });
    return Object.fromEntries(Object.entries(secret.data ?? {}).map(([k, v]) => [k, Buffer.from(v, 'base64')]));
  } catch (err) {
    if (status(err) === 404) return undefined;
    throw describeApiFailure(`get secret ${namespace}/${name}`, err, kc);
  }
}

export type SecretWrite = 'created' | 'updated';

/**
 * Creates the Secret with `token`; an existing one is only changed with `overwrite` (its other
 * keys are kept), because a new token changes the webhook URL every sender knows.
 */
export async function writeTokenSecret(kc: KubeConfig, namespace: string, name: string, token: string, overwrite: boolean): Promise<SecretWrite> {
  const core = kc.makeApiClient(CoreV1Api);
  const body: V1Secret = {
    apiVersion: 'v1',
    kind: 'Secret',
    metadata: { name, namespace },
    type: 'Opaque',
    data: { [SECRET_KEYS.token]: Buffer.from(token, 'utf8').toString('base64') },
  };
  try {
    await core.createNamespacedSecret({ namespace, body });
    return 'created';
  } catch (err) {
    if (status(err) !== 409) throw describeApiFailure(`create secret ${namespace}/${name}`, err, kc);
  }
  if (!overwrite) {
    throw new Error(`secret ${namespace}/${name} already exists: pass --overwrite to replace its token (this changes the webhook URL; update every sender)`);
  }
  try {
    await core.patchNamespacedSecret(
      { name, namespace, body: { data: body.data } },
      setHeaderOptions('Content-Type', PatchStrategy.MergePatch),
    );
    return 'updated';
  } catch (err) {
    throw describeApiFailure(`patch secret ${namespace}/${name}`, err, kc);
  }
}

/** Receiver objects in `namespace`, or in every namespace. */
export async function listReceivers(kc: KubeConfig, namespace: string | undefined): Promise<ReceiverObject[]> {
  const [group, version] = RECEIVER_API_VERSION.split('/');
  const api = kc.makeApiClient(CustomObjectsApi);
  try {
    const list = (namespace
      ? await api.listNamespacedCustomObject({ group, version, namespace, plural: 'receivers' })
      : await api.listClusterCustomObject({ group, version, plural: 'receivers' })) as { items?: ReceiverObject[] };
    return list.items ?? [];
  } catch (err) {
    const failure = describeApiFailure(`list receivers.${group} ${namespace ? `in namespace ${namespace}` : 'in all namespaces'}`, err, kc);
    if (status(err) === 404) return Promise.reject(new Error(`${failure.message} (is Flux's Receiver CRD installed?)`));
    throw failure;
  }
}

/** `spec.url` of a Flux GitRepository, or undefined when it does not exist. */
export async function readGitRepositoryUrl(
  kc: KubeConfig, namespace: string, name: string, apiVersion = DEFAULT_API_VERSIONS.GitRepository,
): Promise<string | undefined> {
  const [group, version] = apiVersion.split('/');
  try {
    const repo = await kc.makeApiClient(CustomObjectsApi).getNamespacedCustomObject({ group, version, namespace, plural: 'gitrepositories', name }) as { spec?: { url?: unknown } };
    return typeof repo.spec?.url === 'string' ? repo.spec.url : undefined;
  } catch (err) {
    if (status(err) === 404) return undefined;
    throw describeApiFailure(`get gitrepository ${namespace}/${name}`, err, kc);
  }
}
