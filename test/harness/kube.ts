// Helpers for tests that talk to the harness's real kube-apiserver.
import { randomBytes } from 'crypto';
import * as fs from 'fs';
import * as https from 'https';
import { KubeConfig } from '@kubernetes/client-node';

// Tests that use the apiserver find the poll here too.
export { eventually } from './eventually';

/** Set by the jest global setup: the admin kubeconfig of the shared test apiserver. */
export const KUBECONFIG_ENV = 'FLUX_WEBHOOKS_TEST_KUBECONFIG';

export function adminKubeconfigPath(): string {
  const file = process.env[KUBECONFIG_ENV];
  if (!file || !fs.existsSync(file)) {
    throw new Error(`${KUBECONFIG_ENV} is not set: the integration tier's global setup starts the test apiserver (test/harness/jest-global-setup.ts); a test that needs it is named *.integration.test.ts (CONTRIBUTING.md)`);
  }
  return file;
}

export function adminKubeConfig(): KubeConfig {
  const kc = new KubeConfig();
  kc.loadFromFile(adminKubeconfigPath());
  return kc;
}

/** The shared test apiserver's address and admin credentials, as the processes tests start need them. */
export function adminApiServer(): { url: string; adminToken: string; caPem: string; kubeconfigPath: string } {
  const kc = adminKubeConfig();
  const cluster = kc.getCurrentCluster()!;
  return {
    url: cluster.server,
    adminToken: kc.getCurrentUser()!.token!,
    caPem: Buffer.from(cluster.caData!, 'base64').toString('utf8'),
    kubeconfigPath: adminKubeconfigPath(),
  };
}

/** A kubeconfig for the same cluster that authenticates with `token` (e.g. a ServiceAccount's). */
export function kubeConfigForToken(token: string): KubeConfig {
  const admin = adminKubeConfig();
  const cluster = admin.getCurrentCluster()!;
  const kc = new KubeConfig();
  kc.loadFromOptions({
    clusters: [cluster],
    users: [{ name: 'token', token }],
    contexts: [{ name: 'token', cluster: cluster.name, user: 'token' }],
    currentContext: 'token',
  });
  return kc;
}

/** Writes `kc` to a file, for processes started by a test (e.g. the receiver server). */
export function writeKubeconfig(kc: KubeConfig, file: string): string {
  fs.writeFileSync(file, kc.exportConfig(), { mode: 0o600 });
  return file;
}

export interface KubeResponse<T = any> {
  readonly status: number;
  readonly body: T;
  readonly text: string;
}

/** One raw API call, authenticated by `kc`. Never throws on HTTP errors: check `status`. */
export async function kubeRequest<T = any>(kc: KubeConfig, method: string, path: string, body?: unknown, contentType = 'application/json'): Promise<KubeResponse<T>> {
  const cluster = kc.getCurrentCluster();
  if (!cluster) throw new Error('kubeconfig has no current cluster');
  const url = new URL(path, cluster.server);
  const opts: https.RequestOptions = { method, headers: { Accept: 'application/json' } };
  await kc.applyToHTTPSOptions(opts);
  const data = body === undefined ? undefined : typeof body === 'string' ? body : JSON.stringify(body);
  if (data !== undefined) {
    opts.headers = { ...opts.headers, 'Content-Type': contentType, 'Content-Length': Buffer.byteLength(data) };
  }
  return new Promise((resolve, reject) => {
    const req = https.request(url, opts, (res) => {
      const chunks: Buffer[] = [];
      res.on('data', (c) => chunks.push(c));
      res.on('end', () => {
        const text = Buffer.concat(chunks).toString('utf8');
        let parsed: any = text;
        try {
          parsed = JSON.parse(text);
        } catch {
          // not JSON: keep the text
        }
        resolve({ status: res.statusCode ?? 0, body: parsed, text });
      });
    });
    req.on('error', reject);
    if (data !== undefined) req.write(data);
    req.end();
  });
}

