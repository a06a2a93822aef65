// The bundled bin as a user runs it: its own process with nothing from this process's environment
// but PATH (and the variables a test gives), and `serve` started on free loopback ports.
import { ChildProcess, spawn } from 'child_process';
import * as http from 'http';
import { freePort } from '../../harness/apiserver';
import { adminKubeconfigPath, eventually } from '../../harness/kube';
import { SERVER_BUNDLE } from '../../harness/server-bundle';

export interface Run {
  readonly code: number | null;
  readonly stdout: string;
  readonly stderr: string;
}

export function bin(args: readonly string[], env: Record<string, string> = {}): Promise<Run> {
  return new Promise((resolve) => {
    const child = spawn(process.execPath, [SERVER_BUNDLE, ...args], { env: { PATH: process.env.PATH, ...env }, stdio: ['ignore', 'pipe', 'pipe'] });
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (c) => (stdout += c));
    child.stderr.on('data', (c) => (stderr += c));
    child.on('close', (code) => resolve({ code, stdout, stderr }));
  });
}

function readyz(port: number): Promise<number> {
  return new Promise((resolve) => {
    http.get(`http://127.0.0.1:${port}/readyz`, (res) => {
      res.resume();
      res.on('end', () => resolve(res.statusCode ?? 0));
    }).on('error', () => resolve(0));
  });
}

/** `serve` with `args` and the harness's kubeconfig, ready; its webhook base URL and everything it printed so far. */
export async function startServer(args: readonly string[]): Promise<{ child: ChildProcess; base: string; output: () => string }> {
  const webhook = await freePort();
  const health = await freePort();
  const child = spawn(process.execPath, [SERVER_BUNDLE, 'serve', ...args, '--kubeconfig', adminKubeconfigPath(),
    '--listen', `127.0.0.1:${webhook}`, '--health-listen', `127.0.0.1:${health}`, '--metrics-listen', `127.0.0.1:${await freePort()}`], { env: { PATH: process.env.PATH }, stdio: ['ignore', 'pipe', 'pipe'] });
  let output = '';
  child.stdout!.on('data', (c) => (output += c));
  child.stderr!.on('data', (c) => (output += c));
  await eventually('the bundled server to be ready', async () => ((await readyz(health)) === 200 ? true : undefined), 30_000)
    .catch((e) => {
      throw new Error(`${(e as Error).message}\n${output}`);
    });
  return { child, base: `http://127.0.0.1:${webhook}`, output: () => output };
}
