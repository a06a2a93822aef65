// Medians, ratios against the project's performance targets, and the markdown written to the results file
// and (with --write-docs) into the "Receiver server" section of docs/benchmarks.md.
import * as fs from 'fs';
import type { CaseId, LoadResult } from './load';

export type TargetId = 'receiver' | 'baseline' | 'webhook' | 'nc';

export interface CaseRuns {
  readonly target: TargetId;
  readonly label: string;
  readonly caseId: CaseId;
  /** The status every response must have for the case to count (adnanh/webhook rejects with 500). */
  readonly expectedStatus: number;
  readonly runs: LoadResult[];
  /** Per run: what the server said it accepted / patched, and the watch's count of object updates. */
  readonly accounting: RunAccounting[];
  /** Per run: seconds until the server was idle again (no child processes, no CPU) after the load stopped. */
  readonly quietSeconds: number[];
}

export interface RunAccounting {
  readonly serverAccepted?: number;
  readonly patches?: number;
  readonly patchErrors?: number;
  readonly patchesCanceled?: number;
  readonly updatesSeen?: number;
}

export interface MemoryRow {
  readonly target: TargetId;
  readonly label: string;
  /** VmRSS `settleSeconds` after the last target started. */
  readonly idleRssBytes: number;
  /** VmRSS `restSeconds` after it, still before any load: what the idle-memory target is held to. */
  readonly restRssBytes: number;
  readonly peakRssBytes: number;
}

export interface RunFacts {
  readonly command: string;
  readonly date: string;
  /** `git rev-parse --short HEAD`, noting uncommitted changes in server/ or src/model/ the bundle may contain. */
  readonly commit: string;
  readonly nproc: number;
  readonly cpuModel: string;
  readonly node: string;
  readonly kubernetes: string;
  readonly etcd: string;
  readonly webhookVersion: string;
  /** Flux notification-controller version and the Go that built it, or 'not run'. */
  readonly notificationController: string;
  readonly connections: number;
  readonly durationSeconds: number;
  readonly warmupSeconds: number;
  readonly rounds: number;
  readonly settleSeconds: number;
  readonly restSeconds: number;
  readonly fixtureBytes: number;
  readonly serverLogLevel: string;
  readonly loadBefore: string;
  readonly loadAfter: string;
  /** Probe status codes per target, before the load: `accepted`/`rejected`. */
  readonly probes: Readonly<Record<string, string>>;
}

export const TARGETS = {
  rejectedVsBaseline: 0.8,
  acceptedVsBaseline: 0.6,
  idleRssBytes: 60e6,
} as const;

export function median(values: readonly number[]): number {
  if (values.length === 0) return NaN;
  const sorted = [...values].sort((a, b) => a - b);
  const mid = Math.floor(sorted.length / 2);
  return sorted.length % 2 ? sorted[mid] : (sorted[mid - 1] + sorted[mid]) / 2;
}

export interface Summary {
  readonly rps: number;
  readonly p50: number;
  readonly p99: number;
}

export function summarize(c: CaseRuns): Summary {
  return {
    rps: median(c.runs.map((r) => r.requestsPerSecond)),
    p50: median(c.runs.map((r) => r.p50Ms)),
    p99: median(c.runs.map((r) => r.p99Ms)),
  };
}

export interface Verdict {
  readonly name: string;
  readonly measured: string;
  readonly target: string;
  readonly met: boolean | undefined;
  /** A side-by-side figure, with no target to meet. */
  readonly comparison?: boolean;
}

