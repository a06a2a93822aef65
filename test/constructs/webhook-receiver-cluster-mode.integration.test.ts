// WebhookReceiver in cluster mode, end to end on the real apiserver: the synthesized
// ServiceAccount, Role, RoleBinding and Receiver objects are applied, and the bundled server runs
// with the Deployment's own args under that ServiceAccount's token. `kubectl get receiver` shows
// Ready and the path, a signed delivery reconciles the targets, and the ServiceAccount can do
// exactly what the docs say: read Receivers, patch their status, get the named Secrets.
import { createHmac } from 'crypto';
import * as fs from 'fs';
import * as os from 'os';
import { join } from 'path';
import { KubeConfig } from '@kubernetes/client-node';
import { Testing } from 'cdk8s';
import { receiverApp } from './scenario';
import { ReceiverMode } from '../../src';
import { hookPath } from '../../src/model';
import { statusOf } from '../harness/http';
import {
  adminKubeConfig, apply, createTestNamespace, eventually, kubeConfigForToken, kubeRequest, kubeTable, ManifestObject, serviceAccountToken,
  writeKubeconfig,
} from '../harness/kube';
import { BundleProcess, containerServeArgs } from '../harness/server-process';

type Manifest = ManifestObject & { spec?: any; rules?: any };

const TOKEN = 'cluster-mode-token';
const RECEIVERS = '/apis/notification.toolkit.fluxcd.io/v1';

