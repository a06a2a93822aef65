// `register` against a fake Gitea (Forgejo) API on loopback, closing the loop through the bundled
// server: the hook register creates signs its deliveries in X-Gitea-Signature with the receiver's
// token, and a push asks the GitRepository to reconcile.
import type { ChildProcess } from 'child_process';
import { randomBytes } from 'crypto';
import * as fs from 'fs';
import * as os from 'os';
import * as path from 'path';
import { runCommand } from './_command-io';
import { Site, startSite } from './_register-site';
import { FakeGitea } from './fakes/gitea';
import { runRegister } from '../../../server/commands/register';
import { ReceiverProvider } from '../../../src';
import { buildServerBundle } from '../../harness/server-bundle';
import { runBundle } from '../../harness/server-process';
import { requestedAt } from '../receiver-fixture';

const API_TOKEN = randomBytes(20).toString('hex');

describe('register with Gitea', () => {
  const children: ChildProcess[] = [];
  let dir: string;
  let gitea: FakeGitea;
  let site: Site;
  const env = { GITEA_TOKEN: API_TOKEN };
  const args = (...more: string[]): string[] => ['--base', site.base, '--receivers', site.dist, '--secrets-dir', site.secrets, '--api-url', gitea.origin, ...more];

  beforeAll(async () => {
    buildServerBundle();
    dir = fs.mkdtempSync(path.join(os.tmpdir(), 'register-gitea-'));
    gitea = new FakeGitea(['org/webapp', 'org/private'], ['org']);
    gitea.tokens.set(API_TOKEN, { scopes: ['write:repository', 'write:organization'], admin: ['org/webapp', 'org'] });
    await gitea.start();
    site = await startSite(dir, 'register-gitea', 'https://127.0.0.1/org/webapp.git', ReceiverProvider.gitea({ events: ['push'] }));
    children.push(site.server);
  });

  afterAll(async () => {
    for (const child of children) if (child.exitCode === null) child.kill('SIGKILL');
    await gitea?.close();
    fs.rmSync(dir, { recursive: true, force: true });
  });

  test('create, a signed push reconciles the GitRepository, a second run changes nothing, changed events are updated', async () => {
    const dry = await runCommand(runRegister, args('--dry-run'), '', env);
    expect(dry.stdout).toMatch(/^create +Gitea repository org\/webapp: hook → http:\/\/127\.0\.0\.1:\d+\/hook\/[0-9a-f]{8}… for register-gitea-\S+\/webapp \(events push; secret: key 'token'\)\n/);
    expect(gitea.writes()).toEqual([]);

    const run = await runBundle(['register', ...args()], env);
    expect(run).toMatchObject({ code: 0, stderr: '' });
    expect(run.stdout).not.toContain('test delivery');
    const [hook] = gitea.hooksOf('repos:org/webapp');
    expect(hook).toEqual({ id: hook.id, type: 'gitea', active: true, events: ['push'], config: { url: site.url, content_type: 'json', secret: site.token } });
    expect(gitea.calls.every((c) => c.headers.authorization === `token ${API_TOKEN}`)).toBe(true);
    expect(await requestedAt(site.ns, 'webapp')).toBeUndefined();
    expect((await gitea.deliver(hook, 'push', { ref: 'refs/heads/main', repository: { full_name: 'org/webapp' } })).status).toBe(200);
    expect(await requestedAt(site.ns, 'webapp')).toBeDefined();
    for (const text of [run.stdout, run.stderr, site.output()]) {
      expect(text).not.toContain(API_TOKEN);
      expect(text).not.toContain(site.token);
    }

    gitea.calls.length = 0;
    expect((await runCommand(runRegister, args(), '', env)).stdout).toMatch(/^unchanged +Gitea repository org\/webapp: hook \d+ →/);
    expect(gitea.writes()).toEqual([]);

    hook.events = ['push', 'release'];
    const update = await runCommand(runRegister, args(), '', env);
    expect(update.stdout).toContain('[events push, release → push]');
    expect(gitea.writes().map((c) => `${c.method} ${c.path}`)).toEqual([`PATCH /api/v1/repos/org/webapp/hooks/${hook.id}`]);
    expect(hook.events).toEqual(['push']);
  });

  test('an organisation hook with --org', async () => {
    const run = await runCommand(runRegister, args('--org', 'org'), '', env);
    expect(run.stdout).toContain('create     Gitea organisation org: hook →');
    const [hook] = gitea.hooksOf('orgs:org');
    expect((await gitea.deliver(hook, 'push', { ref: 'refs/heads/main' })).status).toBe(200);
  });

  test('refusals: a token without write:repository, no admin rights, no --api-url', async () => {
    const readOnly = randomBytes(20).toString('hex');
    gitea.tokens.set(readOnly, { scopes: ['read:repository'], admin: ['org/webapp'] });
    const scope = await runCommand(runRegister, args('--update-secret'), '', { GITEA_TOKEN: readOnly });
    expect(scope.stderr).toContain('HTTP 403 (token does not have at least one of required scope(s): [write:repository]): the token lacks the scope write:repository: create one with it');
    expect(scope.code).toBe(1);
    const admin = await runCommand(runRegister, args('--repository', 'org/private'), '', env);
    expect(admin.stderr).toContain('the token\'s user needs admin rights on the repository');
    expect(admin.stderr + admin.stdout).not.toContain(API_TOKEN);
    await expect(runCommand(runRegister, ['--base', site.base, '--receivers', site.dist, '--secrets-dir', site.secrets], '', env))
      .rejects.toThrow('register: gitea receivers need --api-url https://<host> (the Gitea or Forgejo server)');
  });
});
