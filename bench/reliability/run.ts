// The long form of the reliability suite (docs/reliability.md): one command that starts its own
// kube-apiserver + etcd (test harness), a namespace of GitRepositories and a fleet of receivers,
// then runs the bundled server through each part, checking invariants against what the
// apiserver stored (a watch from the admin side). Writes bench/results/reliability/results.md,
// and with --write-docs the generated block of docs/reliability.md. Exits 1 when an invariant fails.
//
//   npx projen reliability [--parts fuzz,soak,outage,sigterm,hostile-cel,many-receivers]
//     [--fuzz-requests 100000] [--concurrency 8] [--duration 600] [--seed 1] [--pause 20] [--down 10]
//     [--receivers 3000,10000] [--reloads 3] [--write-docs]
import { execFileSync } from 'child_process';
import * as fs from 'fs';
import * as os from 'os';
import * as path from 'path';
import { parseArgs } from 'util';
import { Fleet, PartContext } from './fleet';
import { fuzzPart } from './fuzz';
import { hostileCelPart } from './hostile-cel';
import { manyReceiversPart } from './many-receivers';
import { outagePart } from './outage';
import { ALL_PARTS, failed, PartId, PartResult, renderMarkdown, writeDocsBlock } from './report';
import { sigtermPart } from './sigterm';
import { soakPart } from './soak';
import { REPO_ROOT, startTestApiServer, TestApiServer } from '../../test/harness/apiserver';
import { KUBECONFIG_ENV } from '../../test/harness/kube';
import { buildServerBundle } from '../../test/harness/server-bundle';
import type { StoredValues } from '../../test/harness/stored-values';

const RESULTS_DIR = path.join(REPO_ROOT, 'bench', 'results', 'reliability');
const DOCS_FILE = path.join(REPO_ROOT, 'docs', 'reliability.md');

class UsageError extends Error {}

interface Options {
  readonly parts: readonly PartId[];
  readonly fuzzRequests: number;
  readonly concurrency: number;
  readonly durationSeconds: number;
  readonly seed: number;
  readonly pauseSeconds: number;
  readonly downSeconds: number;
  readonly receiverCounts: readonly number[];
  readonly reloads: number;
  readonly writeDocs: boolean;
}

function _options(argv: readonly string[]): Options {
  let values;
  try {
    values = parseArgs({
      args: [...argv],
      options: {
        'parts': { type: 'string', default: ALL_PARTS.join(',') },
        'fuzz-requests': { type: 'string', default: '100000' },
        'concurrency': { type: 'string', default: '8' },
        'duration': { type: 'string', default: '600' },
        'seed': { type: 'string', default: '1' },
        'pause': { type: 'string', default: '20' },
        'down': { type: 'string', default: '10' },
        'receivers': { type: 'string', default: '3000,10000' },
        'reloads': { type: 'string', default: '3' },
        'write-docs': { type: 'boolean', default: false },
      },
    }).values;
  } catch (e) {
    throw new UsageError(`${(e as Error).message} (see docs/reliability.md)`);
  }
  const bounded = (flag: string, raw: string, min: number, max: number): number => {
    const n = Number(raw);
    if (!Number.isInteger(n) || n < min || n > max) throw new UsageError(`--${flag} "${raw}": use an integer from ${min} to ${max}`);
    return n;
  };
  const parts = values.parts!.split(',').map((p) => p.trim()).filter(Boolean) as PartId[];
  for (const p of parts) {
    if (!ALL_PARTS.includes(p)) throw new UsageError(`--parts: unknown part "${p}" (use ${ALL_PARTS.join(', ')})`);
  }
  return {
    parts: ALL_PARTS.filter((p) => parts.includes(p)),
    fuzzRequests: bounded('fuzz-requests', values['fuzz-requests']!, 1, 10_000_000),
    concurrency: bounded('concurrency', values.concurrency!, 1, 64),
    durationSeconds: bounded('duration', values.duration!, 10, 24 * 3600),
    seed: bounded('seed', values.seed!, 0, 2 ** 32 - 1),
    // The pause must outlast the 10 s patch timeout to show what a hung apiserver does.
    pauseSeconds: bounded('pause', values.pause!, 11, 600),
    downSeconds: bounded('down', values.down!, 1, 600),
    receiverCounts: values.receivers!.split(',').map((n) => bounded('receivers', n.trim(), 1, 100_000)),
    reloads: bounded('reloads', values.reloads!, 1, 100),
    writeDocs: values['write-docs']!,
  };
}

