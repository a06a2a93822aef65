// `register` against a fake GitHub API on loopback, closing the loop through the bundled server
// in files mode on the real apiserver: the hook register creates is the one the fake delivers
// with, signed with the secret it stored, and the GitRepository gets its requestedAt.
import type { ChildProcess } from 'child_process';
import { randomBytes } from 'crypto';
import * as fs from 'fs';
import * as os from 'os';
import * as path from 'path';
import { App, Chart, Testing } from 'cdk8s';
import * as kplus from 'cdk8s-plus-28';
import { stringify } from 'yaml';
import { runCommand } from './_command-io';
import { Site, startSite } from './_register-site';
import { FakeGitHub, FakeGitHubHook } from './fakes/github';
import { runRegister, SENDERS } from '../../../server/commands/register';
import { GitRef, GitRepository, ReceiverProvider, ReconcileTarget, WebhookReceiver } from '../../../src';
import { hookPath, REGISTER_TYPES } from '../../../src/model';
import { adminKubeConfig, adminKubeconfigPath, apply, createTestNamespace, eventually, kubeRequest } from '../../harness/kube';
import { buildServerBundle } from '../../harness/server-bundle';
import { BundleRun, runBundle } from '../../harness/server-process';
import { requestedAt } from '../receiver-fixture';

const API_TOKEN = `ghp_${randomBytes(18).toString('hex')}`;

/** `register` as a user runs it: the bundle's bin. */
function reg(args: readonly string[], env: Record<string, string>): Promise<BundleRun> {
  return runBundle(['register', ...args], env);
}

test('register speaks the hook API of every type the constructs accept senderRepository for', () => {
  expect(Object.keys(SENDERS)).toEqual(REGISTER_TYPES);
});

