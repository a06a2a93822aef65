// `flux-webhook-receiver url`: receivers from synthesized apps (both backends) or the cluster,
// tokens from a secrets directory or the cluster, and the token kept out of the output.
import { createHash } from 'crypto';
import * as fs from 'fs';
import * as os from 'os';
import * as path from 'path';
import { Chart, Testing } from 'cdk8s';
import * as kplus from 'cdk8s-plus-28';
import { stringify } from 'yaml';
import { runCommand } from './_command-io';
import { UsageError } from '../../../server/commands';
import { runUrl } from '../../../server/commands/url';
import {
  ExposeViaHttpRoute, ExposeViaIngress, ExposeViaLoadBalancer, FluxReceivers, IngressTls, ReceiverProvider, ReconcileTarget, WebhookReceiver,
} from '../../../src';
import { receiverApp } from '../../constructs/scenario';
import {
  adminKubeconfigPath, adminKubeConfig, apply, createTestNamespace, kubeConfigForToken, kubeRequest, serviceAccountToken, writeKubeconfig,
} from '../../harness/kube';
import { receiver } from '../receiver-fixture';

/** Flux's formula, written out here so the test does not trust the code's own. */
const sha = (...parts: string[]): string => createHash('sha256').update(parts.join('')).digest('hex');
const BASE = 'https://flux-webhook.example.com';

async function setStatusPath(ns: string, name: string, webhookPath: string): Promise<void> {
  const res = await kubeRequest(adminKubeConfig(), 'PATCH', `/apis/notification.toolkit.fluxcd.io/v1/namespaces/${ns}/receivers/${name}/status`, { status: { webhookPath } }, 'application/merge-patch+json');
  expect(res.status).toBe(200);
}

function synthTo(dir: string, chart: ReturnType<typeof receiverApp>['chart']): void {
  fs.writeFileSync(path.join(dir, 'app.k8s.yaml'), Testing.synth(chart).map((m) => stringify(m)).join('---\n'));
}

function writeSecret(dir: string, name: string, token: string): void {
  fs.mkdirSync(path.join(dir, name), { recursive: true });
  fs.writeFileSync(path.join(dir, name, 'token'), token);
}

