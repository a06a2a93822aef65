// The bundled server (assets/receiver-server/server.cjs) as a child process, for tests that need
// what only a real process shows: flushed stdout, RSS, signals. Files mode over a temporary
// directory, against the harness's apiserver (or any kubeconfig given).
import { ChildProcess, execFileSync, spawn } from 'child_process';
import * as fs from 'fs';
import * as http from 'http';
import * as net from 'net';
import * as os from 'os';
import * as path from 'path';
import { stringify } from 'yaml';
import { adminKubeconfigPath } from '../../harness/kube';

const ROOT = path.join(__dirname, '..', '..', '..');
const BUNDLE = path.join(ROOT, 'assets', 'receiver-server', 'server.cjs');

let built = false;

/** Builds the bundle once per test file. */
export function buildBundle(): void {
  if (built) return;
  execFileSync(process.execPath, [path.join(ROOT, 'server', 'build.mjs')], { cwd: ROOT, stdio: 'pipe' });
  built = true;
}

export function freePort(): Promise<number> {
  return new Promise((resolve) => {
    const s = net.createServer().listen(0, '127.0.0.1', () => {
      const port = (s.address() as net.AddressInfo).port;
      s.close(() => resolve(port));
    });
  });
}

export interface BundleOptions {
  readonly receivers: readonly unknown[];
  /** Secret name → token. */
  readonly tokens: Readonly<Record<string, string>>;
  readonly kubeconfig?: string;
  readonly env?: Readonly<Record<string, string>>;
  readonly nodeArgs?: readonly string[];
}

export class BundleProcess {
  static async start(options: BundleOptions): Promise<BundleProcess> {
    buildBundle();
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'bundle-process-'));
    for (const [name, token] of Object.entries(options.tokens)) {
      fs.mkdirSync(path.join(dir, 'secrets', name), { recursive: true });
      fs.writeFileSync(path.join(dir, 'secrets', name, 'token'), token);
    }
    fs.writeFileSync(path.join(dir, 'receivers.yaml'), options.receivers.map((r) => stringify(r)).join('---\n'));
    const ports = { webhook: await freePort(), metrics: await freePort(), health: await freePort() };
    const child = spawn(process.execPath, [
      ...(options.nodeArgs ?? []),
      BUNDLE, 'serve',
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
    await proc.ready();
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

  private _status(field: string): number {
    const status = fs.readFileSync(`/proc/${this.child.pid}/status`, 'utf8');
    return Number(new RegExp(`${field}:\\s+(\\d+) kB`).exec(status)![1]) * 1024;
  }

  async metric(name: string): Promise<string> {
    const text = await httpGet(`http://127.0.0.1:${this.ports.metrics}/metrics`);
    return text.split('\n').filter((l) => l.startsWith(name)).join('\n');
  }

  async ready(timeoutMs = 20_000): Promise<void> {
    const deadline = Date.now() + timeoutMs;
    while (Date.now() < deadline) {
      if (this.child.exitCode !== null) throw new Error(`server exited ${this.child.exitCode}:\n${this.stdout}`);
      if ((await httpStatus(`http://127.0.0.1:${this.ports.health}/readyz`)) === 200) return;
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

export function httpStatus(url: string): Promise<number> {
  return new Promise((resolve) => {
    http.get(url, { agent: false }, (res) => {
      res.resume();
      res.on('end', () => resolve(res.statusCode ?? 0));
    }).on('error', () => resolve(0));
  });
}

function httpGet(url: string): Promise<string> {
  return new Promise((resolve, reject) => {
    http.get(url, { agent: false }, (res) => {
      let text = '';
      res.on('data', (c) => (text += c));
      res.on('end', () => resolve(text));
    }).on('error', reject);
  });
}

/** The value of one sample line of the Prometheus text format, e.g. `name{a="b"} 3`. */
export function sampleValue(text: string, sample: string): number | undefined {
  const line = text.split('\n').find((l) => l.startsWith(sample + ' '));
  return line === undefined ? undefined : Number(line.slice(sample.length + 1));
}
