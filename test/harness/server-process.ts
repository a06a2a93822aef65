// The bundled server (assets/receiver-server/server.cjs) as a child process, for tests that need
// what only a real process shows: the bin's own argument and environment handling, flushed
// stdout, RSS, signals. Every test that runs the bundle runs it through here.
import { ChildProcess, spawn } from 'child_process';
import * as fs from 'fs';
import * as os from 'os';
import * as path from 'path';
import { stringify } from 'yaml';
import { freePort } from './apiserver';
import { send, statusOf } from './http';
import { adminKubeconfigPath } from './kube';
import { buildServerBundle, SERVER_BUNDLE } from './server-bundle';
import { SERVER_FLAGS, SERVER_NODE_FLAGS } from '../../src/model';

export interface ServeOptions {
  /**
   * The arguments after `serve`; the three listen flags (loopback, free ports) are added, so a
   * test does not pass them.
   */
  readonly args: readonly string[];
  /** The environment besides PATH (the process inherits nothing else). */
  readonly env?: Readonly<Record<string, string>>;
  /** Node options before the bundle, after the image's own (`SERVER_NODE_FLAGS`). */
  readonly nodeArgs?: readonly string[];
  /**
   * Whether `serve` waits for /readyz (false: for a server that cannot become ready, e.g. one
   * whose API server is unreachable, or one a test watches start).
   * @default true
   */
  readonly waitUntilReady?: boolean;
}

export interface BundleOptions extends Omit<ServeOptions, 'args'> {
  readonly receivers: readonly unknown[];
  /** Secret name → token. */
  readonly tokens: Readonly<Record<string, string>>;
  /** Secret name → further keys and values (e.g. a verification key `token.next`). */
  readonly secretKeys?: Readonly<Record<string, Readonly<Record<string, string>>>>;
  /** @default - the test apiserver's admin kubeconfig */
  readonly kubeconfig?: string;
}

/** How a one-shot run of the bin ended. */
export interface BundleRun {
  readonly code: number | null;
  readonly stdout: string;
  readonly stderr: string;
}

/**
 * Runs the bin once as a user runs it: its own process, nothing from this process's environment
 * but PATH (and `env`).
 */
export function runBundle(args: readonly string[], env: Readonly<Record<string, string>> = {}): Promise<BundleRun> {
  buildServerBundle();
  return new Promise((resolve) => {
    const child = spawn(process.execPath, [SERVER_BUNDLE, ...args], { env: { PATH: process.env.PATH, ...env }, stdio: ['ignore', 'pipe', 'pipe'] });
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (c) => (stdout += c));
    child.stderr.on('data', (c) => (stderr += c));
    child.on('close', (code) => resolve({ code, stdout, stderr }));
  });
}

const LISTEN_FLAGS: readonly string[] = [SERVER_FLAGS.listen.flag, SERVER_FLAGS.metricsListen.flag, SERVER_FLAGS.healthListen.flag];

/**
 * A container's arguments (`serve …`) as `BundleProcess.serve` takes them: without `serve` and
 * without the three listen flags, which it sets to free loopback ports.
 */
export function containerServeArgs(containerArgs: readonly string[]): string[] {
  if (containerArgs[0] !== 'serve') throw new Error(`not a serve command line: ${containerArgs.join(' ')}`);
  return containerArgs.slice(1).filter((a, i, all) => !LISTEN_FLAGS.includes(a) && !LISTEN_FLAGS.includes(all[i - 1]));
}

export class BundleProcess {
  /** `flux-webhook-receiver serve` with `options.args`, on free loopback ports. */
  static async serve(options: ServeOptions, dir?: string): Promise<BundleProcess> {
    buildServerBundle();
    const ports = { webhook: await freePort(), metrics: await freePort(), health: await freePort() };
    const child = spawn(process.execPath, [
      // As the image runs it.
      ...SERVER_NODE_FLAGS,
      ...(options.nodeArgs ?? []),
      SERVER_BUNDLE, 'serve',
      '--listen', `127.0.0.1:${ports.webhook}`,
      '--metrics-listen', `127.0.0.1:${ports.metrics}`,
      '--health-listen', `127.0.0.1:${ports.health}`,
      ...options.args,
    ], { env: { PATH: process.env.PATH, ...options.env }, stdio: ['ignore', 'pipe', 'pipe'] });
    const proc = new BundleProcess(child, dir, ports);
    if (options.waitUntilReady ?? true) await proc.ready();
    return proc;
  }

