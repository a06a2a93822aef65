// Hostile input for CEL filters (bundled process, real apiserver): a branch name or a commit
// message written to make a backtracking regex engine take exponential time. `matches()` runs on
// RE2, so each such push is answered like any other, the filter decides, and health checks and
// other receivers are answered meanwhile. The answer times are figures of `npx projen
// reliability --parts hostile-cel` (docs/reliability.md), not asserted here.
import { createHmac } from 'crypto';
import { hookPath } from '../../../src/model';
import { statusOf } from '../../harness/http';
import { createTestNamespace } from '../../harness/kube';
import { BundleProcess } from '../../harness/server-process';
import { createGitRepositories, receiver, requestedAt, send } from '../receiver-fixture';

const BRANCH_FILTER = "req.ref.matches('^refs/heads/(release|hotfix)/([a-z0-9]+[-.]?)*[a-z0-9]+$')";
const MESSAGE_FILTER = "req.head_commit.message.matches('.*\\\\[deploy\\\\].*')";

describe('hostile input for matches() filters (bundled process)', () => {
  let ns: string;
  let server: BundleProcess;

  const push = (name: string, token: string, body: Record<string, unknown>) => {
    const payload = JSON.stringify(body);
    return send(server.url(hookPath(token, name, ns)), {
      headers: {
        'Content-Type': 'application/json',
        'X-GitHub-Event': 'push',
        'X-Hub-Signature-256': `sha256=${createHmac('sha256', token).update(payload).digest('hex')}`,
      },
      body: payload,
    });
  };

  /** /healthz and a delivery to another receiver, sent again and again while `work` runs. */
  async function whileRunning<T>(work: Promise<T>): Promise<{ result: T; health: number[]; other: number[] }> {
    let done = false;
    const health: number[] = [];
    const other: number[] = [];
    const poll = (async () => {
      while (!done) {
        health.push(await statusOf(`http://127.0.0.1:${server.ports.health}/healthz`));
        other.push((await push('plain', 'plain-token', { ref: 'refs/heads/main' })).status);
      }
    })();
    const result = await work;
    done = true;
    await poll;
    return { result, health, other };
  }

  beforeAll(async () => {
    ns = await createTestNamespace('hostile-cel');
    await createGitRepositories(ns, [{ name: 'release' }, { name: 'deploy' }, { name: 'plain' }]);
    server = await BundleProcess.start({
      tokens: { branch: 'branch-token', message: 'message-token', plain: 'plain-token' },
      receivers: [
        receiver('branch', ns, { type: 'github', events: ['push'], secretRef: { name: 'branch' }, resourceFilter: BRANCH_FILTER, resources: [{ kind: 'GitRepository', name: 'release' }] }),
        receiver('message', ns, { type: 'github', events: ['push'], secretRef: { name: 'message' }, resourceFilter: MESSAGE_FILTER, resources: [{ kind: 'GitRepository', name: 'deploy' }] }),
        receiver('plain', ns, { type: 'github', events: ['push'], secretRef: { name: 'plain' }, resources: [{ kind: 'GitRepository', name: 'plain' }] }),
      ],
    });
  });

  afterAll(async () => {
    await server?.stop();
  });

  test.each([30, 10_000])('a signed push to refs/heads/release/ + %i × "a" + "!" is answered 200 with the filter false; health checks and another receiver sent alongside get 200', async (n) => {
    const { result, health, other } = await whileRunning(push('branch', 'branch-token', { ref: `refs/heads/release/${'a'.repeat(n)}!` }));
    expect(result.status).toBe(200);
    expect(await requestedAt(ns, 'release')).toBeUndefined();
    expect(health.every((s) => s === 200)).toBe(true);
    expect(other.every((s) => s === 200)).toBe(true);
  });

  test('the same branch without the "!" passes the filter: the target is annotated', async () => {
    expect((await push('branch', 'branch-token', { ref: `refs/heads/release/${'a'.repeat(10_000)}` })).status).toBe(200);
    expect(await requestedAt(ns, 'release')).toBeDefined();
  });

  test('a 60,000-character commit message without [deploy] is answered 200 with the filter false; one with it annotates', async () => {
    const { result, health } = await whileRunning(push('message', 'message-token', { ref: 'refs/heads/main', head_commit: { message: 'x'.repeat(60_000) } }));
    expect(result.status).toBe(200);
    expect(health.every((s) => s === 200)).toBe(true);
    expect(await requestedAt(ns, 'deploy')).toBeUndefined();
    expect((await push('message', 'message-token', { ref: 'refs/heads/main', head_commit: { message: `${'x'.repeat(60_000)} [deploy]` } })).status).toBe(200);
    expect(await requestedAt(ns, 'deploy')).toBeDefined();
  });
});
