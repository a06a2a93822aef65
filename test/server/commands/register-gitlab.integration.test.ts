// `register` against a fake GitLab API on loopback, closing the loop through the bundled server:
// the project or group hook register creates carries the receiver's token in X-Gitlab-Token, and
// GitLab's test push reaches the receiver, which asks the GitRepository to reconcile.
import type { ChildProcess } from 'child_process';
import { randomBytes } from 'crypto';
import * as fs from 'fs';
import * as os from 'os';
import * as path from 'path';
import { runCommand } from './_command-io';
import { Site, startSite } from './_register-site';
import { FakeGitLab } from './fakes/gitlab';
import { runRegister } from '../../../server/commands/register';
import { ReceiverProvider } from '../../../src';
import { hookPath } from '../../../src/model';
import { buildServerBundle } from '../../harness/server-bundle';
import { runBundle } from '../../harness/server-process';
import { requestedAt } from '../receiver-fixture';

const API_TOKEN = `glpat-${randomBytes(12).toString('hex')}`;
const PROJECT = 'platform/apps/webapp';

describe('register with GitLab', () => {
  const children: ChildProcess[] = [];
  let dir: string;
  let gitlab: FakeGitLab;
  let site: Site;
  const env = { GITLAB_TOKEN: API_TOKEN };
  const args = (...more: string[]): string[] => ['--base', site.base, '--receivers', site.dist, '--secrets-dir', site.secrets, '--api-url', gitlab.origin, ...more];

  beforeAll(async () => {
    buildServerBundle();
    dir = fs.mkdtempSync(path.join(os.tmpdir(), 'register-gitlab-'));
    gitlab = new FakeGitLab([PROJECT, 'platform/busy', 'platform/locked'], ['platform']);
    gitlab.tokens.set(API_TOKEN, { scopes: ['api'], maintainer: [PROJECT, 'platform/busy', 'platform'] });
    await gitlab.start();
    site = await startSite(dir, 'register-gitlab', `https://127.0.0.1/${PROJECT}.git`, ReceiverProvider.gitlab({ events: ['Push Hook', 'Tag Push Hook'] }));
    children.push(site.server);
  });

  afterAll(async () => {
    for (const child of children) if (child.exitCode === null) child.kill('SIGKILL');
    await gitlab?.close();
    fs.rmSync(dir, { recursive: true, force: true });
  });

  const noSecrets = (...texts: string[]): void => {
    for (const text of [...texts, site.output()]) {
      expect(text).not.toContain(API_TOKEN);
      expect(text).not.toContain(site.token);
      expect(text).not.toContain(hookPath(site.token, 'webapp', site.ns));
    }
  };

  test('dry run, create, GitLab\'s test push reconciles the GitRepository, a push with the stored token too, a second run changes nothing', async () => {
    const dry = await runCommand(runRegister, args('--dry-run'), '', env);
    expect(dry.stdout).toMatch(/^create +GitLab repository platform\/apps\/webapp: hook → http:\/\/127\.0\.0\.1:\d+\/hook\/[0-9a-f]{8}… for register-gitlab-\S+\/webapp \(events push_events, tag_push_events; secret: key 'token'\)\n/);
    expect(gitlab.writes()).toEqual([]);

    const run = await runBundle(['register', ...args()], env);
    expect(run.stderr).toBe('');
    expect(run.stdout).toContain('test delivery: the receiver accepted GitLab\'s test push event (HTTP 201 from GitLab)');
    expect(run.code).toBe(0);
    const [hook] = gitlab.hooksOf(`projects:${PROJECT}`);
    expect(hook).toMatchObject({ url: site.url, token: site.token, enable_ssl_verification: true });
    expect(Object.entries(hook.flags).filter(([, on]) => on).map(([flag]) => flag)).toEqual(['push_events', 'tag_push_events']);
    expect(await requestedAt(site.ns, 'webapp')).toBeDefined();
    expect(gitlab.calls.every((c) => c.headers['private-token'] === API_TOKEN)).toBe(true);
    // The project is addressed by its URL-encoded full path.
    expect(gitlab.writes().map((c) => `${c.method} ${c.path}`)).toEqual([
      'POST /api/v4/projects/platform%2Fapps%2Fwebapp/hooks',
      `POST /api/v4/projects/platform%2Fapps%2Fwebapp/hooks/${hook.id}/test/push_events`,
    ]);

    const before = await requestedAt(site.ns, 'webapp');
    await new Promise((r) => setTimeout(r, 1100));
    expect((await gitlab.deliver(hook, 'tag_push_events', { object_kind: 'tag_push', ref: 'refs/tags/v1' })).status).toBe(200);
    expect(await requestedAt(site.ns, 'webapp')).not.toBe(before);
    noSecrets(run.stdout, run.stderr);

    gitlab.calls.length = 0;
    const again = await runCommand(runRegister, args(), '', env);
    expect(again.stdout).toMatch(/^unchanged +GitLab repository platform\/apps\/webapp: hook \d+ →/);
    expect(gitlab.writes()).toEqual([]);
  });

  test('changed events and TLS verification are updated with a PUT; the token is sent again', async () => {
    const [hook] = gitlab.hooksOf(`projects:${PROJECT}`);
    hook.flags.merge_requests_events = true;
    hook.enable_ssl_verification = false;
    hook.token = 'something-else';
    gitlab.calls.length = 0;
    const run = await runCommand(runRegister, args('--no-test'), '', env);
    expect(run.stdout).toContain('[TLS verification off; events merge_requests_events, push_events, tag_push_events → push_events, tag_push_events]');
    expect(gitlab.writes().map((c) => c.method)).toEqual(['PUT']);
    expect(hook).toMatchObject({ token: site.token, enable_ssl_verification: true });
    expect(hook.flags.merge_requests_events).toBe(false);
  });

  test('a group hook with --org, and hook lists read through X-Next-Page', async () => {
    gitlab.hookLimit = 500;
    for (let i = 0; i < 130; i++) gitlab.addHook('groups:platform', { url: `https://ci.example.com/${i}`, enable_ssl_verification: true, flags: { push_events: true } });
    gitlab.calls.length = 0;
    const run = await runCommand(runRegister, args('--org', 'platform'), '', env);
    expect(run.stdout).toContain('create     GitLab organisation platform: hook →');
    expect(run.stdout).toContain('test delivery: the receiver accepted GitLab\'s test push event');
    expect(run.code).toBe(0);
    expect(gitlab.calls.filter((c) => c.method === 'GET').map((c) => c.path).slice(0, 2))
      .toEqual(['/api/v4/groups/platform/hooks?per_page=100', '/api/v4/groups/platform/hooks?per_page=100&page=2']);
    expect(gitlab.hooksOf('groups:platform').filter((h) => h.url === site.url)).toHaveLength(1);
    gitlab.hookLimit = 100;
  });

  test('the receiver\'s refusal of GitLab\'s test push is reported, and the run fails', async () => {
    // Another app's receiver, not served here: the server answers 404 and GitLab reports it.
    const other = fs.readFileSync(path.join(site.dist, 'webhooks.k8s.yaml'), 'utf8').replace(/name: webapp\n(\s+)namespace/, 'name: elsewhere\n$1namespace');
    const otherDist = fs.mkdtempSync(path.join(dir, 'other-'));
    fs.writeFileSync(path.join(otherDist, 'app.yaml'), other);
    const run = await runCommand(runRegister, ['--base', site.base, '--receivers', otherDist, '--secrets-dir', site.secrets, '--api-url', gitlab.origin, '--name', 'elsewhere'], '', env);
    expect(run.stdout).toMatch(/create +GitLab repository platform\/apps\/webapp: hook → .* for register-gitlab-\S+\/elsewhere/);
    expect(run.stdout).toContain('test delivery: GitLab\'s test push event failed: HTTP 422 (');
    expect(run.code).toBe(1);
  });

  describe('refusals', () => {
    const refused = async (argv: string[], token = API_TOKEN): Promise<string> => {
      const run = await runCommand(runRegister, argv, '', { GITLAB_TOKEN: token });
      expect(run.code).toBe(1);
      noSecrets(run.stdout, run.stderr);
      expect(run.stderr).not.toContain(token);
      return run.stderr;
    };

    test('401, a token without the api scope, a user below Maintainer, no such project', async () => {
      expect(await refused(args(), 'glpat-unknown')).toContain('HTTP 401 (401 Unauthorized): the token is not accepted (expired, revoked or mistyped?): set GITLAB_TOKEN or --api-token-file');
      const readOnly = `glpat-${randomBytes(6).toString('hex')}`;
      gitlab.tokens.set(readOnly, { scopes: ['read_api'], maintainer: [PROJECT] });
      expect(await refused(args('--update-secret', '--no-test'), readOnly)).toContain('HTTP 403 (The request requires higher privileges than provided by the access token.): the token lacks the scope api');
      expect(await refused(args('--repository', 'platform/locked'))).toContain('HTTP 403 (403 Forbidden): the token\'s user needs the Maintainer role on the project to manage its hooks');
      expect(await refused(args('--repository', 'platform/ghost'))).toContain('HTTP 404 (404 Project Not Found): no such project on 127.0.0.1:');
    });

    test('422: the hook limit and a blocked URL', async () => {
      gitlab.hookLimit = 0;
      expect(await refused(args('--repository', 'platform/busy')))
        .toContain('HTTP 422 (Maximum number of project hooks (0) exceeded): the project has as many hooks as GitLab allows; remove one it no longer needs');
      gitlab.hookLimit = 100;
      const run = await runCommand(runRegister, ['--base', 'http://localhost:1', '--receivers', site.dist, '--secrets-dir', site.secrets, '--api-url', gitlab.origin, '--repository', 'platform/busy'], '', env);
      expect(run.stderr).toContain('HTTP 422 (url is blocked: Requests to localhost are not allowed): GitLab must be able to reach the URL: pass --base with the public https host of the receiver');
      expect(gitlab.hooksOf('projects:platform/busy')).toEqual([]);
    });

    test('429: waits for Retry-After and says so', async () => {
      gitlab.rateLimited = 1;
      const run = await runCommand(runRegister, args('--dry-run'), '', env);
      expect(run.stderr).toMatch(/^GitLab rate limit reached \(HTTP 429\): waiting 1 s, until \d\d:\d\d:\d\d UTC\n$/);
      expect(run.code).toBe(0);
    });
  });
});