interface ApiResource {
  readonly name: string;
  readonly kind: string;
  readonly namespaced: boolean;
}

const discoveryCache = new Map<string, ApiResource[]>();

/** Finds the REST resource of `apiVersion`/`kind` through discovery. */
export async function resourceFor(kc: KubeConfig, apiVersion: string, kind: string): Promise<{ base: string; resource: ApiResource }> {
  const base = apiVersion.includes('/') ? `/apis/${apiVersion}` : `/api/${apiVersion}`;
  let resources = discoveryCache.get(base);
  if (!resources) {
    const res = await kubeRequest(kc, 'GET', base);
    if (res.status !== 200) throw new Error(`discovery of ${apiVersion} failed: HTTP ${res.status} ${res.text}`);
    resources = (res.body.resources as ApiResource[]).filter((r) => !r.name.includes('/'));
    discoveryCache.set(base, resources);
  }
  const resource = resources.find((r) => r.kind === kind);
  if (!resource) throw new Error(`the apiserver does not serve kind ${kind} in ${apiVersion}`);
  return { base, resource };
}

/** The REST path of an object (or of its collection when `name` is omitted). */
export async function objectPath(kc: KubeConfig, apiVersion: string, kind: string, namespace: string | undefined, name?: string): Promise<string> {
  const { base, resource } = await resourceFor(kc, apiVersion, kind);
  const ns = resource.namespaced ? `/namespaces/${namespace ?? 'default'}` : '';
  return `${base}${ns}/${resource.name}${name ? `/${name}` : ''}`;
}

/** Creates a namespace with a unique name and returns the name. */
export async function createTestNamespace(prefix: string, labels: Record<string, string> = {}): Promise<string> {
  const kc = adminKubeConfig();
  const name = `${prefix}-${randomBytes(3).toString('hex')}`.toLowerCase();
  const res = await kubeRequest(kc, 'POST', '/api/v1/namespaces', { apiVersion: 'v1', kind: 'Namespace', metadata: { name, labels } });
  if (res.status !== 201) throw new Error(`creating namespace ${name}: HTTP ${res.status} ${res.text}`);
  return name;
}

export interface ManifestObject {
  readonly apiVersion: string;
  readonly kind: string;
  readonly metadata: { readonly name: string; readonly namespace?: string; readonly [k: string]: unknown };
  readonly [k: string]: unknown;
}

export class ManifestRejected extends Error {
  constructor(readonly object: string, readonly status: number, readonly reason: string) {
    super(`${object} rejected by the apiserver (HTTP ${status}): ${reason}`);
  }
}

/**
 * Applies each object with server-side apply, `dryRun=All` and `fieldValidation=Strict`, like
 * `kubectl apply --dry-run=server --validate=strict`: an unknown field, a wrong type or a
 * failed CEL rule throws a ManifestRejected naming the object. Nothing is persisted.
 * `namespace` is used for namespaced objects that name none. Returns the apiserver's answers as
 * `manifestIds` spells them, to compare with the objects sent.
 */
export async function dryRunApply(objects: readonly ManifestObject[], namespace?: string, kc = adminKubeConfig()): Promise<string[]> {
  return manifestIds(await serverSideApply(objects, namespace, kc, true));
}

/** `apiVersion kind namespace/name` of each object (`namespace` for those that name none). */
export function manifestIds(objects: readonly ManifestObject[], namespace?: string): string[] {
  return objects.map((o) => `${o.apiVersion} ${o.kind} ${o.metadata.namespace ?? namespace ?? ''}/${o.metadata.name}`);
}

/** Creates (for real) or updates each object with server-side apply. */
export async function apply(objects: readonly ManifestObject[], namespace?: string, kc = adminKubeConfig()): Promise<void> {
  await serverSideApply(objects, namespace, kc, false);
}