/** The performance targets, measured; `met` is undefined when a side is missing. */
export function verdicts(cases: readonly CaseRuns[], memory: readonly MemoryRow[]): Verdict[] {
  const rps = (t: TargetId, c: CaseId) => {
    const found = cases.find((x) => x.target === t && x.caseId === c);
    return found && _clean(found) ? summarize(found).rps : undefined;
  };
  const ratio = (name: string, a: number | undefined, b: number | undefined, min: number): Verdict => {
    if (a === undefined || b === undefined || b === 0) return { name, measured: 'n/a', target: `≥ ${min}×`, met: undefined };
    const r = a / b;
    return { name, measured: `${r.toFixed(2)}×`, target: `≥ ${min}×`, met: r >= min };
  };
  const receiverMemory = memory.find((m) => m.target === 'receiver');
  const ncMemory = memory.find((m) => m.target === 'nc');
  const versus = (name: string, a: number | undefined, b: number | undefined): Verdict => ({
    name, measured: a === undefined || b === undefined || b === 0 ? 'n/a' : `${(a / b).toFixed(2)}×`, target: '—', met: undefined, comparison: true,
  });
  return [
    ratio('Rejected: this server / baseline (req/s)', rps('receiver', 'rejected'), rps('baseline', 'rejected'), TARGETS.rejectedVsBaseline),
    ratio('Accepted, hot target: this server / baseline (req/s)', rps('receiver', 'accepted'), rps('baseline', 'accepted'), TARGETS.acceptedVsBaseline),
    // A reference, not a target: adnanh/webhook answers before its command runs.
    versus('Accepted: this server / adnanh/webhook (req/s)', rps('receiver', 'accepted'), rps('webhook', 'accepted')),
    receiverMemory
      ? { name: 'Idle RSS of this server (at rest)', measured: _mb(receiverMemory.restRssBytes), target: `≤ ${TARGETS.idleRssBytes / 1e6} MB`, met: receiverMemory.restRssBytes <= TARGETS.idleRssBytes }
      : { name: 'Idle RSS of this server (at rest)', measured: 'n/a', target: `≤ ${TARGETS.idleRssBytes / 1e6} MB`, met: undefined },
    versus('Rejected: this server / notification-controller (req/s)', rps('receiver', 'rejected'), rps('nc', 'rejected')),
    versus('Accepted: this server / notification-controller (req/s)', rps('receiver', 'accepted'), rps('nc', 'accepted')),
    {
      ...versus('Idle RSS at rest: this server / notification-controller', receiverMemory?.restRssBytes, ncMemory?.restRssBytes),
      ...(receiverMemory && ncMemory ? { measured: `${_mb(receiverMemory.restRssBytes)} / ${_mb(ncMemory.restRssBytes)} = ${(receiverMemory.restRssBytes / ncMemory.restRssBytes).toFixed(2)}×` } : {}),
    },
  ];
}

/** A case is comparable only if every response had the expected status and nothing failed. */
function _clean(c: CaseRuns): boolean {
  const expected = String(c.expectedStatus);
  return c.runs.length > 0 &&
    c.runs.every((r) => r.errors === 0 && r.timeouts === 0 && Object.keys(r.statusCodes).every((code) => code === expected));
}

