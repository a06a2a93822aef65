// The bundled server (assets/receiver-server/server.cjs) as a child process, for tests that need
// what only a real process shows: flushed stdout, RSS, signals. Files mode over a temporary
// directory, against the harness's apiserver (or any kubeconfig given).
import { ChildProcess, spawn } from 'child_process';
import * as fs from 'fs';
import * as os from 'os';
import * as path from 'path';
import { stringify } from 'yaml';
import { SERVER_NODE_FLAGS } from '../../../src/model';
import { freePort } from '../../harness/apiserver';
import { send, statusOf } from '../../harness/http';
import { adminKubeconfigPath } from '../../harness/kube';
import { buildServerBundle, SERVER_BUNDLE } from '../../harness/server-bundle';

export interface BundleOptions {
  readonly receivers: readonly unknown[];
  /** Secret name → token. */
  readonly tokens: Readonly<Record<string, string>>;
  /** Secret name → further keys and values (e.g. a verification key `token.next`). */
  readonly secretKeys?: Readonly<Record<string, Readonly<Record<string, string>>>>;
  readonly kubeconfig?: string;
  readonly env?: Readonly<Record<string, string>>;
  readonly nodeArgs?: readonly string[];
  /**
   * Whether `start` waits for /readyz (false: for a server that cannot become ready, e.g. one whose
   * API server is unreachable).
   * @default true
   */
  readonly waitUntilReady?: boolean;
}

export class BundleProcess {
  static async start(options: BundleOptions): Promise<BundleProcess> {
    buildServerBundle();
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
    const ports = { webhook: await freePort(), metrics: await freePort(), health: await freePort() };
    const child = spawn(process.execPath, [
      // As the image runs it.
      ...SERVER_NODE_FLAGS,
      ...(options.nodeArgs ?? []),
      SERVER_BUNDLE, 'serve',
      '--listen', `127.0.0.1:${ports.webhook}`,
      '--metrics-listen', `127.0.0.1:${ports.metrics}`,
      '--health-listen', `127.0.0.1:${ports.health}`,
      '--receivers', path.join(dir, 'receivers.yaml'),
      '--secrets-dir', path.join(dir, 'secrets'),
      // These tests flood on purpose and measure what else holds; the per-receiver rate limit (an
      // extension with its own tests) would answer 429 before the behaviour under test.
      '--rate-limit', 'off', '--generic-rate-limit', 'off',
    ], { env: { PATH: process.env.PATH, KUBECONFIG: options.kubeconfig ?? adminKubeconfigPath(), ...options.env }, stdio: ['ignore', 'pipe', 'pipe'] });
    const proc = new BundleProcess(child, dir, ports);
    if (options.waitUntilReady ?? true) await proc.ready();
    return proc;
  }

  stdout = '';
  readonly exited: Promise<number | null>;

  private constructor(readonly child: ChildProcess, readonly dir: string, readonly ports: { webhook: number; metrics: number; health: number }) {
    child.stdout!.on('data', (c) => (this.stdout += c));
    child.stderr!.on('data', (c) => (this.stdout += c));
    this.exited = new Promise((resolve) => child.on('exit', (code) => resolve(code)));
  }

  /** Every complete JSON line written so far (the process flushes its log every 50 ms). */
  lines(): Record<string, any>[] {
    return this.stdout.split('\n').filter((l) => l.startsWith('{')).map((l) => JSON.parse(l));
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
      if (this.child.exitCode !== null) throw new Error(`server exited ${this.child.exitCode}:\n${this.stdout}`);
      if ((await statusOf(`http://127.0.0.1:${this.ports.health}/readyz`)) === 200) return;
      await new Promise((r) => setTimeout(r, 50));
    }
    throw new Error(`server not ready:\n${this.stdout}`);
  }

  async stop(): Promise<void> {
    if (this.child.exitCode === null && this.child.signalCode === null) {
      this.child.kill('SIGKILL');
      await this.exited;
    }
    fs.rmSync(this.dir, { recursive: true, force: true });
  }
}

/** The value of one sample line of the Prometheus text format, e.g. `name{a="b"} 3`. */
export function sampleValue(text: string, sample: string): number | undefined {
  const line = text.split('\n').find((l) => l.startsWith(sample + ' '));
  return line === undefined ? undefined : Number(line.slice(sample.length + 1));
}
