// Part 3, outage and restart of the API server (the command's own kube-apiserver; etcd keeps
// running): first SIGSTOP for longer than the 10 s patch timeout, then SIGCONT; then SIGKILL and
// a restart on the same port and etcd data (test/harness/apiserver.ts). Deliveries keep coming
// meanwhile: during each outage none may get a 2xx and each is answered within the timeout;
// after it, deliveries get 2xx again, backed by stored values. /readyz is polled throughout.
import * as fs from 'fs';
import { Ledger, Outcome, PartContext, sendOnce, signedRequest } from './fleet';
import { MonitoredServer } from './monitored-server';
import { Check, histogram, PartResult } from './report';
import { statusOf } from '../../test/harness/http';

export interface OutageOptions {
  /** How long the apiserver stays stopped (longer than the 10 s patch timeout). */
  readonly pauseSeconds: number;
  /** How long it stays killed before the restart. */
  readonly downSeconds: number;
}

/** A delivery waits at most this long for a patch (docs/server.md, Coalescing), plus scheduling slack. */
const PATCH_TIMEOUT_MS = 10_000;
const ANSWER_SLACK_MS = 1_000;

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

interface Phase {
  readonly name: string;
  readonly from: number;
  to: number;
  readonly outcomes: Outcome[];
  readonly readiness: Map<string, number>;
}

