// Part 5, hostile CEL input: receivers whose filters an operator could plausibly write (a branch
// pattern with a nested repeat, a commit-message search, `replace`, `sets`), and signed pushes
// built to make a backtracking engine or a quadratic loop take minutes: branch names of up to
// 100,000 characters ending in `!`, commit messages of up to 1,000,000 characters, lists of
// 100,000 file names. Each push is sent while a second client asks /healthz back to back. Every
// push must be answered 200 within a second, with the filter's own verdict (the target annotated
// exactly when it should be), and no health check may wait a second.
import { createHmac } from 'crypto';
import type { PartContext } from './fleet';
import { Check, PartResult } from './report';
import { hookPath } from '../../src/model';
import { send, statusOf } from '../../test/harness/http';
import { createTestNamespace } from '../../test/harness/kube';
import { BundleProcess } from '../../test/harness/server-process';
import { createGitRepositories, receiver, requestedAt } from '../../test/server/receiver-fixture';

const LIMIT_MS = 1000;
const TOKEN = 'hostile-cel-token';

interface HostileCase {
  readonly label: string;
  /** The filter of FILTERS the case's receiver uses. */
  readonly filter: string;
  readonly body: Record<string, unknown>;
  /** Whether the filter lets the target through. */
  readonly passes: boolean;
}

const FILTERS: Readonly<Record<string, string>> = {
  branch: "req.ref.matches('^refs/heads/(release|hotfix)/([a-z0-9]+[-.]?)*[a-z0-9]+$')",
  message: "req.head_commit.message.matches('.*\\\\[deploy\\\\].*')",
  spaced: "req.head_commit.message.replace('', ' ').size() > 0 && req.head_commit.message.contains('[deploy]')",
  files: "sets.intersects(req.head_commit.modified, ['deploy/app.yaml'])",
};

function cases(): HostileCase[] {
  const out: HostileCase[] = [];
  for (const n of [24, 28, 30, 1_000, 10_000, 100_000]) {
    out.push({ label: `branch: refs/heads/release/ + ${n.toLocaleString('en-US')} × a + !`, filter: 'branch', body: { ref: `refs/heads/release/${'a'.repeat(n)}!` }, passes: false });
  }
  out.push({ label: 'branch: refs/heads/release/ + 100,000 × a', filter: 'branch', body: { ref: `refs/heads/release/${'a'.repeat(100_000)}` }, passes: true });
  for (const n of [60_000, 1_000_000]) {
    out.push({ label: `message: ${n.toLocaleString('en-US')} characters, no [deploy]`, filter: 'message', body: { ref: 'refs/heads/main', head_commit: { message: 'x'.repeat(n) } }, passes: false });
  }
  out.push({ label: 'message: 1,000,000 characters, then [deploy]', filter: 'message', body: { ref: 'refs/heads/main', head_commit: { message: `${'x'.repeat(1_000_000)} [deploy]` } }, passes: true });
  out.push({ label: "replace(''): 1,000,000-character message", filter: 'spaced', body: { ref: 'refs/heads/main', head_commit: { message: `${'x'.repeat(1_000_000)}[deploy]` } }, passes: true });
  const files = Array.from({ length: 100_000 }, (_, i) => `src/file-${i}.ts`);
  out.push({ label: 'sets.intersects: 100,000 modified files, none watched', filter: 'files', body: { ref: 'refs/heads/main', head_commit: { modified: files } }, passes: false });
  out.push({ label: 'sets.intersects: 100,000 modified files, the last watched', filter: 'files', body: { ref: 'refs/heads/main', head_commit: { modified: [...files, 'deploy/app.yaml'] } }, passes: true });
  return out;
}

export async function hostileCelPart(ctx: PartContext): Promise<PartResult> {
  const started = Date.now();
  const namespace = await createTestNamespace('hostile-cel');
  const all = cases();
  const checks: Check[] = [];
  const figures: Array<[string, string]> = [];
  const histogram = new Map<string, number>();
  // One receiver and one target per case: whether the filter let the push through is read from
  // that target's annotation.
  const name = (i: number) => `case-${i}`;
  await createGitRepositories(namespace, all.map((_, i) => ({ name: name(i) })));
  const server = await BundleProcess.start({
    tokens: { tok: TOKEN },
    receivers: all.map((c, i) => receiver(name(i), namespace, { type: 'github', events: ['push'], secretRef: { name: 'tok' }, resourceFilter: FILTERS[c.filter], resources: [{ kind: 'GitRepository', name: name(i) }] })),
  });
  let requests = 0;
  try {
    for (const [i, c] of all.entries()) {
      const payload = JSON.stringify(c.body);
      let done = false;
      let worstHealthMs = 0;
      const health = (async () => {
        while (!done) {
          const t0 = Date.now();
          const status = await statusOf(`http://127.0.0.1:${server.ports.health}/healthz`);
          worstHealthMs = Math.max(worstHealthMs, status === 200 ? Date.now() - t0 : Infinity);
        }
      })();
      const t0 = Date.now();
      const answer = await send(server.url(hookPath(TOKEN, name(i), namespace)), {
        headers: { 'Content-Type': 'application/json', 'X-GitHub-Event': 'push', 'X-Hub-Signature-256': `sha256=${createHmac('sha256', TOKEN).update(payload).digest('hex')}` },
        body: payload,
      });
      const answerMs = Date.now() - t0;
      done = true;
      await health;
      requests++;
      histogram.set(String(answer.status), (histogram.get(String(answer.status)) ?? 0) + 1);
      const annotated = (await requestedAt(namespace, name(i))) !== undefined;
      figures.push([c.label, `${answer.status} in ${answerMs} ms (${Buffer.byteLength(payload).toLocaleString('en-US')} bytes); slowest /healthz meanwhile ${worstHealthMs} ms`]);
      checks.push({
        name: `${c.label}: 200 within ${LIMIT_MS} ms, target ${c.passes ? 'annotated' : 'left alone'}, /healthz under ${LIMIT_MS} ms`,
        pass: answer.status === 200 && answerMs < LIMIT_MS && annotated === c.passes && worstHealthMs < LIMIT_MS,
        detail: `${answer.status} in ${answerMs} ms; annotated: ${annotated}; slowest /healthz ${worstHealthMs} ms`,
      });
      ctx.log(`hostile-cel: ${c.label}: ${answer.status} in ${answerMs} ms, /healthz at most ${worstHealthMs} ms`);
    }
  } finally {
    await server.stop();
  }
  return { id: 'hostile-cel', title: '5. Hostile CEL input', seconds: (Date.now() - started) / 1000, requests, histogram, figures, checks };
}