/** Server-side apply of each object in turn, strict field validation; the objects the apiserver answered. */
async function serverSideApply(
  objects: readonly ManifestObject[], namespace: string | undefined, kc: KubeConfig, dryRun: boolean,
): Promise<ManifestObject[]> {
  const answered: ManifestObject[] = [];
  for (const obj of objects) {
    const ns = obj.metadata.namespace ?? namespace;
    const target = await objectPath(kc, obj.apiVersion, obj.kind, ns, obj.metadata.name);
    const body = ns && !obj.metadata.namespace ? { ...obj, metadata: { ...obj.metadata, namespace: ns } } : obj;
    const query = `${dryRun ? 'dryRun=All&' : ''}fieldValidation=Strict&fieldManager=flux-webhooks-test&force=true`;
    const res = await kubeRequest(kc, 'PATCH', `${target}?${query}`, body, 'application/apply-patch+yaml');
    if (res.status < 200 || res.status >= 300) {
      const id = `${obj.kind}/${obj.metadata.name}${ns ? ` in ${ns}` : ''}`;
      throw new ManifestRejected(id, res.status, typeof res.body === 'object' ? res.body.message : res.text);
    }
    answered.push(res.body as ManifestObject);
  }
  return answered;
}

/** Mints a token for a ServiceAccount through the TokenRequest API (the SA must exist). */
export async function serviceAccountToken(namespace: string, serviceAccount: string, expirationSeconds = 3600): Promise<string> {
  const res = await kubeRequest(adminKubeConfig(), 'POST', `/api/v1/namespaces/${namespace}/serviceaccounts/${serviceAccount}/token`, {
    apiVersion: 'authentication.k8s.io/v1',
    kind: 'TokenRequest',
    spec: { expirationSeconds },
  });
  if (res.status !== 201) throw new Error(`token for ${namespace}/${serviceAccount}: HTTP ${res.status} ${res.text}`);
  return res.body.status.token;
}

/** An RBAC rule as a Role holds it. */
export interface PolicyRule {
  readonly apiGroups: readonly string[];
  readonly resources: readonly string[];
  readonly verbs: readonly string[];
}

/**
 * A ServiceAccount `name` in `namespace` bound to a Role of the same name holding `rules`; returns
 * a token for it, to run a client with exactly these rights.
 */
export async function serviceAccountWithRole(namespace: string, name: string, rules: readonly PolicyRule[]): Promise<string> {
  const admin = adminKubeConfig();
  const created = async (path: string, body: unknown): Promise<void> => {
    const res = await kubeRequest(admin, 'POST', path, body);
    if (res.status !== 201) throw new Error(`POST ${path}: HTTP ${res.status} ${res.text}`);
  };
  await created(`/api/v1/namespaces/${namespace}/serviceaccounts`, { metadata: { name } });
  await created(`/apis/rbac.authorization.k8s.io/v1/namespaces/${namespace}/roles`, { metadata: { name }, rules });
  await created(`/apis/rbac.authorization.k8s.io/v1/namespaces/${namespace}/rolebindings`, {
    metadata: { name },
    roleRef: { apiGroup: 'rbac.authorization.k8s.io', kind: 'Role', name },
    subjects: [{ kind: 'ServiceAccount', name, namespace }],
  });
  return serviceAccountToken(namespace, name);
}

/** What `kubectl get` prints: the apiserver renders the resource's printer columns as a Table. */
export async function kubeTable(kc: KubeConfig, apiPath: string): Promise<any> {
  const opts: https.RequestOptions = { method: 'GET', headers: { Accept: 'application/json;as=Table;v=v1;g=meta.k8s.io' } };
  await kc.applyToHTTPSOptions(opts);
  return new Promise((resolve, reject) => {
    https.request(new URL(apiPath, kc.getCurrentCluster()!.server), opts, (res) => {
      let text = '';
      res.on('data', (c) => (text += c));
      res.on('end', () => (res.statusCode === 200 ? resolve(JSON.parse(text)) : reject(new Error(`HTTP ${res.statusCode} ${text}`))));
    }).on('error', reject).end();
  });
}