const _log = (msg: string) => process.stdout.write(`[reliability ${new Date().toISOString().slice(11, 19)}] ${msg}\n`);
const _loadAverage = () => os.loadavg().map((l) => l.toFixed(2)).join(' ');
const _commit = (): string => {
  try {
    const git = (...args: string[]) => execFileSync('git', args, { cwd: REPO_ROOT, encoding: 'utf8' }).trim();
    return git('rev-parse', '--short', 'HEAD') + (git('status', '--porcelain', '--', 'server') ? ' + uncommitted changes in server/' : '');
  } catch {
    return 'unknown';
  }
};

async function main(): Promise<void> {
  const argv = process.argv.slice(2);
  const options = _options(argv);
  const command = ['npx projen reliability', ...argv].join(' ');
  const started = Date.now();
  const loadBefore = _loadAverage();
  const commit = _commit();
  fs.mkdirSync(RESULTS_DIR, { recursive: true });
  const logDir = path.join(RESULTS_DIR, 'logs');
  fs.rmSync(logDir, { recursive: true, force: true });
  fs.mkdirSync(logDir, { recursive: true });
  let api: TestApiServer | undefined;
  let stored: StoredValues | undefined;
  const cleanup = async () => {
    stored?.stop();
    api?.apiserverProcess.signal('SIGCONT');
    await api?.stop();
  };
  for (const signal of ['SIGINT', 'SIGTERM'] as const) {
    process.once(signal, () => void cleanup().finally(() => process.exit(130)));
  }
  try {
    _log('building the bundle (node server/build.mjs)');
    buildServerBundle();
    _log('starting kube-apiserver + etcd (test harness)');
    // Without the watch cache a watch resumed after the restart reads what it missed from etcd.
    api = await startTestApiServer({ logDir, watchCache: false });
    // The harness's helpers (namespaces, apply, watches) find the apiserver through this variable.
    process.env[KUBECONFIG_ENV] = api.kubeconfigPath;
    const fleet = await Fleet.create();
    stored = await fleet.watch();
    const ctx: PartContext = { api, fleet, stored, log: _log };
    const results: PartResult[] = [];
    for (const part of options.parts) {
      _log(`part ${part}`);
      let result: PartResult;
      if (part === 'fuzz') result = await fuzzPart(ctx, { requests: options.fuzzRequests, concurrency: options.concurrency, seed: options.seed });
      else if (part === 'soak') result = await soakPart(ctx, { durationSeconds: options.durationSeconds, seed: options.seed });
      else if (part === 'outage') result = await outagePart(ctx, { pauseSeconds: options.pauseSeconds, downSeconds: options.downSeconds });
      else if (part === 'sigterm') result = await sigtermPart(ctx, { loadSecondsBeforeSignal: 4 });
      else if (part === 'hostile-cel') result = await hostileCelPart(ctx);
      else result = await manyReceiversPart(ctx, { sizes: options.receiverCounts, reloads: options.reloads, logDir });
      results.push(result);
      const bad = result.checks.filter((c) => !c.pass);
      _log(`part ${part}: ${bad.length ? `FAILED ${bad.map((c) => c.name).join('; ')}` : `all ${result.checks.length} invariants hold`} (${result.seconds.toFixed(0)} s)`);
    }
    const markdown = renderMarkdown({
      command,
      date: new Date().toISOString().replace(/\.\d+Z$/, 'Z'),
      commit,
      node: process.version,
      cpus: `${os.cpus().length} × ${os.cpus()[0]?.model.trim() ?? 'unknown CPU'}`,
      kubernetes: api.versions.kubernetes,
      loadBefore,
      loadAfter: _loadAverage(),
      seconds: (Date.now() - started) / 1000,
    }, results);
    await cleanup();
    const out = path.join(RESULTS_DIR, 'results.md');
    fs.writeFileSync(out, markdown);
    process.stdout.write(`\n${markdown}\n`);
    _log(`written ${path.relative(REPO_ROOT, out)}`);
    if (options.writeDocs) {
      writeDocsBlock(DOCS_FILE, markdown);
      _log(`updated the generated block of ${path.relative(REPO_ROOT, DOCS_FILE)}`);
    }
    const failures = failed(results);
    if (failures.length) {
      _log(`invariants failed: ${failures.map((f) => `${f.name} (${f.detail})`).join('; ')}`);
      process.exitCode = 1;
    }
  } finally {
    await cleanup();
  }
}

main().catch((e: unknown) => {
  const detail = e instanceof UsageError ? e.message : e instanceof Error ? e.stack ?? e.message : String(e);
  process.stderr.write(`reliability failed: ${detail}\n`);
  process.exitCode = 1;
});
