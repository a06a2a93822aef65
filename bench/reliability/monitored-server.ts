// The bundled server of one part, watched while it runs: its log audited every second, its
// resources sampled on demand (RSS and open fds from /proc, heap, in-flight gauge, event-loop
// delay and buffered body bytes from /metrics), and the checks every part shares.
import * as fs from 'fs';
import { Fleet, Ledger } from './fleet';
import { LogAudit, MAX_LINE_BYTES } from './log-audit';
import type { Check } from './report';
import { BundleProcess, sampleValue } from '../../test/harness/server-process';
import type { StoredValues } from '../../test/harness/stored-values';

export const INFLIGHT = 'gotk_receiver_http_requests_inflight{service="",handler="/hook/"}';
/** Peak RSS bound: the container's default 384Mi limit less a 64 MiB margin (docs/reliability.md). */
export const RSS_BOUND_BYTES = 320 * 1024 * 1024;

export interface Sample {
  /** Seconds since the part started. */
  readonly t: number;
  readonly rss: number;
  readonly heapUsed?: number;
  readonly inflight?: number;
  readonly lagP99Seconds?: number;
  readonly fds: number;
  readonly bufferedBytes?: number;
}

export class MonitoredServer {
  static async start(fleet: Fleet, kubeconfig: string, keep: readonly string[] = []): Promise<MonitoredServer> {
    const proc = await fleet.startServer(kubeconfig);
    const secrets = fleet.receivers.flatMap((r) => [
      { kind: 'a token', value: r.token },
      { kind: 'a hook path', value: r.path.slice('/hook/'.length) },
    ]);
    return new MonitoredServer(proc, new LogAudit(proc, secrets, keep));
  }

  readonly startedAt = Date.now();
  readonly samples: Sample[] = [];
  readonly startRss: number;
  private lastPeak = 0;
  private readonly timer: NodeJS.Timeout;

  private constructor(readonly proc: BundleProcess, readonly audit: LogAudit) {
    this.startRss = proc.rss();
    this.timer = setInterval(() => {
      audit.scan();
      this.peakRss();
    }, 1000);
  }

  get pid(): number {
    return this.proc.child.pid!;
  }

  alive(): boolean {
    return this.proc.child.exitCode === null && this.proc.child.signalCode === null;
  }

  async metrics(): Promise<string> {
    return this.proc.metric('');
  }

  async sample(): Promise<Sample> {
    const text = await this.metrics().catch(() => '');
    const s: Sample = {
      t: (Date.now() - this.startedAt) / 1000,
      rss: this.proc.rss(),
      heapUsed: sampleValue(text, 'nodejs_heap_size_used_bytes'),
      inflight: sampleValue(text, INFLIGHT),
      lagP99Seconds: sampleValue(text, 'nodejs_eventloop_lag_p99_seconds'),
      fds: fs.readdirSync(`/proc/${this.pid}/fd`).length,
      bufferedBytes: sampleValue(text, 'flux_webhook_receiver_buffered_body_bytes'),
    };
    this.samples.push(s);
    return s;
  }

  /** Polls the in-flight gauge until it reads 0; returns the seconds it took, or undefined. */
  async inflightZero(timeoutMs = 10_000): Promise<number | undefined> {
    const started = Date.now();
    while (Date.now() - started < timeoutMs) {
      if (sampleValue(await this.metrics(), INFLIGHT) === 0) return (Date.now() - started) / 1000;
      await new Promise((r) => setTimeout(r, 100));
    }
    return undefined;
  }

  /** Counter value summed over the label sets of `name` that contain `label` (e.g. `outcome="error"`). */
  async counter(name: string, label = ''): Promise<number> {
    return (await this.metrics()).split('\n')
      .filter((l) => l.startsWith(name) && l.includes(label))
      .reduce((n, l) => n + Number(l.slice(l.lastIndexOf(' ') + 1)), 0);
  }

  /** VmHWM; the last value read once the process is gone. */
  peakRss(): number {
    try {
      this.lastPeak = this.proc.peakRss();
    } catch {
      // exited: keep the last reading
    }
    return this.lastPeak;
  }

  /** The checks every part makes once its load is over: the ledger's, the log's, memory. */
  commonChecks(ledger: Ledger, stored: StoredValues, options: { exitExpected?: boolean } = {}): Check[] {
    this.audit.scan();
    ledger.checkPatched(stored);
    const checks: Check[] = [
      { name: 'the server never crashed', pass: options.exitExpected ? true : this.alive(), detail: this.alive() ? 'running at the end' : `exited (${this.proc.child.exitCode ?? this.proc.child.signalCode})` },
      { name: 'every request answered', pass: ledger.count('every request answered') === 0 && ledger.count('no answer cut short') === 0, detail: _examples(ledger, 'every request answered', 'no answer cut short') },
      { name: 'no 5xx but the documented ones', pass: ledger.count('no undocumented 5xx') === 0, detail: _examples(ledger, 'no undocumented 5xx') },
      { name: 'no 2xx for a wrong, malformed or missing signature or token', pass: ledger.count('no 2xx for a forged request') === 0, detail: _examples(ledger, 'no 2xx for a forged request') },
      { name: 'every 2xx patched every target (stored requestedAt taken between sending and answer)', pass: ledger.count('every 2xx patched') === 0, detail: `${ledger.checked2xx.toLocaleString('en-US')} 2xx checked${ledger.count('every 2xx patched') ? `; ${_examples(ledger, 'every 2xx patched')}` : ''}` },
      { name: 'stored requestedAt never decreased', pass: stored.decreases.length === 0, detail: stored.decreases.length ? stored.decreases.slice(0, 3).map((d) => `${d.name}: ${d.from} → ${d.to}`).join('; ') : `watch resumed ${stored.resumptions}×, ${stored.gaps} gaps` },
      { name: 'no token or hook path in the logs', pass: this.audit.leaks.length === 0, detail: this.audit.leaks.length ? [...new Set(this.audit.leaks)].join('; ') : `${this.audit.lines.toLocaleString('en-US')} lines read` },
      { name: `log lines ≤ ${MAX_LINE_BYTES} bytes`, pass: this.audit.overlong === 0, detail: `longest ${this.audit.longest.toLocaleString('en-US')} bytes${this.audit.overlong ? `, ${this.audit.overlong} over` : ''}` },
      { name: `peak RSS ≤ ${RSS_BOUND_BYTES / 1024 / 1024} MiB`, pass: this.peakRss() <= RSS_BOUND_BYTES, detail: mib(this.peakRss()) },
    ];
    if (this.audit.nonJson) checks.push({ name: 'every log line is JSON', pass: false, detail: `${this.audit.nonJson} lines, first: ${JSON.stringify(this.audit.firstNonJson)}` });
    return checks;
  }

  async stop(): Promise<void> {
    clearInterval(this.timer);
    this.audit.scan();
    await this.proc.stop();
  }
}

function _examples(ledger: Ledger, ...checks: string[]): string {
  const shown = ledger.violations.filter((v) => checks.includes(v.check)).slice(0, 3).map((v) => v.detail);
  const total = checks.reduce((n, c) => n + ledger.count(c), 0);
  return total ? `${total} × e.g. ${shown.join('; ')}` : 'none';
}

export function mib(bytes: number): string {
  return `${(bytes / 1024 / 1024).toFixed(1)} MiB`;
}
