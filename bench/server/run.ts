// Receiver server benchmark: one command, loopback only. Starts a real kube-apiserver (test
// harness), one hot GitRepository, this server, a bare node:http baseline, adnanh/webhook and
// Flux's notification-controller;
// loads each with signed-wrong and signed-right GitHub push deliveries (autocannon, bounded
// runs, several interleaved rounds, medians), counts PATCHes against accepted requests, reads
// idle RSS from /proc, and writes a markdown report. Everything it starts is stopped at the end.
//
//   npx projen bench:server [--duration 6] [--rounds 3] [--connections 20] [--warmup 2]
//     [--settle 5] [--rest 30] [--targets receiver,baseline,webhook,nc] [--cases rejected,accepted]
//     [--log-level info] [--write-docs] [--cpu-prof]
import { execFileSync } from 'child_process';
import { randomBytes } from 'crypto';
import * as fs from 'fs';
import * as os from 'os';
import * as path from 'path';
import { parseArgs } from 'util';
import { stopAllChildren, waitUntilQuiet } from './child-process';
import { newestProfile, renderHotspots } from './cpu-profile';
import { countHotTargetUpdates, createHotTarget } from './hot-target';
import { CaseId, githubPushDelivery, probe, runLoad } from './load';
import { BuildFailed, ensureNotificationController, startNotificationController } from './notification-controller-target';
import { CaseRuns, MemoryRow, renderMarkdown, RunAccounting, TargetId, verdicts, writeDocsSection } from './report';
import {
  adnanhWebhookVersion, ensureAdnanhWebhook,
  startAdnanhWebhook, startBaseline, startReceiverServer, Target, TargetContext,
} from './targets';
import { REPO_ROOT, startTestApiServer, TestApiServer } from '../../test/harness/apiserver';

const FIXTURE = path.join(__dirname, 'fixtures', 'github-push.json');
const RESULTS_DIR = path.join(REPO_ROOT, 'bench', 'results', 'server');
const DOCS_FILE = path.join(REPO_ROOT, 'docs', 'benchmarks.md');
const ALL_CASES: readonly CaseId[] = ['rejected', 'accepted'];
const ALL_TARGETS: readonly TargetId[] = ['receiver', 'baseline', 'webhook', 'nc'];

/** A bad command-line flag: printed without a stack trace. */
class UsageError extends Error {}

interface Options {
  readonly durationSeconds: number;
  readonly rounds: number;
  readonly connections: number;
  readonly warmupSeconds: number;
  readonly settleSeconds: number;
  readonly restSeconds: number;
  readonly targets: readonly TargetId[];
  readonly cases: readonly CaseId[];
  readonly writeDocs: boolean;
  readonly cpuProf: boolean;
  readonly serverLogLevel: string;
}

function _parse(argv: readonly string[]) {
  return parseArgs({
    args: [...argv],
    options: {
      'duration': { type: 'string', default: '6' },
      'rounds': { type: 'string', default: '3' },
      'connections': { type: 'string', default: '20' },
      'warmup': { type: 'string', default: '2' },
      'settle': { type: 'string', default: '5' },
      'rest': { type: 'string', default: '30' },
      'targets': { type: 'string', default: ALL_TARGETS.join(',') },
      'cases': { type: 'string', default: ALL_CASES.join(',') },
      'log-level': { type: 'string', default: 'info' },
      'write-docs': { type: 'boolean', default: false },
      'cpu-prof': { type: 'boolean', default: false },
    },
  });
}

function _options(argv: readonly string[]): Options {
  let parsed;
  try {
    parsed = _parse(argv);
  } catch (e) {
    throw new UsageError(`${(e as Error).message} (see bench/README.md)`);
  }
  const values = parsed.values;
  // Every run is bounded: at most 30 s per run, 5 rounds, 200 connections.
  const bounded = (flag: string, raw: string, min: number, max: number): number => {
    const n = Number(raw);
    if (!Number.isInteger(n) || n < min || n > max) throw new UsageError(`--${flag} "${raw}": use an integer from ${min} to ${max}`);
    return n;
  };
  const targets = values.targets!.split(',').map((t) => t.trim()).filter(Boolean) as TargetId[];
  for (const t of targets) {
    if (!ALL_TARGETS.includes(t)) throw new UsageError(`--targets: unknown target "${t}" (use ${ALL_TARGETS.join(', ')})`);
  }
  const cases = values.cases!.split(',').map((c) => c.trim()).filter(Boolean) as CaseId[];
  for (const c of cases) {
    if (!ALL_CASES.includes(c)) throw new UsageError(`--cases: unknown case "${c}" (use ${ALL_CASES.join(', ')})`);
  }
  const settleSeconds = bounded('settle', values.settle!, 0, 30);
  const restSeconds = bounded('rest', values.rest!, 0, 120);
  if (restSeconds < settleSeconds) throw new UsageError(`--rest ${restSeconds} is earlier than --settle ${settleSeconds}: the at-rest reading comes after the idle one`);
  return {
    durationSeconds: bounded('duration', values.duration!, 1, 30),
    rounds: bounded('rounds', values.rounds!, 1, 5),
    connections: bounded('connections', values.connections!, 1, 200),
    warmupSeconds: bounded('warmup', values.warmup!, 0, 10),
    settleSeconds,
    restSeconds,
    targets,
    cases,
    writeDocs: values['write-docs']!,
    cpuProf: values['cpu-prof']!,
    serverLogLevel: values['log-level']!,
  };
}

