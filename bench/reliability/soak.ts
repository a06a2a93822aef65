// Part 2, soak: a steady mix for `--duration` seconds — signed deliveries to every receiver,
// forged ones, unknown paths, 2 MiB bodies, slow clients trickling their body over 4 s, and
// pipelined requests on connections that hang up — while RSS, heap, the in-flight gauge,
// event-loop delay and open fds are sampled every 5 s.
import { randomBytes } from 'crypto';
import * as net from 'net';
import { forgeable, Ledger, PartContext, sendOnce, signedRequest, signature, slowDelivery } from './fleet';
import { mib, MonitoredServer, Sample } from './monitored-server';
import { encodeRequest, RawConnection, RawRequest } from './raw-http';
import { Check, int, PartResult } from './report';
import { Rng } from './rng';

export interface SoakOptions {
  readonly durationSeconds: number;
  readonly seed: number;
}

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

function median(values: readonly number[]): number {
  const sorted = [...values].sort((a, b) => a - b);
  return sorted.length ? sorted[Math.floor(sorted.length / 2)] : NaN;
}

/** The last minute's median RSS may exceed the first half's highest sample by at most this factor. */
export const RSS_TREND_BOUND = 1.05;

export async function soakPart(ctx: PartContext, options: SoakOptions): Promise<PartResult> {
  const started = Date.now();
  const { fleet } = ctx;
  const server = await MonitoredServer.start(fleet, ctx.api.kubeconfigPath);
  const port = server.proc.ports.webhook;
  const ledger = new Ledger();
  const rng = new Rng(options.seed + 1);
  const stopAt = Date.now() + options.durationSeconds * 1000;
  const running = () => Date.now() < stopAt && server.alive();
  const counts = { slow: 0, slowOk: 0, large: 0, hangups: 0 };
  try {
    const idle = await server.sample();

    // ~40 requests/s from four keep-alive workers.
    const steady = async (): Promise<void> => {
      let conn: RawConnection | undefined;
      while (running()) {
        const r = rng.pick(fleet.receivers);
        const kind = rng.weighted({ signed: 45, forged: 20, unknown: 25, unclean: 10 });
        const forged = kind === 'forged' && forgeable(r);
        let request: RawRequest = signedRequest(fleet, r, forged);
        const exact = kind === 'signed' || kind === 'forged';
        if (kind === 'unknown') request = { ...request, target: `/hook/${rng.hex(64)}` };
        if (kind === 'unclean') request = { ...request, target: `/hook/./${r.path.slice('/hook/'.length)}` };
        if (kind === 'unknown') server.audit.sentHex.add(request.target.slice('/hook/'.length));
        if (!conn || conn.closed) conn = await RawConnection.open(port).catch(() => undefined);
        if (!conn) break;
        const a = await conn.send(encodeRequest(request));
        ledger.record({ status: a.status, closedBeforeBytes: a.closedBeforeBytes, truncated: a.truncated, retryAfter: a.headers['retry-after'], receiver: exact ? r : undefined, forged, sentAt: a.sentAt, answeredAt: a.answeredAt, what: `soak ${kind} ${r.name}` });
        if (a.status === 0) ledger.violate('every request answered', `soak ${kind} ${r.name}: ${a.error}`);
        if (a.headers.connection === 'close') conn.destroy();
        await sleep(100);
      }
      conn?.destroy();
    };

    // A 2 MiB body every 3 s: signed to the generic-hmac receiver, or to an unknown path.
    const large = async (): Promise<void> => {
      const hm = fleet.receiver('hm');
      for (let i = 0; running(); i++) {
        const body = Buffer.from(JSON.stringify({ pad: 'x'.repeat(2 * 1024 * 1024) }));
        const known = i % 2 === 0;
        const hex = randomBytes(32).toString('hex');
        if (!known) server.audit.sentHex.add(hex);
        const request: RawRequest = { method: 'POST', target: known ? hm.path : `/hook/${hex}`, headers: [['Content-Type', 'application/json'], ['X-Signature', signature(hm.token, body)]], body };
        ledger.record(await sendOnce(port, request, { receiver: known ? hm : undefined, what: `soak large ${known ? 'hm' : 'unknown'}` }));
        counts.large++;
        await sleep(3000);
      }
    };

    // A slow client: headers at once, then the body in ten pieces 400 ms apart.
    const slow = async (): Promise<void> => {
      const hm = fleet.receiver('hm');
      while (running()) {
        const a = await slowDelivery(port, fleet, hm);
        if (!a) break;
        counts.slow++;
        if (a.status === 200) counts.slowOk++;
        ledger.record({ status: a.status, closedBeforeBytes: a.closedBeforeBytes, truncated: a.truncated, receiver: hm, sentAt: a.sentAt, answeredAt: a.answeredAt, what: 'soak slow hm' });
        if (a.status === 0) ledger.violate('every request answered', `soak slow: ${a.error}`);
      }
    };

    // Three pipelined requests, then the client hangs up (their answers are never read).
    const hangups = async (): Promise<void> => {
      const gen = fleet.receiver('gen');
      while (running()) {
        await new Promise<void>((resolve) => {
          const socket = net.connect(port, '127.0.0.1', () => {
            const one = `POST ${rng.next() < 0.5 ? gen.path : '/hook/0123abcd'} HTTP/1.1\r\nHost: x\r\nContent-Type: application/json\r\nContent-Length: 2\r\n\r\n{}`;
            socket.write(one.repeat(3), () => setTimeout(() => {
              socket.destroy();
              resolve();
            }, 2));
          });
          socket.on('error', () => resolve());
        });
        counts.hangups++;
        await sleep(2000);
      }
    };

    const sampler = async (): Promise<void> => {
      let nextLog = Date.now() + 60_000;
      while (running()) {
        await sleep(5000);
        if (!server.alive()) break;
        const s = await server.sample();
        if (Date.now() >= nextLog) {
          nextLog += 60_000;
          ctx.log(`soak: ${Math.round(s.t)} s, ${int(ledger.requests)} answered, RSS ${mib(s.rss)}, heap ${mib(s.heapUsed ?? 0)}, in flight ${s.inflight}, fds ${s.fds}`);
        }
      }
    };

    const loadStarted = (Date.now() - server.startedAt) / 1000;
    await Promise.all([steady(), steady(), steady(), steady(), large(), slow(), slow(), slow(), hangups(), sampler()]);
    const loadEnded = (Date.now() - server.startedAt) / 1000;

    const inflightZero = server.alive() ? await server.inflightZero().catch(() => undefined) : undefined;
    // Idle keep-alive connections close after 5 s: then the fds should be back where they started.
    await sleep(6000);
    const after = server.alive() ? await server.sample() : undefined;
    const load = server.samples.filter((s) => s.t > loadStarted && s.t <= loadEnded);
    const window = Math.min(60, (loadEnded - loadStarted) / 5);
    const first = load.filter((s) => s.t <= loadStarted + window);
    const last = load.filter((s) => s.t > loadEnded - window);
    const firstRss = median(first.map((s) => s.rss));
    const lastRss = median(last.map((s) => s.rss));
    const firstHalfPeak = Math.max(...load.filter((s) => s.t <= (loadStarted + loadEnded) / 2).map((s) => s.rss));
    const max = (f: (s: Sample) => number | undefined) => Math.max(...load.map((s) => f(s) ?? 0));
    const checks: Check[] = [
      ...server.commonChecks(ledger, ctx.stored),
      {
        // Not the first minute's median: it holds the climb from idle to the working set (and GC
        // keeps RSS swinging by tens of MiB). A leak makes new highs late in the run.
        name: `RSS does not trend upward (last-minute median ≤ ${RSS_TREND_BOUND} × the highest sample of the first half)`,
        pass: lastRss <= firstHalfPeak * RSS_TREND_BOUND,
        detail: `first-minute median ${mib(firstRss)}, first-half peak ${mib(firstHalfPeak)}, last-minute median ${mib(lastRss)} (${(lastRss / firstHalfPeak).toFixed(2)}× the peak)`,
      },
      { name: 'in-flight gauge back to 0 after the load', pass: inflightZero !== undefined, detail: inflightZero === undefined ? 'not within 10 s' : `after ${inflightZero.toFixed(1)} s` },
      // The kube client keeps a pool of connections to the apiserver after the load: compare with
      // the first minute's peak, when that pool already exists, to see leaked sockets.
      { name: 'open fds 6 s after the load ≤ the first minute\'s peak (no leaked sockets)', pass: after !== undefined && after.fds <= Math.max(...first.map((s) => s.fds)), detail: `idle ${idle.fds}, first-minute peak ${Math.max(...first.map((s) => s.fds))}, peak ${max((s) => s.fds)}, after ${after?.fds ?? '—'}` },
      { name: 'slow clients answered 200', pass: counts.slowOk === counts.slow, detail: `${counts.slowOk} of ${counts.slow}` },
    ];
    return {
      id: 'soak',
      title: '2. Mixed soak',
      seconds: (Date.now() - started) / 1000,
      requests: ledger.requests + counts.hangups * 3,
      histogram: ledger.histogram,
      figures: [
        ['Load', `${options.durationSeconds} s: ${int(ledger.requests)} answered requests (signed, forged, unknown and unclean paths from 4 keep-alive workers, ${counts.large} bodies of 2 MiB, ${counts.slow} slow clients), ${counts.hangups} hang-ups with 3 pipelined requests each`],
        ['RSS idle / first minute / last minute / peak', `${mib(idle.rss)} / ${mib(firstRss)} / ${mib(lastRss)} / ${mib(server.peakRss())}`],
        ['Heap used: first-minute median / last-minute median / max', `${mib(median(first.map((s) => s.heapUsed ?? 0)))} / ${mib(median(last.map((s) => s.heapUsed ?? 0)))} / ${mib(max((s) => s.heapUsed))}`],
        ['Event-loop delay p99, max of 5 s samples', `${(max((s) => s.lagP99Seconds) * 1000).toFixed(1)} ms`],
        ['In flight, max sampled', String(max((s) => s.inflight))],
        ['Buffered body bytes, max sampled', mib(max((s) => s.bufferedBytes))],
        ['Open fds idle / max / after', `${idle.fds} / ${max((s) => s.fds)} / ${after?.fds ?? '—'}`],
        ['RSS every 30 s (MiB)', load.filter((_, i) => i % 6 === 0).map((s) => (s.rss / 1024 / 1024).toFixed(0)).join(' ')],
      ],
      checks,
    };
  } finally {
    await server.stop();
  }
}