describe('WebhookReceiver in cluster mode with the bundled server', () => {
  let ns: string;
  let appsNs: string;
  let dir: string;
  let server: BundleProcess;
  let asServer: KubeConfig;
  let manifests: Manifest[];
  const admin = adminKubeConfig();
  const requestedAt = async (path: string) => (await kubeRequest(admin, 'GET', path)).body?.metadata?.annotations?.['reconcile.fluxcd.io/requestedAt'];

  beforeAll(async () => {
    ns = await createTestNamespace('cr-cluster');
    appsNs = await createTestNamespace('cr-cluster-apps');
    manifests = Testing.synth(receiverApp(ns, appsNs, 'server', { mode: ReceiverMode.cluster() }).chart) as Manifest[];
    const of = (kind: string) => manifests.filter((m) => m.kind === kind);
    await apply([...of('ServiceAccount'), ...of('Role'), ...of('RoleBinding'), ...of('GitRepository'), ...of('Receiver')]);
    const post = async (path: string, body: object) => expect((await kubeRequest(admin, 'POST', path, body)).status).toBe(201);
    await post(`/api/v1/namespaces/${ns}/secrets`, { metadata: { name: 'webhook-token' }, stringData: { token: TOKEN } });
    await post(`/api/v1/namespaces/${ns}/secrets`, { metadata: { name: 'unrelated' }, stringData: { password: 'not for the receiver' } });
    await post(`/apis/kustomize.toolkit.fluxcd.io/v1/namespaces/${appsNs}/kustomizations`, {
      apiVersion: 'kustomize.toolkit.fluxcd.io/v1',
      kind: 'Kustomization',
      metadata: { name: 'apps' },
      spec: { interval: '10m', path: './', prune: true, sourceRef: { kind: 'GitRepository', name: 'webapp', namespace: ns } },
    });
    // A Receiver notification-controller manages (its finalizer): served by nobody here, its status must stay untouched.
    await post(`${RECEIVERS}/namespaces/${ns}/receivers`, {
      apiVersion: 'notification.toolkit.fluxcd.io/v1',
      kind: 'Receiver',
      metadata: { name: 'flux-managed', finalizers: ['finalizers.fluxcd.io'] },
      spec: { type: 'generic', secretRef: { name: 'unrelated' }, resources: [{ kind: 'GitRepository', name: 'webapp' }] },
    });

    // The container's args, with the listen addresses moved to this machine.
    const container = of('Deployment')[0].spec.template.spec.containers[0];
    const args = containerServeArgs(container.args as string[]);
    expect(args.slice(0, 4)).toEqual(['--watch-receivers', '--namespace', ns, '--secrets-by-name']);
    dir = fs.mkdtempSync(join(os.tmpdir(), 'cr-cluster-'));
    asServer = kubeConfigForToken(await serviceAccountToken(ns, of('ServiceAccount')[0].metadata.name));
    const kubeconfig = writeKubeconfig(asServer, join(dir, 'kubeconfig'));
    server = await BundleProcess.serve({ args, env: { KUBECONFIG: kubeconfig }, waitUntilReady: false });
    await server.ready(30_000);
  });

  afterAll(async () => {
    await server?.stop();
    if (dir) fs.rmSync(dir, { recursive: true, force: true });
  });

  test('kubectl get receiver shows Ready and the webhook path, written by the server as the ServiceAccount', async () => {
    const path = hookPath(TOKEN, 'webapp', ns);
    const receiver = await eventually('the Receiver to be Ready', async () => {
      const res = await kubeRequest(admin, 'GET', `${RECEIVERS}/namespaces/${ns}/receivers/webapp`);
      return res.body?.status?.conditions?.find((c: { type: string }) => c.type === 'Ready')?.status === 'True' ? res.body : undefined;
    }, 30_000);
    expect(receiver.status.webhookPath).toBe(path);
    expect(receiver.metadata.managedFields.some((f: any) => f.manager === 'flux-webhook-receiver' && f.subresource === 'status')).toBe(true);

    const table = await kubeTable(admin, `${RECEIVERS}/namespaces/${ns}/receivers/webapp`);
    expect(table.columnDefinitions.map((c: { name: string }) => c.name)).toEqual(['Name', 'Age', 'Ready', 'Status']);
    expect(table.rows.map((r: { cells: unknown[] }) => [r.cells[0], r.cells[2], r.cells[3]])).toEqual([['webapp', 'True', `Receiver initialized for path: ${path}`]]);

    // generic-oidc needs no Secret: Ready on the empty-token path.
    await eventually('actions Ready', async () => {
      const res = await kubeRequest(admin, 'GET', `${RECEIVERS}/namespaces/${ns}/receivers/actions`);
      return res.body?.status?.webhookPath === hookPath('', 'actions', ns) ? true : undefined;
    });
  });

  test('a signed GitHub push reconciles the targets', async () => {
    const body = JSON.stringify({ ref: 'refs/heads/master' });
    const signature = `sha256=${createHmac('sha256', TOKEN).update(body).digest('hex')}`;
    const url = server.url(hookPath(TOKEN, 'webapp', ns));
    expect(await requestedAt(`/apis/source.toolkit.fluxcd.io/v1/namespaces/${ns}/gitrepositories/webapp`)).toBeUndefined();
    expect(await statusOf(url, { method: 'POST', headers: { 'Content-Type': 'application/json', 'X-GitHub-Event': 'push', 'X-Hub-Signature-256': signature }, body })).toBe(200);
    expect(await requestedAt(`/apis/source.toolkit.fluxcd.io/v1/namespaces/${ns}/gitrepositories/webapp`)).toBeDefined();
    expect(await requestedAt(`/apis/kustomize.toolkit.fluxcd.io/v1/namespaces/${appsNs}/kustomizations/apps`)).toBeDefined();
    // A wrong signature is refused.
    const wrong = `sha256=${createHmac('sha256', 'not-the-token').update(body).digest('hex')}`;
    expect(await statusOf(url, { method: 'POST', headers: { 'Content-Type': 'application/json', 'X-GitHub-Event': 'push', 'X-Hub-Signature-256': wrong }, body })).toBe(400);
  });

  test('RBAC is exactly as documented: Receivers read, status patch, named Secrets get; nothing more', async () => {
    const as = (method: string, path: string, body?: unknown, type?: string) => kubeRequest(asServer, method, path, body, type).then((r) => r.status);
    const merge = 'application/merge-patch+json';
    // Allowed.
    expect(await as('GET', `${RECEIVERS}/namespaces/${ns}/receivers`)).toBe(200);
    expect(await as('GET', `${RECEIVERS}/namespaces/${ns}/receivers?watch=true&timeoutSeconds=1`)).toBe(200);
    expect(await as('GET', `/api/v1/namespaces/${ns}/secrets/webhook-token`)).toBe(200);
    expect(await as('GET', `/api/v1/namespaces/${ns}/secrets/harbor-token`)).toBe(404); // named, not created
    expect(await as('PATCH', `${RECEIVERS}/namespaces/${ns}/receivers/webapp/status?dryRun=All`, { status: {} }, merge)).toBe(200);
    // Forbidden: other Secrets, listing or watching Secrets, writing Secrets.
    expect(await as('GET', `/api/v1/namespaces/${ns}/secrets/unrelated`)).toBe(403);
    expect(await as('GET', `/api/v1/namespaces/${ns}/secrets`)).toBe(403);
    expect(await as('GET', `/api/v1/namespaces/${ns}/secrets?watch=true&fieldSelector=metadata.name%3Dwebhook-token`)).toBe(403);
    expect(await as('PATCH', `/api/v1/namespaces/${ns}/secrets/webhook-token`, { metadata: { labels: { x: 'y' } } }, merge)).toBe(403);
    expect(await as('GET', `/api/v1/namespaces/${appsNs}/secrets/webhook-token`)).toBe(403);
    // Forbidden: the Receivers' spec and metadata, creating or deleting them, the status update verb.
    expect(await as('PATCH', `${RECEIVERS}/namespaces/${ns}/receivers/webapp`, { spec: { suspend: true } }, merge)).toBe(403);
    expect(await as('POST', `${RECEIVERS}/namespaces/${ns}/receivers`, { apiVersion: 'notification.toolkit.fluxcd.io/v1', kind: 'Receiver', metadata: { name: 'x' }, spec: { type: 'generic', resources: [] } })).toBe(403);
    expect(await as('DELETE', `${RECEIVERS}/namespaces/${ns}/receivers/webapp`)).toBe(403);
    const current = (await kubeRequest(admin, 'GET', `${RECEIVERS}/namespaces/${ns}/receivers/webapp`)).body;
    expect(await as('PUT', `${RECEIVERS}/namespaces/${ns}/receivers/webapp/status?dryRun=All`, current)).toBe(403);
    // Receivers of other namespaces.
    expect(await as('GET', `${RECEIVERS}/namespaces/${appsNs}/receivers`)).toBe(403);
  });

  test('the Receiver notification-controller manages is not ready here (its Secret is outside the Role) and its status is left alone', async () => {
    // By now the server has evaluated every Receiver (webapp is Ready); give it one more resync-free moment.
    await eventually('webapp Ready', async () => ((await kubeRequest(admin, 'GET', `${RECEIVERS}/namespaces/${ns}/receivers/webapp`)).body?.status?.webhookPath ? true : undefined));
    const managed = (await kubeRequest(admin, 'GET', `${RECEIVERS}/namespaces/${ns}/receivers/flux-managed`)).body;
    expect(managed.status?.conditions).toBeUndefined();
    expect(managed.metadata.managedFields.some((f: any) => f.manager === 'flux-webhook-receiver')).toBe(false);
    // Its Secret is outside the Role: the server says so in its log, with the fix.
    expect(server.output).toMatch(/"msg":"cannot read a Secret a Receiver references".*"hint":"grant get on this Secret/);
    // Let the namespace go away when the harness cleans up.
    await kubeRequest(admin, 'PATCH', `${RECEIVERS}/namespaces/${ns}/receivers/flux-managed`, { metadata: { finalizers: null } }, 'application/merge-patch+json');
  });

  test('the logs hold neither the token nor any webhook path', () => {
    expect(server.output.length).toBeGreaterThan(0);
    expect(server.output).not.toContain(TOKEN);
    expect(server.output).not.toMatch(/\/hook\/[0-9a-f]{64}/);
    expect(server.output).not.toMatch(/[0-9a-f]{64}/);
  });
});