export function renderMarkdown(facts: RunFacts, cases: readonly CaseRuns[], memory: readonly MemoryRow[]): string {
  const lines: string[] = [];
  lines.push(
    `Measured ${facts.date} with \`${facts.command}\` at commit ${facts.commit}.`,
    '',
    `Machine: ${facts.nproc} CPUs (${facts.cpuModel}), Node ${facts.node}, kube-apiserver ${facts.kubernetes} + etcd ${facts.etcd} (test harness, same machine), adnanh/webhook ${facts.webhookVersion}, Flux notification-controller ${facts.notificationController}. ` +
      `Load average before/after: ${facts.loadBefore} / ${facts.loadAfter}. Load generator, servers, kube-apiserver and etcd share these CPUs: compare ratios, not absolute numbers.`,
    '',
    `Load: autocannon, ${facts.connections} connections, ${facts.durationSeconds} s per run after a ${facts.warmupSeconds} s warm-up of each case, ${facts.rounds} rounds (targets interleaved), ` +
      `median per column; body ${facts.fixtureBytes} B (\`bench/server/fixtures/github-push.json\`), \`X-GitHub-Event: push\`, \`X-Hub-Signature-256\` right (accepted) or one hex digit off (rejected). Receiver server log level: ${facts.serverLogLevel}.`,
    '',
    '| Target | Case | req/s (median) | p50 ms | p99 ms | req/s per run | responses (all runs) | busy after the run (s, median) |',
    '|---|---|---:|---:|---:|---|---|---:|',
  );
  for (const c of cases) {
    const s = summarize(c);
    const codes: Record<string, number> = {};
    let errors = 0;
    for (const r of c.runs) {
      for (const [code, n] of Object.entries(r.statusCodes)) codes[code] = (codes[code] ?? 0) + n;
      errors += r.errors + r.timeouts;
    }
    const responses = Object.entries(codes).map(([code, n]) => `${n} × ${code}`).concat(errors ? [`${errors} errors/timeouts`] : []).join(', ');
    lines.push(`| ${c.label} | ${c.caseId} | ${_int(s.rps)} | ${s.p50} | ${s.p99} | ${c.runs.map((r) => _int(r.requestsPerSecond)).join(' / ')} | ${responses || '—'} | ${median(c.quietSeconds).toFixed(1)} |`);
  }

  lines.push('', '| Performance target | Measured | Target | Met |', '|---|---:|---:|---|');
  for (const v of verdicts(cases, memory)) {
    const met = v.measured === 'n/a' ? 'not measured' : v.comparison ? '—' : v.met ? 'yes' : '**no**';
    lines.push(`| ${v.name} | ${v.measured} | ${v.target} | ${met} |`);
  }

  lines.push(
    '',
    'One hot target (accepted runs, summed over rounds): every accepted request names the same GitRepository.',
    '',
    '| Target | 200 responses | accepted (server\'s count) | PATCHes sent (server\'s count) | object updates seen (watch) | accepted per PATCH |',
    '|---|---:|---:|---:|---:|---:|',
  );
  for (const c of cases.filter((x) => x.caseId === 'accepted')) {
    const ok = c.runs.reduce((n, r) => n + (r.statusCodes['200'] ?? 0), 0);
    const sum = (f: (a: RunAccounting) => number | undefined) => {
      const values = c.accounting.map(f);
      return values.every((v) => v === undefined) ? undefined : values.reduce<number>((n, v) => n + (v ?? 0), 0);
    };
    const patches = sum((a) => a.patches);
    const patchErrors = sum((a) => a.patchErrors);
    const patchesCanceled = sum((a) => a.patchesCanceled);
    const updates = sum((a) => a.updatesSeen);
    // The server's own count also includes the requests still in flight when autocannon stopped.
    const accepted = sum((a) => a.serverAccepted);
    const perPatch = patches ? ((accepted ?? ok) / patches).toFixed(1) : c.target === 'webhook' ? 'no PATCH (runs /bin/true)' : 'n/a';
    lines.push(`| ${c.label} | ${ok} | ${_opt(accepted)} | ${_opt(patches)}${patchErrors ? ` (+${patchErrors} failed)` : ''}${patchesCanceled ? ` (+${patchesCanceled} canceled)` : ''} | ${_opt(updates)} | ${perPatch} |`);
  }

  lines.push(
    '',
    `| Target | Idle RSS ${facts.settleSeconds} s after start-up | Idle RSS at rest (${facts.restSeconds} s) | Peak RSS (VmHWM, end of run) |`,
    '|---|---:|---:|---:|',
  );
  for (const m of memory) lines.push(`| ${m.label} | ${_mb(m.idleRssBytes)} | ${_mb(m.restRssBytes)} | ${_mb(m.peakRssBytes)} |`);

  const probes = Object.entries(facts.probes).map(([k, v]) => `${k}: ${v}`).join('; ');
  lines.push('', `Probe before load (status of one accepted / one rejected request): ${probes}.`);
  return lines.join('\n') + '\n';
}

export const DOCS_BEGIN = '<!-- bench:server:begin (generated by `npx projen bench:server --write-docs`) -->';
export const DOCS_END = '<!-- bench:server:end -->';

/** Where a benchmark's generated block goes: between two marker comments of one section. */
export interface DocsBlock {
  readonly begin: string;
  readonly end: string;
  /** Heading of the section created when the markers are missing. */
  readonly section: string;
}

/** Replaces the generated block of a section (by default "Receiver server"); creates the section if missing. */
export function writeDocsSection(file: string, generated: string, where: DocsBlock = { begin: DOCS_BEGIN, end: DOCS_END, section: 'Receiver server' }): void {
  const text = fs.existsSync(file) ? fs.readFileSync(file, 'utf8') : '# Benchmarks\n';
  const block = `${where.begin}\n${generated}${where.end}`;
  const begin = text.indexOf(where.begin);
  const end = text.indexOf(where.end);
  let next: string;
  if (begin >= 0 && end > begin) {
    next = text.slice(0, begin) + block + text.slice(end + where.end.length);
  } else {
    next = `${text.trimEnd()}\n\n## ${where.section}\n\n${block}\n`;
  }
  fs.writeFileSync(file, next);
}

function _int(n: number): string {
  return Math.round(n).toLocaleString('en-US');
}

function _mb(bytes: number): string {
  return `${(bytes / 1e6).toFixed(1)} MB`;
}

function _opt(n: number | undefined): string {
  return n === undefined ? '—' : String(n);
}
