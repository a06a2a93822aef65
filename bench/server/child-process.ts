// A server under test, started as a child process: logs to a file, dies with the benchmark
// (setpriv --pdeathsig), and reports its resident memory from /proc.
import { ChildProcess, spawn } from 'child_process';
import * as fs from 'fs';
import * as http from 'http';

export interface BenchChild {
  readonly name: string;
  readonly pid: number;
  readonly logFile: string;
  /** Resident set size now (VmRSS), in bytes. */
  rss(): number;
  /** Peak resident set size so far (VmHWM), in bytes. */
  peakRss(): number;
  /** Fails with the log tail if the process has exited. */
  assertAlive(): void;
  stop(): Promise<void>;
}

const running = new Set<BenchChild>();

/** Stops every child still running; used on errors and signals. */
export async function stopAllChildren(): Promise<void> {
  await Promise.all([...running].map((c) => c.stop()));
}

export function startChild(
  name: string, command: string, args: readonly string[], logFile: string, env: NodeJS.ProcessEnv = process.env,
): BenchChild {
  const log = fs.openSync(logFile, 'w');
  // setpriv execs the command, so the pid is the server's own; --pdeathsig kills it if the
  // benchmark dies without cleaning up.
  const proc: ChildProcess = spawn('setpriv', ['--pdeathsig', 'KILL', '--', command, ...args], { stdio: ['ignore', log, log], env });
  fs.closeSync(log);
  if (proc.pid === undefined) throw new Error(`${name}: could not start ${command}`);
  const pid = proc.pid;
  const exited = new Promise<void>((resolve) => proc.once('exit', () => resolve()));
  const child: BenchChild = {
    name,
    pid,
    logFile,
    rss: () => _procStatusBytes(pid, 'VmRSS'),
    peakRss: () => _procStatusBytes(pid, 'VmHWM'),
    assertAlive: () => {
      if (proc.exitCode !== null || proc.signalCode !== null) {
        throw new Error(`${name} exited (${proc.exitCode ?? proc.signalCode}); last log lines of ${logFile}:\n${_tail(logFile)}`);
      }
    },
    stop: async () => {
      running.delete(child);
      if (proc.exitCode !== null || proc.signalCode !== null) return;
      proc.kill('SIGTERM');
      const timer = setTimeout(() => proc.kill('SIGKILL'), 5000);
      await exited;
      clearTimeout(timer);
    },
  };
  running.add(child);
  return child;
}

/**
 * Waits until `child` has no child processes and used at most `idleCpuMs` of CPU over the last
 * 250 ms, at most `timeoutMs`; returns how long that took. adnanh/webhook answers before its
 * command runs, so a run leaves thousands of forks behind that would otherwise load the next run.
 */
export async function waitUntilQuiet(child: BenchChild, timeoutMs = 60_000, idleCpuMs = 25): Promise<number> {
  const started = Date.now();
  let before = _cpuMs(child.pid);
  while (Date.now() - started < timeoutMs) {
    await new Promise((r) => setTimeout(r, 250));
    const now = _cpuMs(child.pid);
    if (_childCount(child.pid) === 0 && now - before <= idleCpuMs) break;
    before = now;
  }
  return (Date.now() - started) / 1000;
}

/** User + system CPU time of `pid`, its threads and its reaped children, in ms. */
function _cpuMs(pid: number): number {
  const stat = fs.readFileSync(`/proc/${pid}/stat`, 'utf8');
  // Fields after the command name (which may contain spaces) start at field 3.
  const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
  const ticks = Number(fields[11]) + Number(fields[12]) + Number(fields[13]) + Number(fields[14]);
  return ticks * 10;
}

function _childCount(pid: number): number {
  let count = 0;
  for (const tid of fs.readdirSync(`/proc/${pid}/task`)) {
    const children = fs.readFileSync(`/proc/${pid}/task/${tid}/children`, 'utf8').trim();
    if (children) count += children.split(/\s+/).length;
  }
  return count;
}

/** Polls `url` until it answers with `status` (any status when undefined), at most `timeoutMs`. */
export async function waitForHttp(child: BenchChild, url: string, timeoutMs: number, status?: number): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  let last = 'no answer';
  while (Date.now() < deadline) {
    child.assertAlive();
    try {
      const code = await _get(url);
      if (status === undefined || code === status) return;
      last = `HTTP ${code}`;
    } catch (e) {
      last = (e as Error).message;
    }
    await new Promise((r) => setTimeout(r, 100));
  }
  throw new Error(`${child.name}: ${url} not ready after ${timeoutMs} ms (${last}); log: ${child.logFile}\n${_tail(child.logFile)}`);
}

function _get(url: string): Promise<number> {
  return new Promise((resolve, reject) => {
    const req = http.get(url, { timeout: 2000 }, (res) => {
      res.resume();
      res.on('end', () => resolve(res.statusCode ?? 0));
    });
    req.on('timeout', () => req.destroy(new Error('timeout')));
    req.on('error', reject);
  });
}

function _procStatusBytes(pid: number, field: string): number {
  const status = fs.readFileSync(`/proc/${pid}/status`, 'utf8');
  const match = new RegExp(`^${field}:\\s+(\\d+) kB`, 'm').exec(status);
  if (!match) throw new Error(`/proc/${pid}/status has no ${field}`);
  return Number(match[1]) * 1024;
}

function _tail(file: string, lines = 20): string {
  try {
    return fs.readFileSync(file, 'utf8').trim().split('\n').slice(-lines).join('\n');
  } catch {
    return '';
  }
}
