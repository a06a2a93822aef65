// Log amplification: a sender controls the event name, the delivery id and (through payload
// fields) the description of its request's log line. What the process actually wrote to stdout
// (after its 50 ms flush) is read back: every value is cut at 1,024 characters, says how much was
// dropped, and a whole line stays under 8 KiB whatever the request carried.
import { createHmac } from 'crypto';
import { createLogger } from '../../../server/observability/logger';
import { hookPath } from '../../../src/model';
import { createTestNamespace } from '../../harness/kube';
import { BundleProcess } from '../../harness/server-process';
import { createGitRepositories, receiver, send } from '../receiver-fixture';

const CUT = 1024;

describe('log lines are bounded whatever the request carries (bundled process, flushed stdout)', () => {
  let ns: string;
  let server: BundleProcess;

  beforeAll(async () => {
    ns = await createTestNamespace('logbounds');
    await createGitRepositories(ns, [{ name: 'app' }]);
    server = await BundleProcess.start({
      tokens: { dh: 'dockerhub-token', gh: 'github-token' },
      receivers: [
        receiver('dh', ns, { type: 'dockerhub', secretRef: { name: 'dh' }, resources: [{ kind: 'GitRepository', name: 'app' }] }),
        receiver('gh', ns, { type: 'github', secretRef: { name: 'gh' }, resources: [{ kind: 'GitRepository', name: 'app' }] }),
      ],
    });
  });

  afterAll(async () => {
    await server?.stop();
  });

  /** The line of the request whose field `key` starts with `prefix`, once flushed. */
  async function flushedLine(key: string, prefix: string): Promise<{ line: Record<string, any>; raw: string }> {
    const deadline = Date.now() + 5000;
    while (Date.now() < deadline) {
      const raw = server.output.split('\n').find((l) => l.startsWith('{') && String(JSON.parse(l)[key] ?? '').startsWith(prefix));
      if (raw) return { line: JSON.parse(raw), raw };
      await new Promise((r) => setTimeout(r, 20));
    }
    throw new Error(`no flushed log line with ${key} starting ${JSON.stringify(prefix)}:\n${server.output.slice(0, 2000)}`);
  }

  test('a 3 MiB repo_url (dockerhub, no signature needed) gives a description of 1,024 characters plus the count dropped', async () => {
    const url = 'https://example.com/' + 'a'.repeat(3 * 1024 * 1024 - 200);
    const body = JSON.stringify({ push_data: { tag: 'v1' }, repository: { repo_url: url } });
    expect(body.length).toBeLessThanOrEqual(3 * 1024 * 1024);
    const res = await send(server.url(hookPath('dockerhub-token', 'dh', ns)), { headers: { 'Content-Type': 'application/json' }, body });
    expect(res.status).toBe(200);
    const { line, raw } = await flushedLine('description', 'handling DockerHub event from https://example.com/aaa');
    const full = `handling DockerHub event from ${url} for tag v1`;
    expect(line.description).toBe(`${full.slice(0, CUT)}…(${full.length - CUT} more characters)`);
    expect(raw.length).toBeLessThan(8192);
  });

  test('a 100 KiB event name and delivery id (github, signed) are cut the same way', async () => {
    const body = '{}';
    const event = 'e'.repeat(100 * 1024);
    const delivery = 'd'.repeat(100 * 1024);
    const res = await send(server.url(hookPath('github-token', 'gh', ns)), {
      headers: {
        'Content-Type': 'application/json',
        'X-GitHub-Event': event,
        'X-GitHub-Delivery': delivery,
        'X-Hub-Signature-256': `sha256=${createHmac('sha256', 'github-token').update(body).digest('hex')}`,
      },
      body,
    });
    expect(res.status).toBe(200);
    const { line, raw } = await flushedLine('deliveryId', 'ddd');
    expect(line.event).toBe(`${'e'.repeat(CUT)}…(${100 * 1024 - CUT} more characters)`);
    expect(line.deliveryId).toBe(`${'d'.repeat(CUT)}…(${100 * 1024 - CUT} more characters)`);
    expect(line.description).toBe(`handling GitHub event: ${'e'.repeat(CUT - 23)}…(${100 * 1024 + 23 - CUT} more characters)`);
    expect(raw.length).toBeLessThan(8192);
  });

  test('a rejected request with a huge bad signature and event: the error is bounded too', async () => {
    const res = await send(server.url(hookPath('github-token', 'gh', ns)), {
      headers: { 'Content-Type': 'application/json', 'X-GitHub-Event': 'x'.repeat(100_000), 'X-Hub-Signature-256': `sha256=${'0'.repeat(100_000)}` },
      body: '{}',
    });
    expect(res.status).toBe(400);
    const { raw } = await flushedLine('error', 'unable to validate payload: the GitHub signature header is invalid');
    expect(raw.length).toBeLessThan(8192);
  });
});

describe('the logger backstop', () => {
  test('no top-level string field of any line exceeds 4,096 characters; shorter ones are untouched', () => {
    const lines: string[] = [];
    const log = createLogger('debug', (l) => lines.push(l));
    log.warn('cache failed', { error: 'x'.repeat(10_000), short: 'y'.repeat(4096), count: 3 });
    const line = JSON.parse(lines[0]);
    expect(line.error).toBe(`${'x'.repeat(4096)}…(5904 more characters)`);
    expect(line.short).toBe('y'.repeat(4096));
    expect(line.count).toBe(3);
  });
});