describe('url', () => {
  let dir: string;
  beforeEach(() => {
    dir = fs.mkdtempSync(path.join(os.tmpdir(), 'url-cmd-'));
  });
  afterEach(() => fs.rmSync(dir, { recursive: true, force: true }));

  describe('from synthesized manifests', () => {
    test('WebhookReceiver app (receivers inside the ConfigMap): URL per receiver, token never printed', async () => {
      fs.mkdirSync(path.join(dir, 'dist'));
      synthTo(path.join(dir, 'dist'), receiverApp('flux-system', 'apps', 'server').chart);
      writeSecret(path.join(dir, 'secrets'), 'webhook-token', 'gh-token-123');
      writeSecret(path.join(dir, 'secrets'), 'harbor-token', 'harbor-token-456');
      const out = await runCommand(runUrl, ['--base', BASE, '--receivers', path.join(dir, 'dist'), '--secrets-dir', path.join(dir, 'secrets')]);
      expect(out).toMatchObject({ code: 0, stderr: '' });
      expect(out.stdout.split('\n')).toEqual([
        'NAMESPACE     NAME       TYPE           URL',
        `flux-system   webapp     github         ${BASE}/hook/${sha('gh-token-123', 'webapp', 'flux-system')}`,
        `flux-system   actions    generic-oidc   ${BASE}/hook/${sha('', 'actions', 'flux-system')}`,
        `flux-system   registry   harbor         ${BASE}/hook/${sha('harbor-token-456', 'registry', 'flux-system')}`,
        '',
      ]);
      expect(out.stdout).not.toContain('gh-token-123');
    });

    test('FluxReceivers app (Receiver objects), one receiver as a bare URL; a trailing newline in the token counts', async () => {
      synthTo(dir, receiverApp('flux-system', 'apps', 'flux').chart);
      writeSecret(path.join(dir, 'secrets'), 'webhook-token', 'gh-token\n');
      const out = await runCommand(runUrl, ['--base', `${BASE}/`, '--receivers', path.join(dir, 'app.k8s.yaml'), '--secrets-dir', path.join(dir, 'secrets'), '--name', 'webapp', '-o', 'url']);
      expect(out).toEqual({ code: 0, stdout: `${BASE}/hook/${sha('gh-token\n', 'webapp', 'flux-system')}\n`, stderr: '' });
    });

    test('a receiver whose token is missing is reported on stderr with exit code 1; the others are printed', async () => {
      synthTo(dir, receiverApp('flux-system', 'apps', 'server').chart);
      writeSecret(path.join(dir, 'secrets'), 'webhook-token', 'gh');
      const out = await runCommand(runUrl, ['--base', BASE, '--receivers', dir, '--secrets-dir', path.join(dir, 'secrets'), '-o', 'json']);
      expect(out.code).toBe(1);
      expect(JSON.parse(out.stdout).map((r: { name: string }) => r.name)).toEqual(['webapp', 'actions']);
      expect(out.stderr).toBe(`error: flux-system/registry: unable to read token from secret 'flux-system/harbor-token': ${path.join(dir, 'secrets', 'harbor-token')} does not exist\n`);
    });

    test('--show-token adds the token; bytes a terminal would hide are shown as base64', async () => {
      synthTo(dir, receiverApp('flux-system', 'apps', 'server').chart);
      writeSecret(path.join(dir, 'secrets'), 'webhook-token', 'gh-token\n');
      writeSecret(path.join(dir, 'secrets'), 'harbor-token', 'harbor-token');
      const out = await runCommand(runUrl, ['--base', BASE, '--receivers', dir, '--secrets-dir', path.join(dir, 'secrets'), '-o', 'json', '--show-token', '-n', 'flux-system']);
      expect(JSON.parse(out.stdout)).toEqual([
        { namespace: 'flux-system', name: 'webapp', type: 'github', url: `${BASE}/hook/${sha('gh-token\n', 'webapp', 'flux-system')}`, token: 'base64:Z2gtdG9rZW4K' },
        { namespace: 'flux-system', name: 'actions', type: 'generic-oidc', url: `${BASE}/hook/${sha('', 'actions', 'flux-system')}` },
        { namespace: 'flux-system', name: 'registry', type: 'harbor', url: `${BASE}/hook/${sha('harbor-token', 'registry', 'flux-system')}`, token: 'harbor-token' },
      ]);
      // Why the one token is base64: said once, on stderr, for that receiver only.
      expect(out.stderr.split('\n').filter(Boolean)).toEqual([
        expect.stringMatching(/^note: flux-system\/webapp: the token ends with a newline \(.*\), shown as base64\. The newline is part of the token: .*Store the token without it/),
      ]);
    });

    test('without --base, each receiver is reached at the host of the exposure in front of its backend; --base overrides', async () => {
      const chart = new Chart(Testing.app(), 'webhooks', { namespace: 'flux-system' });
      const secret = kplus.Secret.fromSecretName(chart, 'token', 'webhook-token');
      const targets = [ReconcileTarget.gitRepository('webapp')];
      const bundled = new WebhookReceiver(chart, 'receiver');
      bundled.addReceiver('bundled', { provider: ReceiverProvider.github(), secret, targets });
      new FluxReceivers(chart, 'flux').addReceiver('native', { provider: ReceiverProvider.github(), secret, targets });
      new ExposeViaHttpRoute(chart, 'route', { receiver: bundled, namespace: 'gateway-system', parentRefs: [{ name: 'public' }], hostnames: ['hooks.example.com'] });
      new ExposeViaIngress(chart, 'flux-ingress', { receiver: WebhookReceiver.fromFluxNotificationController(chart, 'flux-controller'), host: 'flux.example.com' });
      new ExposeViaLoadBalancer(chart, 'lb', { receiver: bundled });
      synthTo(dir, chart);
      writeSecret(path.join(dir, 'secrets'), 'webhook-token', 'tok');
      const urls = await runCommand(runUrl, ['--receivers', dir, '--secrets-dir', path.join(dir, 'secrets'), '-o', 'url']);
      expect(urls).toEqual({
        code: 0,
        stderr: '',
        stdout: `https://hooks.example.com/hook/${sha('tok', 'bundled', 'flux-system')}\nhttp://flux.example.com/hook/${sha('tok', 'native', 'flux-system')}\n`,
      });
      const overridden = await runCommand(runUrl, ['--base', BASE, '--receivers', dir, '--secrets-dir', path.join(dir, 'secrets'), '-o', 'url', '--name', 'native']);
      expect(overridden.stdout).toBe(`${BASE}/hook/${sha('tok', 'native', 'flux-system')}\n`);
    });

    test('an Ingress with TLS gives https; a receiver behind a LoadBalancer only needs --base', async () => {
      const chart = new Chart(Testing.app(), 'webhooks', { namespace: 'team-a' });
      const secret = kplus.Secret.fromSecretName(chart, 'token', 'webhook-token');
      const tls = new WebhookReceiver(chart, 'receiver');
      tls.addReceiver('webapp', { provider: ReceiverProvider.github(), secret, targets: [ReconcileTarget.gitRepository('webapp')] });
      new ExposeViaIngress(chart, 'ingress', { receiver: tls, host: 'hooks.example.com', tls: IngressTls.certManagerClusterIssuer('letsencrypt') });
      const other = new WebhookReceiver(chart, 'other', { namespace: 'team-b', serviceName: 'hooks-b' });
      other.addReceiver('lb-only', { provider: ReceiverProvider.github(), secret, targets: [ReconcileTarget.gitRepository('webapp', { namespace: 'team-b' })] });
      new ExposeViaLoadBalancer(chart, 'lb', { receiver: other });
      synthTo(dir, chart);
      writeSecret(path.join(dir, 'secrets'), 'webhook-token', 'tok');
      const secrets = ['--secrets-dir', path.join(dir, 'secrets')];
      expect((await runCommand(runUrl, ['--receivers', dir, ...secrets, '-o', 'url', '-n', 'team-a'])).stdout).toBe(`https://hooks.example.com/hook/${sha('tok', 'webapp', 'team-a')}\n`);
      await expect(runCommand(runUrl, ['--receivers', dir, ...secrets])).rejects.toThrow(new UsageError(
        `url: --base <url> is required: no Ingress or HTTPRoute with a host name in ${dir} routes to team-b/lb-only (a LoadBalancer has none); give where it is exposed, e.g. --base https://flux-webhook.example.com`));
    });

    test('an unknown name lists what there is', async () => {
      synthTo(dir, receiverApp('flux-system', 'apps', 'flux').chart);
      await expect(runCommand(runUrl, ['--base', BASE, '--receivers', dir, '--name', 'web'])).rejects
        .toThrow(`no Receiver named "web" in ${dir} (found: flux-system/webapp, flux-system/actions, flux-system/registry)`);
    });

    test('a directory without receivers, and one that does not exist', async () => {
      fs.writeFileSync(path.join(dir, 'other.yaml'), 'apiVersion: v1\nkind: Namespace\nmetadata:\n  name: x\n');
      await expect(runCommand(runUrl, ['--base', BASE, '--receivers', dir])).rejects.toThrow(`no Receivers found in ${dir}`);
      await expect(runCommand(runUrl, ['--base', BASE, '--receivers', path.join(dir, 'nope')])).rejects.toThrow(`cannot read manifests from ${path.join(dir, 'nope')}: ENOENT`);
    });
  });

  describe('from the cluster', () => {
    test('Receivers and tokens from the API; a receiver whose Secret is missing has no URL', async () => {
      const ns = await createTestNamespace('url-cluster');
      const admin = adminKubeConfig();
      expect((await kubeRequest(admin, 'POST', `/api/v1/namespaces/${ns}/secrets`, { metadata: { name: 'webhook-token' }, stringData: { token: 'cluster-token' } })).status).toBe(201);
      await apply([
        receiver('webapp', ns, { type: 'github', secretRef: { name: 'webhook-token' }, resources: [{ kind: 'GitRepository', name: 'webapp' }] }),
        receiver('missing', ns, { type: 'generic', secretRef: { name: 'not-there' }, resources: [{ kind: 'GitRepository', name: 'webapp' }] }),
      ]);
      // A stale status path must not be offered for a receiver that serves nothing.
      await setStatusPath(ns, 'missing', `/hook/${sha('old-token', 'missing', ns)}`);
      const out = await runCommand(runUrl, ['--base', BASE, '--from-cluster', '-n', ns, '-o', 'url', '--kubeconfig', adminKubeconfigPath()]);
      expect(out.code).toBe(1);
      expect(out.stdout).toBe(`${BASE}/hook/${sha('cluster-token', 'webapp', ns)}\n`);
      expect(out.stderr).toBe(`error: ${ns}/missing: secret ${ns}/not-there not found (create it: flux-webhook-receiver token --apply --namespace ${ns} --name not-there)\n`);
    });

    test('without permission to read Secrets, the path in the status is used; without one, the 403 is shown', async () => {
      const ns = await createTestNamespace('url-rbac');
      const admin = adminKubeConfig();
      expect((await kubeRequest(admin, 'POST', `/api/v1/namespaces/${ns}/secrets`, { metadata: { name: 'webhook-token' }, stringData: { token: 'hidden' } })).status).toBe(201);
      await apply([
        receiver('webapp', ns, { type: 'github', secretRef: { name: 'webhook-token' }, resources: [{ kind: 'GitRepository', name: 'webapp' }] }),
        receiver('fresh', ns, { type: 'github', secretRef: { name: 'webhook-token' }, resources: [{ kind: 'GitRepository', name: 'webapp' }] }),
        { apiVersion: 'v1', kind: 'ServiceAccount', metadata: { name: 'reader', namespace: ns } },
        { apiVersion: 'rbac.authorization.k8s.io/v1', kind: 'Role', metadata: { name: 'reader', namespace: ns }, rules: [{ apiGroups: ['notification.toolkit.fluxcd.io'], resources: ['receivers'], verbs: ['get', 'list'] }] },
        { apiVersion: 'rbac.authorization.k8s.io/v1', kind: 'RoleBinding', metadata: { name: 'reader', namespace: ns }, roleRef: { apiGroup: 'rbac.authorization.k8s.io', kind: 'Role', name: 'reader' }, subjects: [{ kind: 'ServiceAccount', name: 'reader', namespace: ns }] },
      ] as any);
      await setStatusPath(ns, 'webapp', `/hook/${sha('hidden', 'webapp', ns)}`);
      const kubeconfig = writeKubeconfig(kubeConfigForToken(await serviceAccountToken(ns, 'reader')), path.join(dir, 'kubeconfig'));
      const out = await runCommand(runUrl, ['--base', BASE, '--from-cluster', '-n', ns, '-o', 'url', '--kubeconfig', kubeconfig]);
      expect(out.stdout).toBe(`${BASE}/hook/${sha('hidden', 'webapp', ns)}\n`);
      expect(out.stderr).toMatch(new RegExp(`^error: ${ns}/fresh: get secret ${ns}/webhook-token: HTTP 403: secrets "webhook-token" is forbidden: User "system:serviceaccount:${ns}:reader" cannot get resource "secrets"`));
      expect(out.code).toBe(1);
    });

    test('a namespace without Receiver objects points at the synthesized manifests', async () => {
      const ns = await createTestNamespace('url-empty');
      await expect(runCommand(runUrl, ['--base', BASE, '--from-cluster', '-n', ns, '--kubeconfig', adminKubeconfigPath()])).rejects
        .toThrow(`no Receivers found in the cluster (namespace ${ns}) (a WebhookReceiver serves them from its ConfigMap: use --receivers <synthesized dir>)`);
    });

    test('--receivers with tokens from the cluster (no --secrets-dir)', async () => {
      const ns = await createTestNamespace('url-files-cluster');
      expect((await kubeRequest(adminKubeConfig(), 'POST', `/api/v1/namespaces/${ns}/secrets`, { metadata: { name: 'webhook-token' }, stringData: { token: 'from-api' } })).status).toBe(201);
      synthTo(dir, receiverApp(ns, 'apps', 'server').chart);
      const out = await runCommand(runUrl, ['--base', BASE, '--receivers', dir, '--name', 'webapp', '-o', 'url', '--kubeconfig', adminKubeconfigPath()]);
      expect(out).toEqual({ code: 0, stdout: `${BASE}/hook/${sha('from-api', 'webapp', ns)}\n`, stderr: '' });
    });
  });

  test.each([
    [['--from-cluster'], 'url: --base <url> is required'],
    [['--base', 'flux-webhook.example.com', '--from-cluster'], 'url: --base "flux-webhook.example.com" is not a URL'],
    [['--base', 'ftp://h', '--from-cluster'], 'url: --base "ftp://h" must start with https://'],
    [['--base', `${BASE}/hook/abc`, '--from-cluster'], `url: --base "${BASE}/hook/abc" must be only scheme, host and port (e.g. ${BASE})`],
    [['--base', BASE], 'url: say where the receivers are: --receivers <file|dir> (synthesized manifests) or --from-cluster'],
    [['--base', BASE, '--receivers', 'dist', '--from-cluster'], 'url: --receivers and --from-cluster exclude each other'],
    [['--base', BASE, '--from-cluster', '-o', 'yaml'], 'url: --output "yaml" is not one of table, url, json'],
  ])('usage error %j', async (argv, message) => {
    const failure = runCommand(runUrl, argv);
    await expect(failure).rejects.toBeInstanceOf(UsageError);
    await expect(failure).rejects.toThrow(message);
  });
});
