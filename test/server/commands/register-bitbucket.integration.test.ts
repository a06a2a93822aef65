// `register` against a fake Bitbucket Cloud API on loopback, closing the loop through the bundled
// server: the hook register creates signs its deliveries in X-Hub-Signature with the receiver's
// token, and a repo:push asks the GitRepository to reconcile.
import type { ChildProcess } from 'child_process';
import { randomBytes } from 'crypto';
import * as fs from 'fs';
import * as os from 'os';
import * as path from 'path';
import { runCommand } from './_command-io';
import { Site, startSite } from './_register-site';
import { FakeBitbucket } from './fakes/bitbucket';
import { runRegister } from '../../../server/commands/register';
import { ReceiverProvider } from '../../../src';
import { buildServerBundle } from '../../harness/server-bundle';
import { runBundle } from '../../harness/server-process';
import { requestedAt } from '../receiver-fixture';

const API_TOKEN = `ATCTT3x${randomBytes(16).toString('hex')}`;

describe('register with Bitbucket Cloud', () => {
  const children: ChildProcess[] = [];
  let dir: string;
  let bitbucket: FakeBitbucket;
  let site: Site;
  const env = { BITBUCKET_TOKEN: API_TOKEN };
  const args = (...more: string[]): string[] => ['--base', site.base, '--receivers', site.dist, '--secrets-dir', site.secrets, '--api-url', bitbucket.origin, ...more];

  beforeAll(async () => {
    buildServerBundle();
    dir = fs.mkdtempSync(path.join(os.tmpdir(), 'register-bitbucket-'));
    bitbucket = new FakeBitbucket(['org/webapp', 'org/locked'], ['org']);
    bitbucket.tokens.set(API_TOKEN, { scopes: ['repository', 'webhook'], admin: ['org/webapp', 'org'] });
    await bitbucket.start();
    site = await startSite(dir, 'register-bitbucket', 'https://127.0.0.1/org/webapp.git', ReceiverProvider.bitbucket({ events: ['repo:push'] }));
    children.push(site.server);
  });

  afterAll(async () => {
    for (const child of children) if (child.exitCode === null) child.kill('SIGKILL');
    await bitbucket?.close();
    fs.rmSync(dir, { recursive: true, force: true });
  });

  test('create, a signed repo:push reconciles the GitRepository, a second run changes nothing, a hook without a secret is updated', async () => {
    const run = await runBundle(['register', ...args()], env);
    expect(run).toMatchObject({ code: 0, stderr: '' });
    expect(run.stdout).toMatch(/^create +Bitbucket repository org\/webapp: hook → http:\/\/127\.0\.0\.1:\d+\/hook\/[0-9a-f]{8}… for register-bitbucket-\S+\/webapp \(events repo:push; secret: key 'token'\)\n$/);
    const [hook] = bitbucket.hooksOf('repositories:org/webapp');
    expect(hook).toMatchObject({ url: site.url, active: true, events: ['repo:push'], secret: site.token });
    expect(await requestedAt(site.ns, 'webapp')).toBeUndefined();
    expect((await bitbucket.deliver(hook, 'repo:push', { push: { changes: [] }, repository: { full_name: 'org/webapp' } })).status).toBe(200);
    expect(await requestedAt(site.ns, 'webapp')).toBeDefined();
    for (const text of [run.stdout, run.stderr, site.output()]) {
      expect(text).not.toContain(API_TOKEN);
      expect(text).not.toContain(site.token);
    }

    bitbucket.calls.length = 0;
    expect((await runCommand(runRegister, args(), '', env)).stdout).toMatch(/^unchanged +Bitbucket repository org\/webapp: hook \{[-0-9a-f]+\} →/);
    expect(bitbucket.writes()).toEqual([]);

    delete hook.secret;
    const update = await runCommand(runRegister, args(), '', env);
    expect(update.stdout).toContain('[no secret]');
    expect(bitbucket.writes().map((c) => c.method)).toEqual(['PUT']);
    expect(bitbucket.writes()[0].path).toBe(`/2.0/repositories/org/webapp/hooks/${encodeURIComponent(hook.uuid)}`);
    expect(hook.secret).toBe(site.token);
  });

  test('a workspace hook with --org, and lists read through the next URL', async () => {
    for (let i = 0; i < 120; i++) bitbucket.addHook('workspaces:org', { url: `https://ci.example.com/${i}`, description: 'ci', active: true, events: ['repo:push'] });
    bitbucket.calls.length = 0;
    const run = await runCommand(runRegister, args('--org', 'org'), '', env);
    expect(run.stdout).toContain('create     Bitbucket organisation org: hook →');
    expect(bitbucket.calls.filter((c) => c.method === 'GET').map((c) => c.path)).toEqual(['/2.0/workspaces/org/hooks?pagelen=100', '/2.0/workspaces/org/hooks?pagelen=100&page=2']);
    const hook = bitbucket.hooksOf('workspaces:org').find((h) => h.url === site.url)!;
    expect((await bitbucket.deliver(hook, 'repo:push', { push: { changes: [] } })).status).toBe(200);
  });

  test('refusals: a token without the webhook scope, no admin rights, no such repository', async () => {
    const narrow = `ATCTT3x${randomBytes(8).toString('hex')}`;
    bitbucket.tokens.set(narrow, { scopes: ['repository'], admin: ['org/webapp'] });
    const scope = await runCommand(runRegister, args(), '', { BITBUCKET_TOKEN: narrow });
    expect(scope.stderr).toContain('HTTP 403 (Your credentials lack one or more required privilege scopes.): the token lacks the scope webhook: create one with it');
    expect(scope.code).toBe(1);
    const admin = await runCommand(runRegister, args('--repository', 'org/locked'), '', env);
    expect(admin.stderr).toContain('the token needs the scope webhook and admin rights on the repository');
    const missing = await runCommand(runRegister, args('--repository', 'org/ghost'), '', env);
    expect(missing.stderr).toContain('HTTP 404 (Repository org/ghost not found): no such repository on 127.0.0.1:');
    for (const run of [scope, admin, missing]) expect(run.stdout + run.stderr).not.toContain(API_TOKEN);
  });
});
