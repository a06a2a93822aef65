// Flux's "Setup Webhook Receivers" guide with the bundled bin only, against the real apiserver:
// `token --apply` creates the Secret, the synthesized app is served by the bundled server,
// `url` prints the URL and `send` reaches it so the GitRepository gets its requestedAt. Once in
// files mode (what WebhookReceiver deploys) and once in cluster mode, where `kubectl get
// receiver` shows Ready and the path (the CRD's printer columns, rendered by the apiserver).
import { execFileSync } from 'child_process';
import { createHash } from 'crypto';
import * as fs from 'fs';
import * as https from 'https';
import * as os from 'os';
import * as path from 'path';
import { App, Chart, Duration, Testing } from 'cdk8s';
import * as kplus from 'cdk8s-plus-28';
import { stringify } from 'yaml';
import { FluxReceivers, GitRef, GitRepository, ReceiverProvider, ReconcileTarget, WebhookReceiver } from '../../../src';
import { adminKubeconfigPath, adminKubeConfig, apply, createTestNamespace, eventually, kubeRequest, ManifestObject } from '../../harness/kube';
import { BundleProcess, runBundle } from '../../harness/server-process';
import { requestedAt } from '../receiver-fixture';

const sha = (...parts: (string | Buffer)[]): string => parts.reduce((h, p) => h.update(p), createHash('sha256')).digest('hex');

/** The README's app: a GitRepository and a GitHub receiver on it, with either backend. */
function guideApp(namespace: string, backend: 'server' | 'flux'): ManifestObject[] {
  const chart = new Chart(new App(), 'webhooks', { namespace });
  const repo = new GitRepository(chart, 'webapp', { url: 'https://github.com/org/webapp', ref: GitRef.branch('main'), interval: Duration.hours(1), metadata: { name: 'webapp' } });
  const receiver = backend === 'server' ? new WebhookReceiver(chart, 'receiver') : new FluxReceivers(chart, 'receiver', { namespace });
  receiver.addReceiver('webapp', {
    provider: ReceiverProvider.github({ events: ['ping', 'push'] }),
    secret: kplus.Secret.fromSecretName(chart, 'token', 'webhook-token'),
    targets: [ReconcileTarget.fromApiObject(repo)],
  });
  return Testing.synth(chart) as ManifestObject[];
}

async function storedToken(ns: string): Promise<Buffer> {
  const res = await kubeRequest(adminKubeConfig(), 'GET', `/api/v1/namespaces/${ns}/secrets/webhook-token`);
  expect(res.status).toBe(200);
  return Buffer.from(res.body.data.token, 'base64');
}

async function startServer(args: readonly string[]): Promise<BundleProcess> {
  const server = await BundleProcess.serve({ args: [...args, '--kubeconfig', adminKubeconfigPath()], waitUntilReady: false });
  await server.ready(30_000);
  return server;
}

