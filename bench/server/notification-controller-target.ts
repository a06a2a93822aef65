// Flux's own notification-controller as a benchmark target: built from the Go module proxy by
// notification-controller/build.sh (cached outside the repository), run against the harness's
// kube-apiserver with the admin kubeconfig, and given the same github Receiver as the other
// targets as a real Kubernetes object (so its webhook path is the same /hook/<sha256>).
import { execFileSync } from 'child_process';
import * as fs from 'fs';
import * as path from 'path';
import { KubeConfig } from '@kubernetes/client-node';
import { startChild, waitForHttp } from './child-process';
import { HOT_NAME, HOT_NAMESPACE } from './hot-target';
import { getText, RECEIVER_NAME, SECRET_NAME, sumMetric, Target, TargetContext } from './targets';
import { hookPath } from '../../src/model';
import { freePort, installCrds, REPO_ROOT } from '../../test/harness/apiserver';
import { apply, eventually, kubeRequest } from '../../test/harness/kube';

const BUILD_DIR = path.join(__dirname, 'notification-controller');
const BUILD_SCRIPT = path.join(BUILD_DIR, 'build.sh');

export interface NotificationControllerBuild {
  readonly version: string;
  /** The Go release that built it, e.g. `go1.26.8`. */
  readonly goVersion: string;
  readonly binary: string;
  /** The module's Alert and Provider CRDs: its manager waits for them before serving. */
  readonly crdDir: string;
}

/** The build failed; its own output says why (printed without a stack trace). */
export class BuildFailed extends Error {}

/** The version go.mod requires, e.g. `v1.9.3`. */
export function notificationControllerVersion(): string {
  const goMod = fs.readFileSync(path.join(BUILD_DIR, 'go.mod'), 'utf8');
  const match = /^\s*(?:require\s+)?github\.com\/fluxcd\/notification-controller (v\S+)/m.exec(goMod);
  if (!match) throw new Error(`${path.relative(REPO_ROOT, BUILD_DIR)}/go.mod requires no github.com/fluxcd/notification-controller`);
  return match[1];
}

/** Builds the controller unless it is cached (several minutes the first time); fails naming the command. */
export function ensureNotificationController(): NotificationControllerBuild {
  const command = `bash ${path.relative(REPO_ROOT, BUILD_SCRIPT)}`;
  let out: string;
  try {
    // The script's progress goes to stderr, shown as it happens; the last stdout line is the directory.
    out = execFileSync('bash', [BUILD_SCRIPT], { encoding: 'utf8', stdio: ['ignore', 'pipe', 'inherit'] });
  } catch (e) {
    const status = (e as { status?: number | null }).status;
    throw new BuildFailed(`building notification-controller failed: \`${command}\` exited with ${status ?? (e as Error).message} ` +
      '(its output is above). Fix that, or leave the target out: --targets receiver,baseline,webhook');
  }
  const dir = out.trim().split('\n').pop()!;
  const binary = path.join(dir, 'notification-controller');
  const crdDir = path.join(dir, 'crds');
  if (!fs.existsSync(binary) || !fs.existsSync(crdDir)) throw new Error(`\`${command}\` printed ${dir}, which holds no notification-controller and crds/`);
  return { version: notificationControllerVersion(), goVersion: _goVersion(binary), binary, crdDir };
}

/** `go version <binary>` reads the release stamped into it. */
function _goVersion(binary: string): string {
  try {
    return execFileSync('go', ['version', binary], { encoding: 'utf8' }).trim().split(' ').pop()!;
  } catch {
    return 'Go version unknown';
  }
}

