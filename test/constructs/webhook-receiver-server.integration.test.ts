// The construct and the bundled server together: the server runs exactly as the Deployment
// describes it (same args, the ConfigMap and Secrets laid out as the kubelet mounts them),
// authenticated as the construct's ServiceAccount with the construct's RBAC, against the real
// apiserver. A signed GitHub push must reconcile every target; nothing may leak to the logs.
import { createHmac } from 'crypto';
import * as fs from 'fs';
import * as os from 'os';
import { join } from 'path';
import { Testing } from 'cdk8s';
import { receiverApp } from './scenario';
import { hookPath, RECEIVERS_MOUNT_PATH, SECRETS_MOUNT_PATH } from '../../src/model';
import { statusOf } from '../harness/http';
import {
  adminKubeConfig, apply, createTestNamespace, eventually, kubeConfigForToken, kubeRequest, ManifestObject, serviceAccountToken, writeKubeconfig,
} from '../harness/kube';
import { BundleProcess, containerServeArgs } from '../harness/server-process';

type Manifest = ManifestObject & { spec?: any; data?: any };

const TOKEN = 'construct-token\n';

describe('WebhookReceiver running the bundled server', () => {
  let ns: string;
  let appsNs: string;
  let dir: string;
  let server: BundleProcess;
  const admin = adminKubeConfig();

  const requestedAt = async (path: string) => (await kubeRequest(admin, 'GET', path)).body?.metadata?.annotations?.['reconcile.fluxcd.io/requestedAt'];

  beforeAll(async () => {
    ns = await createTestNamespace('cr-srv');
    appsNs = await createTestNamespace('cr-srv-apps');
    const manifests = Testing.synth(receiverApp(ns, appsNs, 'server').chart) as Manifest[];
    const of = (kind: string) => manifests.filter((m) => m.kind === kind);
    await apply([...of('ServiceAccount'), ...of('Role'), ...of('RoleBinding'), ...of('GitRepository')]);
    const post = async (path: string, body: object) => expect((await kubeRequest(admin, 'POST', path, body)).status).toBe(201);
    await post(`/apis/source.toolkit.fluxcd.io/v1/namespaces/${ns}/ocirepositories`, {
      apiVersion: 'source.toolkit.fluxcd.io/v1', kind: 'OCIRepository', metadata: { name: 'labelled', labels: { team: 'web' } }, spec: { url: 'oci://ghcr.io/org/app', interval: '1h' },
    });
    await post(`/apis/source.toolkit.fluxcd.io/v1/namespaces/${ns}/ocirepositories`, {
      apiVersion: 'source.toolkit.fluxcd.io/v1', kind: 'OCIRepository', metadata: { name: 'other-team', labels: { team: 'db' } }, spec: { url: 'oci://ghcr.io/org/db', interval: '1h' },
    });
    await post(`/apis/kustomize.toolkit.fluxcd.io/v1/namespaces/${appsNs}/kustomizations`, {
      apiVersion: 'kustomize.toolkit.fluxcd.io/v1',
      kind: 'Kustomization',
      metadata: { name: 'apps' },
      spec: { interval: '10m', path: './', prune: true, sourceRef: { kind: 'GitRepository', name: 'webapp', namespace: ns } },
    });

    // Lay out the volumes the way the kubelet mounts them for the pod.
    dir = fs.mkdtempSync(join(os.tmpdir(), 'cr-srv-'));
    const pod = of('Deployment')[0].spec.template.spec;
    const container = pod.containers[0];
    const local = (mountPath: string) => join(dir, mountPath);
    const configMap = of('ConfigMap')[0];
    for (const volume of pod.volumes) {
      const mount = container.volumeMounts.find((m: { name: string }) => m.name === volume.name);
      fs.mkdirSync(local(mount.mountPath), { recursive: true });
      if (volume.configMap) {
        expect(volume.configMap.name).toBe(configMap.metadata.name);
        for (const [key, value] of Object.entries(configMap.data)) fs.writeFileSync(join(local(mount.mountPath), key), value as string);
      }
      // webhook-token exists; harbor-token does not (optional: true leaves the directory empty).
      if (volume.secret?.secretName === 'webhook-token') fs.writeFileSync(join(local(mount.mountPath), 'token'), TOKEN);
    }

    // The container's args, with the listen addresses and mount roots moved to this machine.
    const mounted = [RECEIVERS_MOUNT_PATH, SECRETS_MOUNT_PATH];
    const args = containerServeArgs(container.args as string[]).map((a) => (mounted.includes(a) ? local(a) : a));
    expect(args.slice(0, 4)).toEqual(['--receivers', local(RECEIVERS_MOUNT_PATH), '--secrets-dir', local(SECRETS_MOUNT_PATH)]);
    const kubeconfig = writeKubeconfig(kubeConfigForToken(await serviceAccountToken(ns, of('ServiceAccount')[0].metadata.name)), join(dir, 'kubeconfig'));
    server = await BundleProcess.serve({ args, env: { KUBECONFIG: kubeconfig } });
  });

  afterAll(async () => {
    await server?.stop();
    if (dir) fs.rmSync(dir, { recursive: true, force: true });
  });

  test('a signed GitHub push reconciles every target under the construct\'s RBAC', async () => {
    const body = JSON.stringify({ ref: 'refs/heads/master' });
    const signature = `sha256=${createHmac('sha256', TOKEN).update(body).digest('hex')}`;
    const url = server.url(hookPath(TOKEN, 'webapp', ns));
    const headers = { 'Content-Type': 'application/json', 'X-GitHub-Event': 'push', 'X-Hub-Signature-256': signature };
    expect(await statusOf(url, { method: 'POST', headers, body })).toBe(200);

    const src = `/apis/source.toolkit.fluxcd.io/v1/namespaces/${ns}`;
    await eventually('GitRepository webapp to be annotated', () => requestedAt(`${src}/gitrepositories/webapp`));
    await eventually('OCIRepository labelled to be annotated', () => requestedAt(`${src}/ocirepositories/labelled`));
    await eventually('Kustomization apps to be annotated', () => requestedAt(`/apis/kustomize.toolkit.fluxcd.io/v1/namespaces/${appsNs}/kustomizations/apps`));
    expect(await requestedAt(`${src}/ocirepositories/other-team`)).toBeUndefined();
  });

  test('requests the receiver rejects: wrong signature, an event outside events', async () => {
    const body = JSON.stringify({ ref: 'refs/heads/master' });
    const url = server.url(hookPath(TOKEN, 'webapp', ns));
    const wrong = `sha256=${createHmac('sha256', 'not-the-token').update(body).digest('hex')}`;
    expect(await statusOf(url, { method: 'POST', headers: { 'Content-Type': 'application/json', 'X-GitHub-Event': 'push', 'X-Hub-Signature-256': wrong }, body })).toBe(400);
    const signature = `sha256=${createHmac('sha256', TOKEN).update(body).digest('hex')}`;
    expect(await statusOf(url, { method: 'POST', headers: { 'Content-Type': 'application/json', 'X-GitHub-Event': 'issues', 'X-Hub-Signature-256': signature }, body })).toBe(400);
  });

  test('the logs hold neither the token nor any webhook path', async () => {
    // The server flushes its log every 50 ms: wait for the lines of the three requests above
    // (one 200, two 400), so the check covers request lines and not only start-up ones.
    const requestLines = () => server.output.split('\n').filter((l) => l.startsWith('{')).map((l) => JSON.parse(l)).filter((l) => l.receiver === `${ns}/webapp`);
    await eventually('the request log lines to be flushed', async () => (requestLines().length >= 3 ? true : undefined), 5_000);
    expect(requestLines().map((l) => l.status).sort()).toEqual([200, 400, 400]);
    expect(server.output).not.toContain(TOKEN.trim());
    expect(server.output).not.toContain(hookPath(TOKEN, 'webapp', ns).slice('/hook/'.length));
    expect(server.output).not.toMatch(/\/hook\/[0-9a-f]{64}/);
  });
});