export async function outagePart(ctx: PartContext, options: OutageOptions): Promise<PartResult> {
  const started = Date.now();
  const { fleet, api } = ctx;
  const server = await MonitoredServer.start(fleet, api.kubeconfigPath);
  const port = server.proc.ports.webhook;
  const phases: Phase[] = [];
  let phase: Phase | undefined;
  const begin = (name: string): Phase => {
    if (phase) phase.to = Date.now();
    phase = { name, from: Date.now(), to: Infinity, outcomes: [], readiness: new Map() };
    phases.push(phase);
    return phase;
  };
  // 500 is the documented answer to a delivery sent during an outage or before recovery.
  const outageWindows: Array<{ from: number; to: number }> = [];
  const ledger = new Ledger((o) => o.status === 500 && outageWindows.some((w) => o.sentAt >= w.from && o.sentAt <= w.to));
  const targets = [fleet.receiver('gh'), fleet.receiver('gen')];
  const pending: Array<Promise<void>> = [];
  /** One signed delivery to each target receiver, recorded in the current phase. */
  const deliverAll = (): Promise<Outcome[]> => {
    const current = phase!;
    const p = Promise.all(targets.map(async (r) => {
      const o = await sendOnce(port, signedRequest(fleet, r), { receiver: r, what: `${current.name} ${r.name}` });
      ledger.record(o);
      current.outcomes.push(o);
      return o;
    }));
    pending.push(p.then(() => undefined));
    return p;
  };
  /** Deliveries every `everyMs` (not waiting for answers) for `ms`. */
  const deliverFor = async (ms: number, everyMs: number): Promise<void> => {
    const end = Date.now() + ms;
    while (Date.now() < end) {
      void deliverAll();
      await sleep(everyMs);
    }
  };
  /** Deliveries until one round is all 2xx; the seconds from `since` to that answer. */
  const recover = async (since: number, timeoutMs: number): Promise<number | undefined> => {
    while (Date.now() - since < timeoutMs) {
      const outcomes = await deliverAll();
      if (outcomes.every((o) => o.status === 200)) return (Math.max(...outcomes.map((o) => o.answeredAt)) - since) / 1000;
      await sleep(500);
    }
    return undefined;
  };
  let polling = true;
  const poller = (async () => {
    while (polling) {
      const status = await statusOf(`http://127.0.0.1:${server.proc.ports.health}/readyz`);
      if (phase) phase.readiness.set(String(status), (phase.readiness.get(String(status)) ?? 0) + 1);
      await sleep(500);
    }
  })();

  try {
    begin('before');
    for (let i = 0; i < 3; i++) await deliverAll();

    ctx.log(`outage: SIGSTOP kube-apiserver for ${options.pauseSeconds} s`);
    api.apiserverProcess.signal('SIGSTOP');
    await _stopped(api.apiserverProcess.pid);
    const paused = begin('apiserver stopped');
    outageWindows.push({ from: paused.from, to: Infinity });
    await deliverFor(options.pauseSeconds * 1000, 1000);
    api.apiserverProcess.signal('SIGCONT');
    const resumedAt = Date.now();
    begin('after SIGCONT');
    const pauseRecovery = await recover(resumedAt, 60_000);
    outageWindows[0].to = Date.now();
    for (let i = 0; i < 3; i++) await deliverAll();

    ctx.log(`outage: SIGKILL kube-apiserver, restart after ${options.downSeconds} s`);
    const killed = begin('apiserver killed');
    outageWindows.push({ from: killed.from, to: Infinity });
    await api.apiserverProcess.kill();
    const killedAt = Date.now();
    await deliverFor(options.downSeconds * 1000, 1000);
    const restarting = Date.now();
    begin('apiserver restarting');
    const restart = api.apiserverProcess.restart();
    while (await Promise.race([restart.then(() => false), sleep(1000).then(() => true)])) void deliverAll();
    await restart;
    const restartSeconds = (Date.now() - restarting) / 1000;
    const restartedAt = Date.now();
    begin('after restart');
    const restartRecovery = await recover(restartedAt, 90_000);
    outageWindows[1].to = Date.now();
    for (let i = 0; i < 3; i++) await deliverAll();
    await Promise.all(pending);
    phase!.to = Date.now();
    polling = false;
    await poller;
    await sleep(2000);

    const ok = (o: Outcome) => o.status >= 200 && o.status < 300;
    const all = phases.flatMap((p) => p.outcomes);
    // A delivery sent during an outage may still get a 2xx once the apiserver is back, when its
    // patch was already on the wire (a stopped apiserver applies it on SIGCONT; every 2xx is
    // checked against the stored values). Answered while it is away, a delivery can only fail.
    const answeredIn = (w: { from: number; to: number }) => all.filter((o) => o.answeredAt >= w.from && o.answeredAt <= w.to);
    const inPause = answeredIn({ from: paused.from, to: resumedAt });
    const inDown = answeredIn({ from: killedAt, to: restarting });
    const sentInPause = all.filter((o) => o.sentAt >= paused.from && o.sentAt <= resumedAt);
    const slowest = Math.max(...sentInPause.map((o) => o.answeredAt - o.sentAt));
    const during = phases.filter((p) => p.name.startsWith('apiserver'));
    const readinessDuring = new Map<string, number>();
    for (const p of during) for (const [k, n] of p.readiness) readinessDuring.set(k, (readinessDuring.get(k) ?? 0) + n);
    const checks: Check[] = [
      ...server.commonChecks(ledger, ctx.stored),
      { name: 'deliveries answered while the apiserver is stopped: all 5xx', pass: inPause.length > 0 && !inPause.some(ok), detail: histogram(_histogram(inPause)) + inPause.filter(ok).slice(0, 3).map((o) => `; ${o.what} sent ${((o.sentAt - paused.from) / 1000).toFixed(3)} s after SIGSTOP, answered ${((o.answeredAt - resumedAt) / 1000).toFixed(3)} s from SIGCONT`).join('') },
      { name: 'deliveries answered while the apiserver is killed: all 5xx', pass: inDown.length > 0 && !inDown.some(ok), detail: histogram(_histogram(inDown)) },
      { name: `every delivery sent to a stopped apiserver answered within ${(PATCH_TIMEOUT_MS + ANSWER_SLACK_MS) / 1000} s`, pass: slowest <= PATCH_TIMEOUT_MS + ANSWER_SLACK_MS, detail: `${sentInPause.length} deliveries, slowest ${(slowest / 1000).toFixed(1)} s; answered after SIGCONT: ${histogram(_histogram(sentInPause.filter((o) => o.answeredAt > resumedAt)))}` },
      { name: 'deliveries get 2xx again after SIGCONT', pass: pauseRecovery !== undefined, detail: pauseRecovery === undefined ? 'not within 60 s' : `first all-2xx round answered ${pauseRecovery.toFixed(1)} s after SIGCONT` },
      { name: 'deliveries get 2xx again after the restart', pass: restartRecovery !== undefined, detail: restartRecovery === undefined ? 'not within 90 s' : `first all-2xx round answered ${restartRecovery.toFixed(1)} s after the apiserver was ready again` },
      { name: '/readyz stays 200 during the outage (caches synced before it; docs/server.md, Health)', pass: [...readinessDuring.keys()].every((k) => k === '200'), detail: histogram(readinessDuring) },
    ];
    return {
      id: 'outage',
      title: '3. API server outage and restart',
      seconds: (Date.now() - started) / 1000,
      requests: ledger.requests,
      histogram: ledger.histogram,
      figures: [
        ...phases.map((p) => [`${p.name} (${((p.to - p.from) / 1000).toFixed(1)} s)`, `deliveries: ${histogram(_histogram(p.outcomes))}; /readyz: ${histogram(p.readiness)}`] as const),
        ['kube-apiserver restart (same port and etcd) until its /readyz', `${restartSeconds.toFixed(1)} s`],
      ],
      checks,
    };
  } finally {
    polling = false;
    api.apiserverProcess.signal('SIGCONT');
    await server.stop();
  }
}

function _histogram(outcomes: readonly Outcome[]): Map<string, number> {
  const h = new Map<string, number>();
  for (const o of outcomes) {
    const key = o.status === 0 ? 'no answer' : String(o.status);
    h.set(key, (h.get(key) ?? 0) + 1);
  }
  return h;
}

/** Waits until every thread of `pid` is stopped (state T): SIGSTOP reaches busy threads a little later. */
async function _stopped(pid: number): Promise<void> {
  const deadline = Date.now() + 5000;
  while (Date.now() < deadline) {
    const states = fs.readdirSync(`/proc/${pid}/task`).map((tid) => {
      const stat = fs.readFileSync(`/proc/${pid}/task/${tid}/stat`, 'utf8');
      return stat.slice(stat.lastIndexOf(')') + 2, stat.lastIndexOf(')') + 3);
    });
    if (states.every((st) => st === 'T')) return;
    await sleep(5);
  }
  throw new Error(`kube-apiserver (pid ${pid}) did not stop within 5 s of SIGSTOP`);
}
