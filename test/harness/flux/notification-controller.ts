// Flux's notification-controller v1.9.3 (built by bench/server/notification-controller/build.sh,
// which `npx projen bench:server` shares) as a process with a kubeconfig, watching every
// namespace, its receiver endpoint on loopback: the backend `FluxReceivers` renders for.
import { ChildProcess, execFileSync } from 'child_process';
import * as path from 'path';
import { freePort, installCrds, launch, REPO_ROOT, stopProcess, tail, TestApiServer, waitUntil } from '../apiserver';

const BUILD_SCRIPT = path.join(REPO_ROOT, 'bench', 'server', 'notification-controller', 'build.sh');

export interface NotificationController {
  readonly version: string;
  /** `http://127.0.0.1:<port>`: its receiver endpoint (Flux's `webhook-receiver` Service in a cluster). */
  readonly receiverUrl: string;
  readonly logFile: string;
  died(): string | undefined;
  stop(): Promise<void>;
}

/** Builds notification-controller if it is not cached and returns the directory of the binary (and its Alert and Provider CRDs, in crds/). */
export function notificationControllerDirectory(): string {
  const out = execFileSync('bash', [BUILD_SCRIPT], { encoding: 'utf8', stdio: ['ignore', 'pipe', 'inherit'] });
  return out.trim().split('\n').pop()!;
}

/** Installs its Alert and Provider CRDs (it waits for them), starts it and resolves when it is ready. */
export async function startNotificationController(api: TestApiServer, workDir: string): Promise<NotificationController> {
  const dir = notificationControllerDirectory();
  await installCrds(api.url, api.adminToken, api.caPem, path.join(dir, 'crds'));
  const [receiverPort, eventsPort, metricsPort, healthPort] = [await freePort(), await freePort(), await freePort(), await freePort()];
  const logFile = path.join(workDir, 'notification-controller.log');
  // Flux's install flags, except loopback addresses and leader election (one replica).
  const child: ChildProcess = launch(path.join(dir, 'notification-controller'), [
    `--receiverAddr=127.0.0.1:${receiverPort}`,
    `--events-addr=127.0.0.1:${eventsPort}`,
    `--metrics-addr=127.0.0.1:${metricsPort}`,
    `--health-addr=127.0.0.1:${healthPort}`,
    '--enable-leader-election=false',
    '--watch-all-namespaces=true',
    '--log-level=info',
    '--log-encoding=json',
  ], logFile, { ...process.env, KUBECONFIG: api.kubeconfigPath });
  const died = () => (child.exitCode !== null || child.signalCode !== null ? `notification-controller exited (${child.exitCode ?? child.signalCode}):\n${tail(logFile)}` : undefined);
  await waitUntil('notification-controller ready', 120_000, async () => {
    try {
      return (await fetch(`http://127.0.0.1:${healthPort}/readyz`)).status === 200;
    } catch {
      return false;
    }
  }, died);
  return {
    version: /\/(v[^/]+)-[0-9a-f]{16}$/.exec(dir)?.[1] ?? 'unknown',
    receiverUrl: `http://127.0.0.1:${receiverPort}`,
    logFile,
    died,
    stop: () => stopProcess(child),
  };
}
