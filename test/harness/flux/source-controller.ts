// Flux's source-controller (the version Flux v2.9.4 ships, built by build.sh) as a process with a
// kubeconfig, its artifact storage and endpoints on loopback.
import { ChildProcess, execFileSync } from 'child_process';
import * as fs from 'fs';
import * as path from 'path';
import { freePort, launch, stopProcess, tail } from '../apiserver';

export interface SourceController {
  readonly version: string;
  readonly logFile: string;
  /** Exited early: its exit and the end of its log; undefined while it runs. */
  died(): string | undefined;
  stop(): Promise<void>;
}

/** Builds source-controller if it is not cached (build.sh) and returns the binary. */
export function sourceControllerBinary(): string {
  const out = execFileSync('bash', [path.join(__dirname, 'build.sh')], { encoding: 'utf8', stdio: ['ignore', 'pipe', 'inherit'] });
  return path.join(out.trim().split('\n').pop()!, 'source-controller');
}

export async function startSourceController(kubeconfig: string, workDir: string): Promise<SourceController> {
  const binary = sourceControllerBinary();
  const storage = path.join(workDir, 'source-controller-storage');
  fs.mkdirSync(storage, { recursive: true });
  const storagePort = await freePort();
  const logFile = path.join(workDir, 'source-controller.log');
  const child: ChildProcess = launch(binary, [
    '--storage-path', storage, '--storage-addr', `127.0.0.1:${storagePort}`, '--storage-adv-addr', `127.0.0.1:${storagePort}`,
    '--metrics-addr', `127.0.0.1:${await freePort()}`, '--health-addr', `127.0.0.1:${await freePort()}`,
    '--enable-leader-election=false', '--log-level', 'info',
  ], logFile, { ...process.env, KUBECONFIG: kubeconfig });
  const version = /\/([^/]+)-[0-9a-f]{16}\/source-controller$/.exec(binary)?.[1] ?? 'unknown';
  return {
    version,
    logFile,
    died: () => (child.exitCode !== null || child.signalCode !== null ? `source-controller exited (${child.exitCode ?? child.signalCode}):\n${tail(logFile)}` : undefined),
    stop: () => stopProcess(child),
  };
}