export async function startNotificationController(ctx: TargetContext, build: NotificationControllerBuild): Promise<Target> {
  const { api } = ctx;
  await installCrds(api.url, api.adminToken, api.caPem, build.crdDir);
  const kc = new KubeConfig();
  kc.loadFromFile(api.kubeconfigPath);
  await apply([
    {
      apiVersion: 'v1',
      kind: 'Secret',
      metadata: { name: SECRET_NAME, namespace: HOT_NAMESPACE },
      stringData: { token: ctx.token },
    },
    {
      apiVersion: 'notification.toolkit.fluxcd.io/v1',
      kind: 'Receiver',
      metadata: { name: RECEIVER_NAME, namespace: HOT_NAMESPACE },
      spec: {
        type: 'github',
        events: ['push'],
        secretRef: { name: SECRET_NAME },
        resources: [{ apiVersion: 'source.toolkit.fluxcd.io/v1', kind: 'GitRepository', name: HOT_NAME }],
      },
    },
  ], undefined, kc);

  const [port, eventsPort, metricsPort, healthPort] = [await freePort(), await freePort(), await freePort(), await freePort()];
  // Flags as in Flux's install manifests, except the addresses (loopback, free ports) and leader
  // election (off: one replica). The events endpoint only receives what other controllers post;
  // nothing does here. Everything else keeps its default, e.g. --kube-api-qps 50 and the Secret
  // cache off, so every webhook reads the Receiver's Secret from the API server.
  const child = startChild('notification-controller', build.binary, [
    `--receiverAddr=127.0.0.1:${port}`,
    `--events-addr=127.0.0.1:${eventsPort}`,
    `--metrics-addr=127.0.0.1:${metricsPort}`,
    `--health-addr=127.0.0.1:${healthPort}`,
    '--enable-leader-election=false',
    '--watch-all-namespaces=true',
    '--log-level=info',
    '--log-encoding=json',
  ], path.join(ctx.logDir, 'notification-controller.log'), { ...process.env, KUBECONFIG: api.kubeconfigPath });
  await waitForHttp(child, `http://127.0.0.1:${healthPort}/readyz`, 120_000, 200);

  const expected = hookPath(ctx.token, RECEIVER_NAME, HOT_NAMESPACE);
  const receiverUrl = `/apis/notification.toolkit.fluxcd.io/v1/namespaces/${HOT_NAMESPACE}/receivers/${RECEIVER_NAME}`;
  const webhookPath = await eventually(`Receiver ${HOT_NAMESPACE}/${RECEIVER_NAME} Ready with a webhookPath (log: ${child.logFile})`, async () => {
    child.assertAlive();
    const res = await kubeRequest(kc, 'GET', receiverUrl);
    const status = res.body?.status ?? {};
    const ready = (status.conditions ?? []).some((c: { type: string; status: string }) => c.type === 'Ready' && c.status === 'True');
    return ready && status.webhookPath ? String(status.webhookPath) : undefined;
  }, 60_000);
  if (webhookPath !== expected) {
    throw new Error(`notification-controller: the Receiver's status.webhookPath is not /hook/sha256(token + name + namespace) like the other targets' (${webhookPath.length} characters)`);
  }

  const metricsUrl = `http://127.0.0.1:${metricsPort}/metrics`;
  return {
    id: 'nc',
    label: `notification-controller ${build.version}`,
    hookUrl: `http://127.0.0.1:${port}${webhookPath}`,
    child,
    // Flux answers 400 to a wrong signature (internal/server/receiver_handlers.go of the module).
    expectedStatus: { accepted: 200, rejected: 400 },
    counts: async () => {
      const text = await getText(metricsUrl);
      // Its HTTP middleware counts answers by code; client-go counts the API calls it sends. The
      // only PATCHes during a run are the reconcile annotations (one per accepted delivery).
      // client-go's code "<error>" is a call with no response: here, the deliveries in flight when
      // the load generator stops, whose request context (and so PATCH) Go cancels ("context
      // canceled" in the log).
      const patchesWith = (code?: string) => sumMetric(text, 'rest_client_requests_total', code ? { method: 'PATCH', code } : { method: 'PATCH' });
      const ok = patchesWith('200');
      const canceled = patchesWith('<error>');
      return {
        accepted: sumMetric(text, 'gotk_receiver_http_request_duration_seconds_count', { code: '200' }),
        patches: ok,
        patchErrors: patchesWith() - ok - canceled,
        patchesCanceled: canceled,
      };
    },
  };
}
