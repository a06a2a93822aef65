// Part 4, SIGTERM under load: 16 keep-alive clients send signed deliveries to every receiver and
// three slow clients trickle theirs over 4 s; SIGTERM arrives after a few seconds of that. The
// process must drain (log "shut down" with drained: true) within the 25 s grace and exit 0;
// every client sees an answer or a connection closed before any byte of one (counted apart),
// never half an answer; every 2xx was patched; the slow clients in flight get their 2xx.
import { Ledger, PartContext, signedRequest, slowDelivery } from './fleet';
import { INFLIGHT, mib, MonitoredServer } from './monitored-server';
import { encodeRequest, RawConnection } from './raw-http';
import { Check, PartResult } from './report';
import { sampleValue } from '../../test/harness/server-process';

/** docs/server.md, Shutdown: requests in flight get at most 25 s. */
const GRACE_SECONDS = 25;

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

export async function sigtermPart(ctx: PartContext, options: { loadSecondsBeforeSignal: number }): Promise<PartResult> {
  const started = Date.now();
  const { fleet } = ctx;
  const server = await MonitoredServer.start(fleet, ctx.api.kubeconfigPath, ['shut down', 'shutting down: no new connections, draining requests in flight', 'shutdown grace period over; closing remaining connections']);
  const port = server.proc.ports.webhook;
  const ledger = new Ledger();
  const counts = { refused: 0, closedBeforeBytes: 0, slowInFlight: 0, slowInFlightOk: 0 };
  let signalledAt = Infinity;
  try {
    const client = async (i: number): Promise<void> => {
      let conn: RawConnection | undefined;
      for (let n = 0; ; n++) {
        const r = fleet.receivers[(i + n) % fleet.receivers.length];
        if (!conn || conn.closed) {
          conn = await RawConnection.open(port).catch(() => undefined);
          if (!conn) {
            counts.refused++;
            return;
          }
        }
        const a = await conn.send(encodeRequest(signedRequest(fleet, r)));
        if (a.closedBeforeBytes) counts.closedBeforeBytes++;
        ledger.record({ status: a.status, closedBeforeBytes: a.closedBeforeBytes, truncated: a.truncated, receiver: r, sentAt: a.sentAt, answeredAt: a.answeredAt, what: `sigterm client ${r.name}` });
        if (a.status === 0 && !a.closedBeforeBytes) ledger.violate('every request answered', `sigterm client ${r.name}: ${a.error}`);
        if (a.status === 0 || a.headers.connection === 'close') conn.destroy();
      }
    };
    const slow = async (): Promise<void> => {
      const hm = fleet.receiver('hm');
      for (;;) {
        const a = await slowDelivery(port, fleet, hm);
        if (!a) {
          counts.refused++;
          return;
        }
        const inFlightAtSignal = a.sentAt < signalledAt && a.answeredAt > signalledAt;
        if (inFlightAtSignal) counts.slowInFlight++;
        if (inFlightAtSignal && a.status === 200) counts.slowInFlightOk++;
        ledger.record({ status: a.status, closedBeforeBytes: a.closedBeforeBytes, truncated: a.truncated, receiver: hm, sentAt: a.sentAt, answeredAt: a.answeredAt, what: 'sigterm slow hm' });
        if (a.status === 0 && !a.closedBeforeBytes) ledger.violate('every request answered', `sigterm slow: ${a.error}`);
      }
    };
    const load = Promise.all([...Array.from({ length: 16 }, (_, i) => client(i)), slow(), slow(), slow()]);
    await sleep(options.loadSecondsBeforeSignal * 1000);
    const inflightBefore = sampleValue(await server.metrics(), INFLIGHT);
    const rssBefore = server.proc.rss();
    ctx.log(`sigterm: SIGTERM with ${inflightBefore} requests in flight`);
    signalledAt = Date.now();
    server.proc.child.kill('SIGTERM');
    const exitCode = await server.proc.exited;
    const drainSeconds = (Date.now() - signalledAt) / 1000;
    await load;
    await sleep(2000);
    server.audit.scan();
    const shutDown = server.audit.kept.find((l) => l.msg === 'shut down');
    const draining = server.audit.kept.find((l) => l.msg.startsWith('shutting down'));
    const checks: Check[] = [
      ...server.commonChecks(ledger, ctx.stored, { exitExpected: true }).filter((c) => c.name !== 'the server never crashed'),
      { name: 'exit code 0', pass: exitCode === 0, detail: `exit code ${exitCode}` },
      { name: `drained within the ${GRACE_SECONDS} s grace ("shut down" logged with drained: true)`, pass: drainSeconds < GRACE_SECONDS && shutDown?.drained === true, detail: `${drainSeconds.toFixed(2)} s from SIGTERM to exit; drained: ${shutDown?.drained}` },
      { name: 'slow clients in flight at SIGTERM answered 200', pass: counts.slowInFlightOk === counts.slowInFlight, detail: `${counts.slowInFlightOk} of ${counts.slowInFlight}` },
    ];
    return {
      id: 'sigterm',
      title: '4. SIGTERM under load',
      seconds: (Date.now() - started) / 1000,
      requests: ledger.requests,
      histogram: ledger.histogram,
      figures: [
        ['Load', `16 keep-alive clients sending signed deliveries to all receivers, 3 slow clients (body over 4 s); SIGTERM after ${options.loadSecondsBeforeSignal} s`],
        ['In flight at SIGTERM (gauge; the server\'s own count when draining)', `${inflightBefore} (${draining?.inflight ?? '—'})`],
        ['SIGTERM → exit (drain)', `${drainSeconds.toFixed(2)} s`],
        ['Connections closed before any byte of an answer (a request sent as the server closed the idle connection)', String(counts.closedBeforeBytes)],
        ['Connections refused after the listener closed (clients then stop)', String(counts.refused)],
        ['RSS start / at SIGTERM / peak', `${mib(server.startRss)} / ${mib(rssBefore)} / ${mib(server.peakRss())}`],
      ],
      checks,
    };
  } finally {
    await server.stop();
  }
}