  /** Files mode over a temporary directory, against the test apiserver (or `kubeconfig`). */
  static async start(options: BundleOptions): Promise<BundleProcess> {
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'bundle-process-'));
    for (const [name, token] of Object.entries(options.tokens)) {
      fs.mkdirSync(path.join(dir, 'secrets', name), { recursive: true });
      fs.writeFileSync(path.join(dir, 'secrets', name, 'token'), token);
    }
    for (const [name, keys] of Object.entries(options.secretKeys ?? {})) {
      fs.mkdirSync(path.join(dir, 'secrets', name), { recursive: true });
      for (const [key, value] of Object.entries(keys)) fs.writeFileSync(path.join(dir, 'secrets', name, key), value);
    }
    fs.writeFileSync(path.join(dir, 'receivers.yaml'), options.receivers.map((r) => stringify(r)).join('---\n'));
    return BundleProcess.serve({
      ...options,
      args: [
        '--receivers', path.join(dir, 'receivers.yaml'),
        '--secrets-dir', path.join(dir, 'secrets'),
        // These tests flood on purpose and measure what else holds; the per-receiver rate limit (an
        // extension with its own tests) would answer 429 before the behaviour under test.
        '--rate-limit', 'off', '--generic-rate-limit', 'off',
      ],
      env: { KUBECONFIG: options.kubeconfig ?? adminKubeconfigPath(), ...options.env },
    }, dir);
  }

  /** stdout and stderr as written, interleaved. */
  output = '';
  /** stderr alone. */
  stderr = '';
  readonly exited: Promise<number | null>;

  private constructor(
    readonly child: ChildProcess,
    private readonly dir: string | undefined,
    readonly ports: { webhook: number; metrics: number; health: number },
  ) {
    child.stdout!.on('data', (c) => (this.output += c));
    child.stderr!.on('data', (c) => {
      this.output += c;
      this.stderr += c;
    });
    this.exited = new Promise((resolve) => child.on('exit', (code) => resolve(code)));
  }

  /** Every complete JSON line written so far (the process flushes its log every 50 ms). */
  lines(): Record<string, any>[] {
    return this.output.split('\n').filter((l) => l.startsWith('{')).map((l) => JSON.parse(l));
  }

  url(p: string): string {
    return `http://127.0.0.1:${this.ports.webhook}${p}`;
  }

  /** Resident set size in bytes (Linux /proc). */
  rss(): number {
    return this._status('VmRSS');
  }

  /** Peak resident set size so far, in bytes. */
  peakRss(): number {
    return this._status('VmHWM');
  }

  /** Starts the peak (VmHWM) over from the current RSS (Linux `clear_refs` 5). */
  resetPeakRss(): void {
    fs.writeFileSync(`/proc/${this.child.pid}/clear_refs`, '5');
  }

  private _status(field: string): number {
    const status = fs.readFileSync(`/proc/${this.child.pid}/status`, 'utf8');
    return Number(new RegExp(`${field}:\\s+(\\d+) kB`).exec(status)![1]) * 1024;
  }

  async metric(name: string): Promise<string> {
    const text = (await send(`http://127.0.0.1:${this.ports.metrics}/metrics`, { method: 'GET' })).body;
    return text.split('\n').filter((l) => l.startsWith(name)).join('\n');
  }

  async ready(timeoutMs = 20_000): Promise<void> {
    const deadline = Date.now() + timeoutMs;
    while (Date.now() < deadline) {
      if (this.child.exitCode !== null) throw new Error(`server exited ${this.child.exitCode}:\n${this.output}`);
      if ((await statusOf(`http://127.0.0.1:${this.ports.health}/readyz`)) === 200) return;
      await new Promise((r) => setTimeout(r, 50));
    }
    throw new Error(`server not ready:\n${this.output}`);
  }

  /** SIGTERM, as the kubelet stops a pod: the exit code once the server has shut down. */
  async terminate(): Promise<number | null> {
    if (this.child.exitCode === null && this.child.signalCode === null) this.child.kill('SIGTERM');
    return this.exited;
  }

  async stop(): Promise<void> {
    if (this.child.exitCode === null && this.child.signalCode === null) {
      this.child.kill('SIGKILL');
      await this.exited;
    }
    if (this.dir) fs.rmSync(this.dir, { recursive: true, force: true });
  }
}

/** The value of one sample line of the Prometheus text format, e.g. `name{a="b"} 3`. */
export function sampleValue(text: string, sample: string): number | undefined {
  const line = text.split('\n').find((l) => l.startsWith(sample + ' '));
  return line === undefined ? undefined : Number(line.slice(sample.length + 1));
}