describe('the guide with the bundled bin', () => {
  const servers: BundleProcess[] = [];
  let dir: string;

  beforeAll(() => {
    dir = fs.mkdtempSync(path.join(os.tmpdir(), 'guide-'));
  });

  afterAll(async () => {
    for (const server of servers) await server.stop();
    fs.rmSync(dir, { recursive: true, force: true });
  });

  test('files mode: token --apply, synthesize, serve, url, send → the GitRepository is asked to reconcile', async () => {
    const ns = await createTestNamespace('guide-files');
    const kubeconfig = ['--kubeconfig', adminKubeconfigPath()];

    // 1. The token and its Secret.
    const token = await runBundle(['token', '--apply', '--namespace', ns, '--name', 'webhook-token', ...kubeconfig]);
    expect(token).toMatchObject({ code: 0, stdout: '' });
    expect(token.stderr).toContain(`secret ${ns}/webhook-token created`);
    const secret = await storedToken(ns);
    expect(secret.toString()).toMatch(/^[0-9a-f]{40}$/);

    // 2. The app, synthesized to dist/ and applied; the server's volumes laid out as the kubelet mounts them.
    const manifests = guideApp(ns, 'server');
    const dist = path.join(dir, 'dist');
    fs.mkdirSync(dist);
    fs.writeFileSync(path.join(dist, 'webhooks.k8s.yaml'), manifests.map((m) => stringify(m)).join('---\n'));
    await apply(manifests.filter((m) => m.kind === 'GitRepository'));
    const configMap = manifests.find((m) => m.kind === 'ConfigMap') as ManifestObject & { data: Record<string, string> };
    fs.mkdirSync(path.join(dir, 'receivers'));
    for (const [key, value] of Object.entries(configMap.data)) fs.writeFileSync(path.join(dir, 'receivers', key), value);
    fs.mkdirSync(path.join(dir, 'secrets', 'webhook-token'), { recursive: true });
    fs.writeFileSync(path.join(dir, 'secrets', 'webhook-token', 'token'), secret);
    const server = await startServer(['--receivers', path.join(dir, 'receivers'), '--secrets-dir', path.join(dir, 'secrets')]);
    servers.push(server);

    // 3. The URL to give GitHub.
    const url = await runBundle(['url', '--base', server.url(''), '--receivers', dist, '--name', 'webapp', '-o', 'url', ...kubeconfig]);
    expect(url).toEqual({ code: 0, stdout: `${server.url('')}/hook/${sha(secret, 'webapp', ns)}\n`, stderr: '' });

    // 4. A test delivery through the whole path.
    expect(await requestedAt(ns, 'webapp')).toBeUndefined();
    const sent = await runBundle(['send', '--base', server.url(''), '--receivers', dist, '--name', 'webapp', ...kubeconfig]);
    expect(sent.stdout).toContain('HTTP 200 OK');
    expect(sent.code).toBe(0);
    expect(await requestedAt(ns, 'webapp')).toBeDefined();
    await eventually('the server to log the delivery', async () => (server.output.includes('"msg":"webhook handled"') ? true : undefined));
    expect(server.output).toMatch(/"msg":"webhook handled".*"status":200/);
    expect(server.output).not.toContain(secret.toString());
  });

  test('run it locally: serve --receivers dist/ --secrets-from-cluster serves the synthesized app; send names the target and explains a 404', async () => {
    const ns = await createTestNamespace('guide-local');
    const kubeconfig = ['--kubeconfig', adminKubeconfigPath()];
    expect((await runBundle(['token', '--apply', '-n', ns, '--name', 'webhook-token', ...kubeconfig])).code).toBe(0);
    const manifests = guideApp(ns, 'server');
    const dist = path.join(dir, 'local-dist');
    fs.mkdirSync(dist);
    fs.writeFileSync(path.join(dist, 'webhooks.k8s.yaml'), manifests.map((m) => stringify(m)).join('---\n'));
    await apply(manifests.filter((m) => m.kind === 'GitRepository'));

    // The synthesized directory as it is: no extracted receivers.yaml, no hand-made secrets/.
    const server = await startServer(['--receivers', dist, '--secrets-from-cluster']);
    servers.push(server);
    // The log is flushed every 50 ms: readiness can come before the start-up lines are written.
    await eventually('the start-up log', async () => (['"serving receiver"', '"skipped objects that are not Receivers"'].every((m) => server.output.includes(`"msg":${m}`)) ? true : undefined));
    const log = server.output.split('\n').filter(Boolean).map((l) => JSON.parse(l) as Record<string, unknown>);
    expect(log.filter((l) => l.level === 'error')).toEqual([]);
    expect(log.filter((l) => l.msg === 'serving receiver')).toEqual([expect.objectContaining({ receiver: `${ns}/webapp`, type: 'github' })]);
    const others = manifests.filter((m) => m.kind !== 'ConfigMap').length;
    expect(log.filter((l) => l.msg === 'skipped objects that are not Receivers')).toEqual([expect.objectContaining({ count: others, kinds: expect.stringContaining('Deployment: 1') })]);

    const sent = await runBundle(['send', '--base', server.url(''), '--receivers', dist, '--name', 'webapp', ...kubeconfig]);
    expect(sent.stdout).toContain('HTTP 200 OK');
    expect(sent.stdout).toContain(`kubectl -n ${ns} get gitrepository webapp -o jsonpath=`);
    expect(sent.code).toBe(0);
    expect(await requestedAt(ns, 'webapp')).toBeDefined();
    // managedFields names this server as the manager of the annotation, as Flux's show notification-controller.
    const repo = await kubeRequest(adminKubeConfig(), 'GET', `/apis/source.toolkit.fluxcd.io/v1/namespaces/${ns}/gitrepositories/webapp`);
    const managers = (repo.body.metadata.managedFields as { manager: string; operation: string; fieldsV1: unknown }[])
      .filter((f) => JSON.stringify(f.fieldsV1).includes('reconcile.fluxcd.io/requestedAt'));
    expect(managers.map((f) => [f.manager, f.operation])).toEqual([['flux-webhook-receiver', 'Update']]);

    // A receiver this server did not load (another app's): 404, and send says so.
    const other = path.join(dir, 'other-dist');
    fs.mkdirSync(other);
    const otherApp = guideApp(ns, 'flux').map((m) => (m.kind === 'Receiver' ? { ...m, metadata: { ...m.metadata, name: 'elsewhere' } } : m));
    fs.writeFileSync(path.join(other, 'app.k8s.yaml'), otherApp.map((m) => stringify(m)).join('---\n'));
    const missed = await runBundle(['send', '--base', server.url(''), '--receivers', other, '--name', 'elsewhere', ...kubeconfig]);
    expect(missed.code).toBe(1);
    expect(missed.stdout).toContain('HTTP 404');
    expect(missed.stdout).toContain('this server did not load the receiver');
    expect(missed.stdout).toContain('"serving receiver"');
  });

  test('cluster mode: kubectl get receiver shows Ready and the path; url and send use the cluster', async () => {
    const ns = await createTestNamespace('guide-cluster');
    const kubeconfig = ['--kubeconfig', adminKubeconfigPath()];
    expect((await runBundle(['token', '--apply', '-n', ns, ...kubeconfig])).code).toBe(0);
    const secret = await storedToken(ns);
    await apply(guideApp(ns, 'flux').filter((m) => m.kind === 'GitRepository' || m.kind === 'Receiver'));
    const server = await startServer(['--watch-receivers', '--namespace', ns]);
    servers.push(server);

    // What `kubectl -n <ns> get receiver webapp` prints: the apiserver renders the CRD's printer columns.
    const hookPath = `/hook/${sha(secret, 'webapp', ns)}`;
    const table = await eventually('the Receiver to be Ready', async () => {
      const res = await kubeRequest(adminKubeConfig(), 'GET', `/apis/notification.toolkit.fluxcd.io/v1/namespaces/${ns}/receivers/webapp`);
      if (res.body?.status?.conditions?.find((c: { type: string }) => c.type === 'Ready')?.status !== 'True') return undefined;
      return getTable(`/apis/notification.toolkit.fluxcd.io/v1/namespaces/${ns}/receivers/webapp`);
    }, 30_000);
    expect(table.columnDefinitions.map((c: { name: string }) => c.name)).toEqual(['Name', 'Age', 'Ready', 'Status']);
    expect(table.rows.map((r: { cells: unknown[] }) => [r.cells[0], r.cells[2], r.cells[3]])).toEqual([['webapp', 'True', `Receiver initialized for path: ${hookPath}`]]);

    const url = await runBundle(['url', '--base', server.url(''), '--from-cluster', '-n', ns, '-o', 'url', ...kubeconfig]);
    expect(url).toEqual({ code: 0, stdout: `${server.url('')}${hookPath}\n`, stderr: '' });
    const sent = await runBundle(['send', '--base', server.url(''), '--from-cluster', '-n', ns, '--name', 'webapp', '--event', 'ping', ...kubeconfig]);
    expect(sent.stdout).toContain('HTTP 200 OK');
    expect(sent.code).toBe(0);
    expect(await requestedAt(ns, 'webapp')).toBeDefined();
  });

  // Runs where a kubectl binary is installed (CI images without one skip it; the construct test
  // covers the command with a stand-in kubectl).
  (hasKubectl() ? test : test.skip)('ReceiverDefinition.webhookPathCommand with the real kubectl prints the Flux path of the stored token', async () => {
    const ns = await createTestNamespace('guide-kubectl');
    expect((await runBundle(['token', '--apply', '-n', ns, '--kubeconfig', adminKubeconfigPath()])).code).toBe(0);
    const chart = new Chart(new App(), 'c', { namespace: ns });
    const def = new WebhookReceiver(chart, 'receiver').addReceiver('webapp', {
      provider: ReceiverProvider.github(),
      secret: kplus.Secret.fromSecretName(chart, 'token', 'webhook-token'),
      targets: [ReconcileTarget.gitRepository('webapp')],
    });
    const printed = execFileSync('bash', ['-c', def.webhookPathCommand], { encoding: 'utf8', env: { PATH: process.env.PATH, KUBECONFIG: adminKubeconfigPath(), HOME: dir } }); // kubectl's discovery cache goes to $HOME/.kube
    expect(printed).toBe(`/hook/${sha(await storedToken(ns), 'webapp', ns)}\n`);
  });

  test.each([
    [['token', '--bytes', '1'], 'error: token: --bytes "1" is not a whole number from 20 to 512\nRun "flux-webhook-receiver token --help" for usage.\n'],
    [['url', '--from-cluster'], /^error: url: --base <url> is required/],
    [['send', '--url', 'https://h/hook/x'], /^error: send: with --url, --type <type> is required/],
  ])('a bad command line %j exits 2 and points at the command\'s help', async (args, message) => {
    const run = await runBundle(args);
    expect(run.code).toBe(2);
    expect(run.stdout).toBe('');
    if (typeof message === 'string') expect(run.stderr).toBe(message);
    else expect(run.stderr).toMatch(message);
  });

  test('a failure exits 1 with the reason', async () => {
    const run = await runBundle(['url', '--base', 'https://h', '--from-cluster', '--kubeconfig', '/nonexistent/kubeconfig']);
    expect(run).toEqual({ code: 1, stdout: '', stderr: 'error: cannot load Kubernetes credentials: kubeconfig /nonexistent/kubeconfig does not exist (pass --kubeconfig <file> or set KUBECONFIG)\n' });
  });

  test.each(['token', 'url', 'send', 'register'])('%s --help exits 0 with its usage', async (command) => {
    const run = await runBundle([command, '--help']);
    expect(run.code).toBe(0);
    expect(run.stdout).toMatch(new RegExp(`^Usage: flux-webhook-receiver ${command} `));
  });

  test('the top-level help lists the subcommands', async () => {
    const run = await runBundle(['--help']);
    for (const command of ['token', 'url', 'send', 'register']) expect(run.stdout).toMatch(new RegExp(`flux-webhook-receiver ${command} +\\S`));
  });
});

function hasKubectl(): boolean {
  try {
    execFileSync('kubectl', ['version', '--client'], { stdio: 'ignore' });
    return true;
  } catch {
    return false;
  }
}

async function getTable(apiPath: string): Promise<any> {
  const kc = adminKubeConfig();
  const cluster = kc.getCurrentCluster()!;
  const opts: https.RequestOptions = { method: 'GET', headers: { Accept: 'application/json;as=Table;v=v1;g=meta.k8s.io' } };
  await kc.applyToHTTPSOptions(opts);
  return new Promise((resolve, reject) => {
    https.request(new URL(apiPath, cluster.server), opts, (res) => {
      let text = '';
      res.on('data', (c) => (text += c));
      res.on('end', () => (res.statusCode === 200 ? resolve(JSON.parse(text)) : reject(new Error(`HTTP ${res.statusCode} ${text}`))));
    }).on('error', reject).end();
  });
}
