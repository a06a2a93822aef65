// Fixtures for the cluster-mode tests: real objects on the harness apiserver and a running
// ClusterReceiverSource whose emissions can be awaited.
import type { KubeConfig } from '@kubernetes/client-node';
import type { LogFields, Logger } from '../../../../server/observability/logger';
import { ClusterReceiverSource, type ClusterReceiverSourceOptions } from '../../../../server/receivers/cluster/cluster-receiver-source';
import type { ServedReceiver } from '../../../../server/receivers/receiver-source';
import { adminKubeConfig, eventually, kubeRequest } from '../../../harness/kube';

export const RECEIVERS_API = '/apis/notification.toolkit.fluxcd.io/v1';

export function receiverManifest(name: string, spec: Record<string, unknown> = {}, metadata: Record<string, unknown> = {}) {
  return {
    apiVersion: 'notification.toolkit.fluxcd.io/v1',
    kind: 'Receiver',
    metadata: { name, ...metadata },
    spec: { type: 'generic', secretRef: { name: `${name}-token` }, resources: [{ kind: 'GitRepository', name: 'webapp' }], ...spec },
  };
}

async function expectStatus(res: { status: number; text: string }, ok: number[], what: string): Promise<void> {
  if (!ok.includes(res.status)) throw new Error(`${what}: HTTP ${res.status} ${res.text}`);
}

export async function createReceiver(ns: string, manifest: ReturnType<typeof receiverManifest>): Promise<any> {
  const res = await kubeRequest(adminKubeConfig(), 'POST', `${RECEIVERS_API}/namespaces/${ns}/receivers`, manifest);
  await expectStatus(res, [201], `create receiver ${manifest.metadata.name}`);
  return res.body;
}

export async function patchReceiver(ns: string, name: string, patch: unknown): Promise<any> {
  const res = await kubeRequest(adminKubeConfig(), 'PATCH', `${RECEIVERS_API}/namespaces/${ns}/receivers/${name}`, patch, 'application/merge-patch+json');
  await expectStatus(res, [200], `patch receiver ${name}`);
  return res.body;
}

export async function getReceiver(ns: string, name: string): Promise<any> {
  const res = await kubeRequest(adminKubeConfig(), 'GET', `${RECEIVERS_API}/namespaces/${ns}/receivers/${name}`);
  await expectStatus(res, [200], `get receiver ${name}`);
  return res.body;
}

export async function putSecret(ns: string, name: string, data: Record<string, string>): Promise<void> {
  const kc = adminKubeConfig();
  const body = { apiVersion: 'v1', kind: 'Secret', metadata: { name }, stringData: data };
  const existing = await kubeRequest(kc, 'GET', `/api/v1/namespaces/${ns}/secrets/${name}`);
  const res = existing.status === 200
    ? await kubeRequest(kc, 'PUT', `/api/v1/namespaces/${ns}/secrets/${name}`, { ...body, metadata: { name, resourceVersion: existing.body.metadata.resourceVersion } })
    : await kubeRequest(kc, 'POST', `/api/v1/namespaces/${ns}/secrets`, body);
  await expectStatus(res, [200, 201], `put secret ${name}`);
}

export async function deleteSecret(ns: string, name: string): Promise<void> {
  const res = await kubeRequest(adminKubeConfig(), 'DELETE', `/api/v1/namespaces/${ns}/secrets/${name}`);
  await expectStatus(res, [200], `delete secret ${name}`);
}

export function readyCondition(obj: any): any {
  return obj?.status?.conditions?.find((c: any) => c.type === 'Ready');
}

/** A logger that keeps lines for assertions. */
export function memoryLogger(): Logger & { lines: { level: string; msg: string; fields?: LogFields }[] } {
  const lines: { level: string; msg: string; fields?: LogFields }[] = [];
  const make = (): Logger => ({
    debug: (msg, fields) => lines.push({ level: 'debug', msg, fields }),
    info: (msg, fields) => lines.push({ level: 'info', msg, fields }),
    warn: (msg, fields) => lines.push({ level: 'warn', msg, fields }),
    error: (msg, fields) => lines.push({ level: 'error', msg, fields }),
    with: () => make(),
  });
  return Object.assign(make(), { lines });
}

export interface RunningSource {
  readonly source: ClusterReceiverSource;
  readonly logger: ReturnType<typeof memoryLogger>;
  /** How many times onChange was called. */
  emissions(): number;
  latest(): readonly ServedReceiver[];
  served(key: string): ServedReceiver | undefined;
  /** Waits until the latest emission satisfies `check`. */
  until<T>(what: string, check: (receivers: readonly ServedReceiver[]) => T | undefined, timeoutMs?: number): Promise<T>;
}

export async function startSource(options: Partial<ClusterReceiverSourceOptions> & { kubeConfig?: KubeConfig }): Promise<RunningSource> {
  const logger = memoryLogger();
  const source = new ClusterReceiverSource({ kubeConfig: adminKubeConfig(), statusWrites: 'auto', logger, ...options });
  let latest: readonly ServedReceiver[] = [];
  let count = 0;
  await source.start((receivers) => {
    latest = receivers;
    count += 1;
  });
  return {
    source,
    logger,
    emissions: () => count,
    latest: () => latest,
    served: (key) => latest.find((r) => r.key === key),
    until: (what, check, timeoutMs) => eventually(what, async () => check(latest), timeoutMs),
  };
}