const _sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));
const _log = (msg: string) => process.stdout.write(`[bench:server ${new Date().toISOString().slice(11, 19)}] ${msg}\n`);
const _commit = (): string => {
  try {
    const git = (...args: string[]) => execFileSync('git', args, { cwd: REPO_ROOT, encoding: 'utf8' }).trim();
    return git('rev-parse', '--short', 'HEAD') + (git('status', '--porcelain', '--', 'server', 'src/model') ? ' + uncommitted changes in server/ or src/model/' : '');
  } catch {
    return 'unknown';
  }
};
const _loadAverage = () => os.loadavg().map((l) => l.toFixed(2)).join(' ');

async function main(): Promise<void> {
  const argv = process.argv.slice(2);
  const options = _options(argv);
  const command = ['npx projen bench:server', ...argv].join(' ');
  const loadBefore = _loadAverage();
  // Read before the run: the bundle was built from this tree just now.
  const commit = _commit();
  const fixture = fs.readFileSync(FIXTURE);
  fs.mkdirSync(RESULTS_DIR, { recursive: true });
  const workDir = fs.mkdtempSync(path.join(os.tmpdir(), 'bench-server-'));
  const profileDir = path.join(RESULTS_DIR, 'cpu-profiles');
  if (options.cpuProf) fs.rmSync(profileDir, { recursive: true, force: true });
  // Logs outlive the run (the work directory, with the token, does not).
  const logDir = path.join(RESULTS_DIR, 'logs');
  fs.rmSync(logDir, { recursive: true, force: true });
  fs.mkdirSync(logDir, { recursive: true });
  let api: TestApiServer | undefined;
  let cleaned = false;
  const cleanup = async () => {
    if (cleaned) return;
    cleaned = true;
    await stopAllChildren();
    await api?.stop();
    fs.rmSync(workDir, { recursive: true, force: true });
  };
  for (const signal of ['SIGINT', 'SIGTERM'] as const) {
    process.once(signal, () => void cleanup().finally(() => process.exit(130)));
  }

  try {
    const webhookBinary = options.targets.includes('webhook') ? ensureAdnanhWebhook() : undefined;
    // Built before anything starts, so a failed build costs no API server start-up.
    const ncBuild = options.targets.includes('nc') ? ensureNotificationController() : undefined;
    _log('starting kube-apiserver + etcd (test harness)');
    api = await startTestApiServer({ logDir });
    await createHotTarget(api);
    const token = randomBytes(24).toString('hex');
    const ctx: TargetContext = {
      api,
      workDir,
      logDir,
      token,
      serverLogLevel: options.serverLogLevel,
      serverNodeFlags: options.cpuProf ? ['--cpu-prof', '--cpu-prof-dir', profileDir] : [],
    };

    const targets: Target[] = [];
    for (const id of options.targets) {
      _log(`starting ${id}`);
      if (id === 'receiver') targets.push(await startReceiverServer(ctx));
      if (id === 'baseline') targets.push(await startBaseline(ctx));
      if (id === 'webhook') targets.push(await startAdnanhWebhook(ctx, webhookBinary!));
      if (id === 'nc') targets.push(await startNotificationController(ctx, ncBuild!));
    }

    _log(`settling ${options.settleSeconds} s before reading idle RSS`);
    await _sleep(options.settleSeconds * 1000);
    const idleRss = new Map(targets.map((t) => [t.id, t.child.rss()]));
    // V8 keeps the young generation it grew during start-up until its memory reducer runs (about
    // 8 s after start-up), and Go returns freed memory to the OS over minutes: a second reading,
    // still before any load, shows each process at rest.
    _log(`reading RSS at rest ${options.restSeconds} s after start-up`);
    await _sleep((options.restSeconds - options.settleSeconds) * 1000);
    const restRss = new Map(targets.map((t) => [t.id, t.child.rss()]));

    const deliveries = {
      accepted: githubPushDelivery(fixture, token, 'accepted'),
      rejected: githubPushDelivery(fixture, token, 'rejected'),
    };
    const probes: Record<string, string> = {};
    for (const t of targets) {
      probes[t.label] = `${await probe(t.hookUrl, deliveries.accepted)} / ${await probe(t.hookUrl, deliveries.rejected)}`;
    }
    _log(`probes (accepted / rejected): ${JSON.stringify(probes)}`);

    const load = { connections: options.connections };
    if (options.warmupSeconds > 0) {
      for (const t of targets) {
        for (const c of options.cases) {
          _log(`warm-up ${t.id} ${c} (${options.warmupSeconds} s)`);
          await runLoad(t.hookUrl, deliveries[c], { ...load, durationSeconds: options.warmupSeconds });
          await waitUntilQuiet(t.child);
        }
      }
    }

    const results: CaseRuns[] = [];
    for (const t of targets) {
      for (const c of options.cases) {
        results.push({ target: t.id, label: t.label, caseId: c, expectedStatus: t.expectedStatus[c], runs: [], accounting: [], quietSeconds: [] });
      }
    }
    for (let round = 1; round <= options.rounds; round++) {
      for (const t of targets) {
        for (const c of options.cases) {
          const entry = results.find((r) => r.target === t.id && r.caseId === c)!;
          const before = await t.counts();
          const watch = c === 'accepted' ? await countHotTargetUpdates(api) : undefined;
          const result = await runLoad(t.hookUrl, deliveries[c], { ...load, durationSeconds: options.durationSeconds });
          // Work a server deferred past its responses must not load the next run.
          const quietSeconds = await waitUntilQuiet(t.child);
          const updatesSeen = await watch?.stop();
          const after = await t.counts();
          t.child.assertAlive();
          const accounting: RunAccounting = {
            updatesSeen,
            serverAccepted: before && after ? after.accepted - before.accepted : undefined,
            patches: before && after ? after.patches - before.patches : undefined,
            patchErrors: before && after ? after.patchErrors - before.patchErrors : undefined,
            patchesCanceled: before?.patchesCanceled !== undefined && after?.patchesCanceled !== undefined
              ? after.patchesCanceled - before.patchesCanceled : undefined,
          };
          entry.runs.push(result);
          entry.quietSeconds.push(quietSeconds);
          entry.accounting.push(accounting);
          _log(`round ${round} ${t.id} ${c}: ${Math.round(result.requestsPerSecond)} req/s, p50 ${result.p50Ms} ms, p99 ${result.p99Ms} ms, ` +
            `codes ${JSON.stringify(result.statusCodes)}${result.errors ? `, ${result.errors} errors` : ''}, quiet after ${quietSeconds.toFixed(1)} s` +
            (c === 'accepted' ? `, patches ${accounting.patches ?? '—'}, updates seen ${updatesSeen}` : ''));
        }
      }
    }

    const memory: MemoryRow[] = targets.map((t) => ({
      target: t.id, label: t.label, idleRssBytes: idleRss.get(t.id)!, restRssBytes: restRss.get(t.id)!, peakRssBytes: t.child.peakRss(),
    }));
    const markdown = renderMarkdown({
      command,
      date: new Date().toISOString().replace(/\.\d+Z$/, 'Z'),
      commit,
      nproc: os.cpus().length,
      cpuModel: os.cpus()[0]?.model.trim() ?? 'unknown',
      node: process.version,
      kubernetes: api.versions.kubernetes,
      etcd: api.versions.etcd,
      webhookVersion: webhookBinary ? adnanhWebhookVersion(webhookBinary) : 'not run',
      notificationController: ncBuild ? `${ncBuild.version} (${ncBuild.goVersion})` : 'not run',
      connections: options.connections,
      durationSeconds: options.durationSeconds,
      warmupSeconds: options.warmupSeconds,
      rounds: options.rounds,
      settleSeconds: options.settleSeconds,
      restSeconds: options.restSeconds,
      fixtureBytes: fixture.length,
      serverLogLevel: options.serverLogLevel,
      loadBefore,
      loadAfter: _loadAverage(),
      probes,
    }, results, memory);

    await cleanup();
    let report = markdown;
    if (options.cpuProf) {
      const profile = newestProfile(profileDir);
      report += '\n' + (profile ? renderHotspots(profile) : `No CPU profile found in ${profileDir} (the server must exit on SIGTERM to write it).\n`);
    }
    const out = path.join(RESULTS_DIR, 'results.md');
    fs.writeFileSync(out, report);
    process.stdout.write(`\n${report}\n`);
    _log(`written ${path.relative(REPO_ROOT, out)}`);
    if (options.writeDocs) {
      writeDocsSection(DOCS_FILE, markdown);
      _log(`updated the Receiver server section of ${path.relative(REPO_ROOT, DOCS_FILE)}`);
    }
    const missed = verdicts(results, memory).filter((v) => v.met === false);
    if (missed.length) _log(`targets missed: ${missed.map((v) => `${v.name} ${v.measured} (target ${v.target})`).join('; ')}`);
  } finally {
    await cleanup();
  }
}

main().catch((e: unknown) => {
  const detail = e instanceof UsageError || e instanceof BuildFailed ? e.message : e instanceof Error ? e.stack ?? e.message : String(e);
  process.stderr.write(`bench:server failed: ${detail}\n`);
  process.exitCode = 1;
});
