// The benchmark report: which runs count, the this-server-vs-notification-controller rows, and the
// PATCH accounting of a target that reports canceled PATCHes. Pure functions, no servers.
import type { LoadResult } from '../../../bench/server/load';
import { CaseRuns, MemoryRow, renderMarkdown, RunAccounting, RunFacts, verdicts } from '../../../bench/server/report';

function run(rps: number, statusCodes: Record<string, number>): LoadResult {
  const total = Object.values(statusCodes).reduce((a, b) => a + b, 0);
  return { requestsPerSecond: rps, p50Ms: 1, p99Ms: 5, total, statusCodes, errors: 0, timeouts: 0 };
}

function cases(target: CaseRuns['target'], label: string, caseId: CaseRuns['caseId'], expectedStatus: number,
  runs: LoadResult[], accounting: RunAccounting[] = runs.map(() => ({}))): CaseRuns {
  return { target, label, caseId, expectedStatus, runs, accounting, quietSeconds: runs.map(() => 0.3) };
}

const receiverRejected = cases('receiver', 'this server', 'rejected', 400, [run(9000, { 400: 18000 }), run(11000, { 400: 22000 }), run(10000, { 400: 20000 })]);
const receiverAccepted = cases('receiver', 'this server', 'accepted', 200, [run(1800, { 200: 3600 }), run(2000, { 200: 4000 }), run(2200, { 200: 4400 })]);
const ncRejected = cases('nc', 'notification-controller v1.9.3', 'rejected', 400, [run(2000, { 400: 4000 }), run(3000, { 400: 6000 }), run(2500, { 400: 5000 })]);
const ncAccepted = cases('nc', 'notification-controller v1.9.3', 'accepted', 200, [run(80, { 200: 160 }), run(100, { 200: 200 }), run(90, { 200: 180 })], [
  { serverAccepted: 161, patches: 161, patchErrors: 0, patchesCanceled: 6, updatesSeen: 163 },
  { serverAccepted: 201, patches: 201, patchErrors: 0, patchesCanceled: 5, updatesSeen: 203 },
  { serverAccepted: 181, patches: 181, patchErrors: 0, patchesCanceled: 6, updatesSeen: 182 },
]);
const memory: MemoryRow[] = [
  { target: 'receiver', label: 'this server', idleRssBytes: 97_900_000, restRssBytes: 95_400_000, peakRssBytes: 133_100_000 },
  { target: 'nc', label: 'notification-controller v1.9.3', idleRssBytes: 84_100_000, restRssBytes: 83_000_000, peakRssBytes: 99_600_000 },
];

const facts: RunFacts = {
  command: 'npx projen bench:server',
  date: '2026-11-30T02:05:15Z',
  commit: 'abc1234',
  nproc: 2,
  cpuModel: 'cpu',
  node: 'v20.20.2',
  kubernetes: 'v1.36.3',
  etcd: '3.6.8',
  webhookVersion: 'not run',
  notificationController: 'v1.9.3 (go1.26.8)',
  connections: 20,
  durationSeconds: 6,
  warmupSeconds: 2,
  rounds: 3,
  settleSeconds: 5,
  restSeconds: 30,
  fixtureBytes: 4765,
  serverLogLevel: 'info',
  loadBefore: '1 1 1',
  loadAfter: '2 2 2',
  probes: { 'this server': '200 / 400', 'notification-controller v1.9.3': '200 / 400' },
};

describe('bench:server report', () => {
  test('this server against notification-controller: ratios of the medians, idle RSS at rest side by side, no target to meet', () => {
    const rows = verdicts([receiverRejected, receiverAccepted, ncRejected, ncAccepted], memory);
    const byName = (name: string) => rows.find((r) => r.name === name);
    expect(byName('Rejected: this server / notification-controller (req/s)')).toMatchObject({ measured: '4.00×', target: '—', comparison: true });
    expect(byName('Accepted: this server / notification-controller (req/s)')).toMatchObject({ measured: '22.22×', target: '—', comparison: true });
    expect(byName('Idle RSS at rest: this server / notification-controller')).toMatchObject({ measured: '95.4 MB / 83.0 MB = 1.15×', comparison: true });

    const markdown = renderMarkdown(facts, [receiverRejected, receiverAccepted, ncRejected, ncAccepted], memory);
    expect(markdown).toContain('| Rejected: this server / notification-controller (req/s) | 4.00× | — | — |');
    expect(markdown).toContain('| Idle RSS at rest: this server / notification-controller | 95.4 MB / 83.0 MB = 1.15× | — | — |');
    expect(markdown).toContain('Flux notification-controller v1.9.3 (go1.26.8)');
    expect(markdown).toContain('| Target | Idle RSS 5 s after start-up | Idle RSS at rest (30 s) | Peak RSS (VmHWM, end of run) |');
    expect(markdown).toContain('| notification-controller v1.9.3 | 84.1 MB | 83.0 MB | 99.6 MB |');
  });

  test('the idle RSS target is held to the reading at rest, not the one right after start-up', () => {
    const idle = (startUp: number, rest: number) =>
      verdicts([], [{ target: 'receiver', label: 'this server', idleRssBytes: startUp, restRssBytes: rest, peakRssBytes: 1 }])
        .find((v) => v.name === 'Idle RSS of this server (at rest)');
    expect(idle(61_000_000, 55_200_000)).toMatchObject({ measured: '55.2 MB', target: '≤ 60 MB', met: true });
    expect(idle(55_000_000, 60_100_000)).toMatchObject({ measured: '60.1 MB', met: false });
  });

  test('PATCHes the target canceled are shown apart from the ones it sent', () => {
    const markdown = renderMarkdown(facts, [ncAccepted], memory);
    expect(markdown).toContain('| notification-controller v1.9.3 | 540 | 543 | 543 (+17 canceled) | 548 | 1.0 |');
  });

  test('a case counts only when every response has the status expected of that target', () => {
    // The expected status is the target's, not a fixed 400 (adnanh/webhook rejects with 500).
    const rejects500 = cases('nc', 'notification-controller v1.9.3', 'rejected', 500, [run(2000, { 500: 4000 })]);
    expect(verdicts([receiverRejected, rejects500], memory).find((v) => v.name === 'Rejected: this server / notification-controller (req/s)')!.measured).toBe('5.00×');

    // One 500 among notification-controller's rejected answers: the comparison is not made.
    const mixed = cases('nc', 'notification-controller v1.9.3', 'rejected', 400, [run(2000, { 400: 3999, 500: 1 })]);
    const row = verdicts([receiverRejected, mixed], memory).find((v) => v.name === 'Rejected: this server / notification-controller (req/s)')!;
    expect(row.measured).toBe('n/a');
    expect(renderMarkdown(facts, [receiverRejected, mixed], memory)).toContain('| Rejected: this server / notification-controller (req/s) | n/a | — | not measured |');
  });
});

describe('bench:server report: adnanh/webhook', () => {
  test('is a reference beside this server, not a target to meet (it answers before its command runs)', () => {
    const webhookAccepted = cases('webhook', 'adnanh/webhook', 'accepted', 200, [run(4000, { 200: 8000 })]);
    const row = verdicts([receiverAccepted, webhookAccepted], memory).find((v) => v.name === 'Accepted: this server / adnanh/webhook (req/s)');
    expect(row).toMatchObject({ target: '—', met: undefined, comparison: true });
    expect(row!.measured).toMatch(/^\d+\.\d\d×$/);
  });
});