describe('register with GitHub', () => {
  const children: ChildProcess[] = [];
  let dir: string;
  let github: FakeGitHub;
  let base: string;
  let site: Site;
  const env = { GITHUB_TOKEN: API_TOKEN };

  beforeAll(async () => {
    buildServerBundle();
    dir = fs.mkdtempSync(path.join(os.tmpdir(), 'register-'));
    github = new FakeGitHub(['org/webapp', 'org/other', 'org/full', 'org/ghost', 'org/cluster', 'org/images'], ['org']);
    github.tokens.set(API_TOKEN, { scopes: ['admin:repo_hook', 'admin:org_hook'], admin: ['org/webapp', 'org/other', 'org/full', 'org/cluster', 'org/images', 'org'] });
    await github.start();
    site = await startSite(dir, 'register', 'https://127.0.0.1/org/webapp.git', ReceiverProvider.github({ events: ['ping', 'push'] }));
    children.push(site.server);
    base = site.base;
  });

  afterAll(async () => {
    for (const child of children) if (child.exitCode === null) child.kill('SIGKILL');
    await github?.close();
    fs.rmSync(dir, { recursive: true, force: true });
  });

  /** Waits until the server verifies deliveries signed with `secret` (after it reloaded the files). */
  const accepts = (hook: FakeGitHubHook, secret: string): Promise<true> => eventually(`the server to accept ${secret === site.token ? 'token' : 'another key'}`, async () => {
    const copy = { ...hook, deliveries: [], config: { ...hook.config, secret } };
    return (await github.deliver(copy, 'ping', { zen: 'wait' })).status === 200 ? true : undefined;
  }, 15_000);
  const args = (s: Site, ...more: string[]): string[] => ['--base', base, '--receivers', s.dist, '--secrets-dir', s.secrets, '--api-url', github.apiBase, ...more];
  const noSecrets = (run: BundleRun): void => {
    for (const text of [run.stdout, run.stderr, site.output()]) {
      expect(text).not.toContain(API_TOKEN);
      expect(text).not.toContain(site.token);
      expect(text).not.toContain(hookPath(site.token, 'webapp', site.ns));
    }
  };

  test('dry run, create with a ping the receiver answers, a signed push reconciles the GitRepository, a second run changes nothing', async () => {
    const dry = await reg(args(site, '--dry-run'), env);
    expect(dry.stderr).toBe('');
    expect(dry.stdout).toMatch(/^create +GitHub repository org\/webapp: hook → http:\/\/127\.0\.0\.1:\d+\/hook\/[0-9a-f]{8}… for register-\S+\/webapp \(events push; secret: key 'token'\)\n/);
    expect(dry.stdout).toContain('dry run: nothing was changed at the sender');
    expect(dry.code).toBe(0);
    expect(github.writes()).toEqual([]);
    expect(github.hooksOf('repo:org/webapp')).toEqual([]);

    const run = await reg(args(site), env);
    expect(run.stderr).toBe('');
    expect(run.stdout).toContain('create     GitHub repository org/webapp');
    expect(run.stdout).toMatch(/test delivery: the receiver answered GitHub's ping with HTTP 200 OK/);
    expect(run.code).toBe(0);
    const [hook] = github.hooksOf('repo:org/webapp');
    expect(hook.config).toEqual({ url: site.url, content_type: 'json', insecure_ssl: '0', secret: site.token });
    expect(hook.events).toEqual(['push']);
    expect(hook.active).toBe(true);
    // Every call carried the token in the header GitHub documents, and only to its API.
    expect(github.calls.every((c) => c.headers.authorization === `Bearer ${API_TOKEN}`)).toBe(true);

    expect(await requestedAt(site.ns, 'webapp')).toBeDefined();
    const before = await requestedAt(site.ns, 'webapp');
    await new Promise((r) => setTimeout(r, 1100)); // requestedAt has a resolution of seconds
    const push = await github.deliver(hook, 'push', { ref: 'refs/heads/main', repository: { full_name: 'org/webapp' } });
    expect(push.status).toBe(200);
    expect(await requestedAt(site.ns, 'webapp')).not.toBe(before);
    noSecrets(run);

    github.calls.length = 0;
    const again = await reg(args(site), env);
    expect(again.stdout).toMatch(/^unchanged +GitHub repository org\/webapp: hook \d+ →/);
    expect(again.code).toBe(0);
    expect(github.writes()).toEqual([]);
    noSecrets(again);
  });

  test('a hook whose events or content type differ is updated in place; other hooks are left alone', async () => {
    const [hook] = github.hooksOf('repo:org/webapp');
    hook.events = ['push', 'issues'];
    hook.config.content_type = 'form';
    const other = github.addHook('repo:org/webapp', { name: 'web', active: true, events: ['push'], config: { url: 'https://ci.example.com/github', content_type: 'json', insecure_ssl: '0', secret: 'ci' } });
    github.calls.length = 0;
    const run = await runCommand(runRegister, args(site, '--no-test'), '', env);
    expect(run.stdout).toContain(`update     GitHub repository org/webapp: hook ${hook.id} →`);
    expect(run.stdout).toContain('[content type form (want json); events issues, push → push]');
    expect(run.code).toBe(0);
    expect(github.writes().map((c) => `${c.method} ${c.path}`)).toEqual([`PATCH /api/v3/repos/org/webapp/hooks/${hook.id}`]);
    expect(hook).toMatchObject({ events: ['push'], config: { content_type: 'json', secret: site.token } });
    expect(github.hooksOf('repo:org/webapp')).toContain(other);
    expect(other.config.url).toBe('https://ci.example.com/github');
  });

  test('--prune removes only hooks that post to an old URL of this host; --dry-run shows it and removes nothing', async () => {
    const old = github.addHook('repo:org/webapp', { name: 'web', active: true, events: ['push'], config: { url: `${base}${hookPath('old-token', 'webapp', site.ns)}`, content_type: 'json', insecure_ssl: '0', secret: 'old' } });
    const count = github.hooksOf('repo:org/webapp').length;
    github.calls.length = 0;
    const dry = await runCommand(runRegister, args(site, '--prune', '--dry-run'), '', env);
    expect(dry.stdout).toMatch(new RegExp(`^remove +GitHub repository org/webapp: hook ${old.id} → http://127\\.0\\.0\\.1:\\d+/hook/[0-9a-f]{8}… \\(no selected receiver has this URL\\)$`, 'm'));
    expect(github.writes()).toEqual([]);
    const run = await runCommand(runRegister, args(site, '--prune'), '', env);
    expect(run.code).toBe(0);
    expect(github.writes().map((c) => `${c.method} ${c.path}`)).toEqual([`DELETE /api/v3/repos/org/webapp/hooks/${old.id}`]);
    expect(github.hooksOf('repo:org/webapp')).toHaveLength(count - 1);
    expect(github.hooksOf('repo:org/webapp').map((h) => h.config.url)).toEqual(expect.arrayContaining([site.url, 'https://ci.example.com/github']));
    await expect(runCommand(runRegister, ['--receivers', site.dist, '--prune', '--name', 'webapp'], '', env)).rejects.toThrow('register: --prune tells old URLs from current ones');
  });

  test('rotation: register --update-secret sets the newest verification key; after the old key is retired GitHub\'s deliveries still reconcile', async () => {
    const next = randomBytes(20).toString('hex');
    fs.writeFileSync(path.join(site.secrets, 'webhook-token', 'token.next'), next);
    site.synth(['token', 'token.next']);
    const [hook] = github.hooksOf('repo:org/webapp').filter((h) => h.config.url === site.url);
    await accepts(hook, next);
    github.calls.length = 0;
    const unchanged = await runCommand(runRegister, args(site), '', env);
    expect(unchanged.stdout).toMatch(/^unchanged .*secret: key 'token\.next'\)$/m);
    expect(github.writes()).toEqual([]);
    expect(hook.config.secret).toBe(site.token);

    const rotated = await reg(args(site, '--update-secret'), env);
    expect(rotated.stdout).toMatch(/^update .*secret: key 'token\.next'\) \[secret\]$/m);
    expect(rotated.stdout).toContain('HTTP 200 OK');
    expect(rotated.code).toBe(0);
    expect(hook.config.secret).toBe(next);
    expect(rotated.stdout + rotated.stderr).not.toContain(next);

    // Retire the old key: the URL stays (token still seeds it), deliveries signed with token.next reconcile.
    site.synth(['token.next']);
    await eventually('the server to verify with token.next only', async () => {
      const old = await github.deliver({ ...hook, deliveries: [], config: { ...hook.config, secret: site.token } }, 'ping', { zen: 'old key' });
      return old.status === 400 ? true : undefined;
    }, 15_000);
    const before = await requestedAt(site.ns, 'webapp');
    await new Promise((r) => setTimeout(r, 1100));
    expect((await github.deliver(hook, 'push', { ref: 'refs/heads/main' })).status).toBe(200);
    expect(await requestedAt(site.ns, 'webapp')).not.toBe(before);
    site.synth();
    fs.rmSync(path.join(site.secrets, 'webhook-token', 'token.next'));
    await accepts(hook, site.token);
  });

  test('an organisation hook with --org: created, pinged, and its deliveries reconcile', async () => {
    const run = await reg(args(site, '--org', 'org'), env);
    expect(run.stdout).toContain('create     GitHub organisation org: hook →');
    expect(run.stdout).toContain('test delivery: the receiver answered GitHub\'s ping with HTTP 200 OK');
    expect(run.code).toBe(0);
    const [hook] = github.hooksOf('org:org');
    expect(hook.config).toMatchObject({ url: site.url, secret: site.token });
    await github.settled();
    expect(hook.deliveries.every((d) => d.status_code === 200)).toBe(true);
    noSecrets(run);
  });

  test('hook lists are read page by page through the Link header', async () => {
    for (let i = 0; i < 120; i++) {
      github.addHook('repo:org/full', { name: 'web', active: true, events: ['release'], config: { url: `https://ci.example.com/${i}`, content_type: 'json', insecure_ssl: '0' } });
    }
    github.addHook('repo:org/full', { name: 'web', active: true, events: ['push'], config: { url: site.url, content_type: 'json', insecure_ssl: '0', secret: 'x' } });
    github.calls.length = 0;
    const run = await runCommand(runRegister, args(site, '--repository', 'org/full', '--dry-run'), '', env);
    expect(run.stdout).toMatch(/^unchanged +GitHub repository org\/full: hook \d+ →/);
    expect(github.calls.map((c) => c.path)).toEqual(['/api/v3/repos/org/full/hooks?per_page=100', '/api/v3/repos/org/full/hooks?per_page=100&page=2']);
  });

  test('cluster mode: the Receiver, its Secret and its GitRepository are read from the cluster', async () => {
    const ns = await createTestNamespace('register-cluster');
    const token = randomBytes(20).toString('hex');
    const kc = adminKubeConfig();
    expect((await kubeRequest(kc, 'POST', `/api/v1/namespaces/${ns}/secrets`, { metadata: { name: 'webhook-token' }, stringData: { token } })).status).toBe(201);
    await apply([
      { apiVersion: 'source.toolkit.fluxcd.io/v1', kind: 'GitRepository', metadata: { name: 'app', namespace: ns }, spec: { url: 'ssh://git@127.0.0.1/org/cluster.git', interval: '1h' } },
      {
        apiVersion: 'notification.toolkit.fluxcd.io/v1',
        kind: 'Receiver',
        metadata: { name: 'app', namespace: ns },
        spec: { type: 'github', events: ['push'], secretRef: { name: 'webhook-token' }, resources: [{ kind: 'GitRepository', name: 'app' }] },
      },
    ]);
    const kubeconfig = ['--kubeconfig', adminKubeconfigPath()];
    const run = await reg(['--base', 'https://flux-webhook.example.com', '--from-cluster', '-n', ns, '--api-url', github.apiBase, '--no-test', ...kubeconfig], env);
    expect(run.stderr).toBe('');
    expect(run.stdout).toMatch(/^create +GitHub repository org\/cluster: hook → https:\/\/flux-webhook\.example\.com\/hook\/[0-9a-f]{8}… for register-cluster-\S+\/app \(events push; secret: key 'token'\)\n$/);
    const hook = github.hooksOf('repo:org/cluster').find((h) => h.config.url === `https://flux-webhook.example.com${hookPath(token, 'app', ns)}`);
    expect(hook?.config.secret).toBe(token);
    expect(run.stdout).not.toContain(token);
  });

  test('senderRepository names the repository of a receiver whose targets are no GitRepository', async () => {
    const chart = new Chart(new App(), 'images', { namespace: site.ns });
    new WebhookReceiver(chart, 'receiver').addReceiver('images', {
      provider: ReceiverProvider.github({ events: ['package'] }),
      secret: kplus.Secret.fromSecretName(chart, 'token', 'webhook-token'),
      targets: [ReconcileTarget.imageRepository('webapp')],
      senderRepository: 'org/images',
    });
    const dist = fs.mkdtempSync(path.join(dir, 'images-'));
    fs.writeFileSync(path.join(dist, 'images.k8s.yaml'), Testing.synth(chart).map((m) => stringify(m)).join('---\n'));
    github.calls.length = 0;
    const run = await runCommand(runRegister, ['--base', base, '--receivers', dist, '--secrets-dir', site.secrets, '--api-url', github.apiBase], '', env);
    expect(run.stdout).toMatch(/^create +GitHub repository org\/images: hook → .* for register-\S+\/images \(events package; secret: key 'token'\)$/m);
    // Its events do not list ping: GitHub's ping would be refused, so there is no test step.
    expect(run.stdout).toContain('test delivery: skipped: GitHub\'s test delivery is a ping, which the receiver\'s events do not list (add \'ping\' to them to test this way)');
    expect(run.code).toBe(0);
    expect(github.writes().map((c) => c.method)).toEqual(['POST']);
    expect(github.hooksOf('repo:org/images')).toEqual([expect.objectContaining({ events: ['package'], config: expect.objectContaining({ url: `${base}${hookPath(site.token, 'images', site.ns)}` }) })]);
    // Without it the command says what to pass.
    const bare = fs.readFileSync(path.join(dist, 'images.k8s.yaml'), 'utf8').replace(/\n\s+cdk8s-flux-webhooks\.io\/sender-repository: org\/images/, '');
    fs.writeFileSync(path.join(dist, 'images.k8s.yaml'), bare);
    const missing = await runCommand(runRegister, ['--base', base, '--receivers', dist, '--secrets-dir', site.secrets, '--api-url', github.apiBase], '', env);
    expect(missing.stderr).toMatch(/^error: register-\S+\/images: no repository to register at: it targets no GitRepository found by name; pass --repository <owner\/name> or --org <org>\n$/);
    expect(missing.code).toBe(1);
  });

  test('a GitRepository on another host is named without the password in its URL', async () => {
    const chart = new Chart(new App(), 'elsewhere', { namespace: site.ns });
    new WebhookReceiver(chart, 'receiver').addReceiver('elsewhere', {
      provider: ReceiverProvider.github(),
      secret: kplus.Secret.fromSecretName(chart, 'token', 'webhook-token'),
      targets: [ReconcileTarget.fromApiObject(new GitRepository(chart, 'repo', { url: 'https://bot:s3cret@git.example.com/org/webapp.git', ref: GitRef.branch('main') }))],
    });
    const dist = fs.mkdtempSync(path.join(dir, 'elsewhere-'));
    fs.writeFileSync(path.join(dist, 'app.k8s.yaml'), Testing.synth(chart).map((m) => stringify(m)).join('---\n'));
    const run = await runCommand(runRegister, ['--base', base, '--receivers', dist, '--secrets-dir', site.secrets, '--api-url', github.apiBase], '', env);
    expect(run.stderr).toContain('no repository to register at: its GitRepository targets (https://git.example.com/org/webapp.git) are not on 127.0.0.1:');
    expect(run.stderr).not.toContain('s3cret');
    expect(run.code).toBe(1);
  });

  describe('refusals are explained without the token', () => {
    const refused = async (argv: string[], runEnv: NodeJS.ProcessEnv = env): Promise<string> => {
      const run = await runCommand(runRegister, argv, '', runEnv);
      expect(run.code).toBe(1);
      for (const text of [run.stdout, run.stderr]) {
        expect(text).not.toContain(String(runEnv.GITHUB_TOKEN));
        expect(text).not.toContain(site.token);
      }
      return run.stderr;
    };

    test('401: the token is not accepted', async () => {
      expect(await refused(args(site), { GITHUB_TOKEN: 'ghp_wrong0123456789' }))
        .toBe('error: GitHub: GET /repos/org/webapp/hooks?per_page=100: HTTP 401 (Bad credentials): the token is not accepted (expired or mistyped?): set GITHUB_TOKEN or --api-token-file to a valid token\n');
    });

    test('403: a classic token without a hook scope is told which scope to add', async () => {
      const token = `ghp_${randomBytes(8).toString('hex')}`;
      github.tokens.set(token, { scopes: ['read:org', 'read:repo_hook'], admin: ['org/webapp'] });
      const text = await refused(args(site, '--update-secret', '--no-test'), { GITHUB_TOKEN: token });
      expect(text).toContain('HTTP 403 (Must have admin rights to Repository.): the token lacks the scope admin:repo_hook (or repo): it has read:org, read:repo_hook, '
        + 'GitHub accepts admin:repo_hook, read:repo_hook, repo, write:repo_hook; add the scope to the token');
    });

    test('403: a fine-grained token without the Webhooks permission', async () => {
      const token = `github_pat_${randomBytes(8).toString('hex')}`;
      github.tokens.set(token, { admin: ['org/webapp'] });
      expect(await refused(args(site), { GITHUB_TOKEN: token })).toContain('a fine-grained token needs the repository permission "Webhooks: Read and write"');
    });

    test('404: no such repository, or no admin rights', async () => {
      expect(await refused(args(site, '--repository', 'org/ghost'))).toContain('HTTP 404 (Not Found): no such repository on 127.0.0.1:');
    });

    test('422: the hook limit, and a URL GitHub cannot reach', async () => {
      github.addHook('repo:org/other', { name: 'web', active: true, events: ['push'], config: { url: 'https://ci.example.com/other', content_type: 'json', insecure_ssl: '0' } });
      github.hookLimit = 1;
      expect(await refused(args(site, '--repository', 'org/other')))
        .toContain('HTTP 422 (The "push" event cannot have more than 1 hooks): the repository has as many hooks as GitHub allows for this event; remove one it no longer needs');
      github.hookLimit = 20;
      github.unreachableHosts.add('127.0.0.1');
      expect(await refused(args(site, '--repository', 'org/other')))
        .toContain('HTTP 422 (url is not supported because it isn\'t reachable over the public Internet (127.0.0.1)): GitHub must be able to reach the URL from the internet: pass --base with the public https host of the receiver');
      github.unreachableHosts.clear();
      expect(github.hooksOf('repo:org/other')).toHaveLength(1);
    });

    test('rate limit: waits for the reset and says so; gives up beyond --max-wait', async () => {
      github.rateLimited = 1;
      github.rateLimitResetSeconds = 1;
      const run = await runCommand(runRegister, args(site, '--dry-run'), '', env);
      expect(run.stderr).toMatch(/^GitHub rate limit reached \(HTTP 403\): waiting \d s, until \d\d:\d\d:\d\d UTC\n$/);
      expect(run.code).toBe(0);
      github.rateLimited = 1;
      github.rateLimitResetSeconds = 600;
      expect(await refused(args(site, '--dry-run', '--max-wait', '5'))).toMatch(/HTTP 403: rate limit of this token reached until \d\d:\d\d:\d\d UTC \(\d+ s\): run again then, or allow the wait with --max-wait \d+/);
      github.rateLimited = 0;
    });

    test('no token at all is a usage error naming the variable', async () => {
      await expect(runCommand(runRegister, args(site), '', {})).rejects.toThrow('register: no API token for github: set GITHUB_TOKEN or pass --api-token-file <file>');
    });
  });
});
