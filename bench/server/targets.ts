// The servers under test, each started as its own process on 127.0.0.1:
//   receiver  - this project's bundle (assets/receiver-server/server.cjs), files mode;
//   baseline  - bench/server/baseline-server.ts, bundled here with esbuild;
//   webhook   - adnanh/webhook (Debian package), payload-hmac-sha256 rule, runs /bin/true;
//   nc        - Flux's notification-controller (notification-controller-target.ts).
import { execFileSync } from 'child_process';
import * as fs from 'fs';
import * as http from 'http';
import * as path from 'path';
import { buildSync } from 'esbuild';
import { BenchChild, startChild, waitForHttp } from './child-process';
import { HOT_NAME, HOT_NAMESPACE, hotTargetUrl } from './hot-target';
import { hookPath, SERVER_NODE_FLAGS } from '../../src/model';
import { freePort, TestApiServer } from '../../test/harness/apiserver';
import { SERVER_BUNDLE } from '../../test/harness/server-bundle';

export const RECEIVER_NAME = 'github-push';
export const SECRET_NAME = 'github-webhook-token';

/** What a server says about the deliveries it accepted and the PATCHes it sent. */
export interface PatchCounts {
  readonly accepted: number;
  readonly patches: number;
  readonly patchErrors: number;
  /** PATCHes that got no answer because the request was canceled (its client went away). */
  readonly patchesCanceled?: number;
}

export interface Target {
  readonly id: 'receiver' | 'baseline' | 'webhook' | 'nc';
  readonly label: string;
  /** Full URL of the webhook endpoint. */
  readonly hookUrl: string;
  readonly child: BenchChild;
  /** The status a run of each case must answer with to count (200 and 400 except where noted). */
  readonly expectedStatus: { readonly accepted: number; readonly rejected: number };
  /** Cumulative counters, when the server exposes them. */
  counts(): Promise<PatchCounts | undefined>;
}

export interface TargetContext {
  readonly api: TestApiServer;
  readonly workDir: string;
  /** Where the servers' logs go. */
  readonly logDir: string;
  readonly token: string;
  /** Extra `node` flags for the receiver server (e.g. --cpu-prof). */
  readonly serverNodeFlags: readonly string[];
  readonly serverLogLevel: string;
}

export async function startReceiverServer(ctx: TargetContext): Promise<Target> {
  if (!fs.existsSync(SERVER_BUNDLE)) throw new Error(`${SERVER_BUNDLE} not found: run "node server/build.mjs" first`);
  const secretsDir = path.join(ctx.workDir, 'secrets');
  fs.mkdirSync(path.join(secretsDir, SECRET_NAME), { recursive: true });
  fs.writeFileSync(path.join(secretsDir, SECRET_NAME, 'token'), ctx.token, { mode: 0o600 });
  const receiversFile = path.join(ctx.workDir, 'receivers.yaml');
  fs.writeFileSync(receiversFile, [
    'apiVersion: notification.toolkit.fluxcd.io/v1',
    'kind: Receiver',
    'metadata:',
    `  name: ${RECEIVER_NAME}`,
    `  namespace: ${HOT_NAMESPACE}`,
    'spec:',
    '  type: github',
    '  events: ["push"]',
    '  secretRef:',
    `    name: ${SECRET_NAME}`,
    '  resources:',
    '    - apiVersion: source.toolkit.fluxcd.io/v1',
    '      kind: GitRepository',
    `      name: ${HOT_NAME}`,
    '',
  ].join('\n'));
  const [port, metricsPort, healthPort] = [await freePort(), await freePort(), await freePort()];
  const child = startChild('receiver server', process.execPath, [
    // The image's Node flags, then the benchmark's own (--cpu-prof).
    ...SERVER_NODE_FLAGS,
    ...ctx.serverNodeFlags,
    SERVER_BUNDLE, 'serve',
    '--receivers', receiversFile,
    '--secrets-dir', secretsDir,
    '--kubeconfig', ctx.api.kubeconfigPath,
    '--listen', `127.0.0.1:${port}`,
    '--metrics-listen', `127.0.0.1:${metricsPort}`,
    '--health-listen', `127.0.0.1:${healthPort}`,
    '--log-level', ctx.serverLogLevel,
    // Every accepted request repeats one delivery id and body; each must cost what a new delivery costs.
    '--duplicate-window', '0',
    // The benchmark measures the pipeline, so its one hot receiver is not held to the default
    // per-receiver rate limit (20/s), which would answer nearly every accepted request with 429.
    '--rate-limit', 'off',
  ], path.join(ctx.logDir, 'receiver-server.log'));
  await waitForHttp(child, `http://127.0.0.1:${healthPort}/readyz`, 30_000, 200);
  const metricsUrl = `http://127.0.0.1:${metricsPort}/metrics`;
  return {
    id: 'receiver',
    label: 'this server',
    hookUrl: `http://127.0.0.1:${port}${hookPath(ctx.token, RECEIVER_NAME, HOT_NAMESPACE)}`,
    child,
    expectedStatus: { accepted: 200, rejected: 400 },
    counts: async () => {
      const text = await getText(metricsUrl);
      return {
        accepted: sumMetric(text, 'flux_webhook_receiver_deliveries_total', { outcome: 'triggered' }),
        patches: sumMetric(text, 'flux_webhook_receiver_patches_total', { outcome: 'ok' }),
        patchErrors: sumMetric(text, 'flux_webhook_receiver_patches_total', { outcome: 'error' }),
      };
    },
  };
}

export async function startBaseline(ctx: TargetContext): Promise<Target> {
  const bundle = path.join(ctx.workDir, 'baseline-server.cjs');
  buildSync({
    entryPoints: [path.join(__dirname, 'baseline-server.ts')],
    outfile: bundle,
    bundle: true,
    platform: 'node',
    target: 'node20',
    format: 'cjs',
    minify: true,
    logLevel: 'warning',
  });
  const files = {
    BASELINE_TOKEN_FILE: path.join(ctx.workDir, 'baseline-token'),
    BASELINE_CA_FILE: path.join(ctx.workDir, 'apiserver-ca.pem'),
    BASELINE_BEARER_TOKEN_FILE: path.join(ctx.workDir, 'apiserver-token'),
  };
  fs.writeFileSync(files.BASELINE_TOKEN_FILE, ctx.token, { mode: 0o600 });
  fs.writeFileSync(files.BASELINE_CA_FILE, ctx.api.caPem);
  fs.writeFileSync(files.BASELINE_BEARER_TOKEN_FILE, ctx.api.adminToken, { mode: 0o600 });
  const port = await freePort();
  const hook = hookPath(ctx.token, RECEIVER_NAME, HOT_NAMESPACE);
  const child = startChild('baseline', process.execPath, [bundle], path.join(ctx.logDir, 'baseline.log'), {
    ...process.env,
    ...files,
    BASELINE_PORT: String(port),
    BASELINE_HOOK_PATH: hook,
    BASELINE_TARGET_URL: hotTargetUrl(ctx.api),
  });
  const statsUrl = `http://127.0.0.1:${port}/stats`;
  await waitForHttp(child, statsUrl, 10_000, 200);
  return {
    id: 'baseline',
    label: 'bare node:http baseline',
    hookUrl: `http://127.0.0.1:${port}${hook}`,
    child,
    expectedStatus: { accepted: 200, rejected: 400 },
    counts: async () => {
      const stats = JSON.parse(await getText(statsUrl));
      return { accepted: stats.accepted, patches: stats.patches, patchErrors: stats.patchErrors };
    },
  };
}

/** Installs the Debian `webhook` package when its binary is missing (needs root and apt). */
export function ensureAdnanhWebhook(): string {
  const binary = '/usr/bin/webhook';
  if (!fs.existsSync(binary)) {
    process.stdout.write('adnanh/webhook not installed: apt-get update && apt-get install -y webhook\n');
    const env = { ...process.env, DEBIAN_FRONTEND: 'noninteractive' };
    execFileSync('apt-get', ['update'], { stdio: 'inherit', env });
    execFileSync('apt-get', ['install', '-y', '--no-install-recommends', 'webhook'], { stdio: 'inherit', env });
  }
  return binary;
}

export function adnanhWebhookVersion(binary: string): string {
  return execFileSync(binary, ['-version'], { encoding: 'utf8' }).trim().replace(/^webhook version /, '');
}

export async function startAdnanhWebhook(ctx: TargetContext, binary: string): Promise<Target> {
  const hooksFile = path.join(ctx.workDir, 'webhook-hooks.json');
  fs.writeFileSync(hooksFile, JSON.stringify([{
    'id': 'flux',
    'execute-command': '/bin/true',
    'http-methods': ['POST'],
    'trigger-rule-mismatch-http-response-code': 400,
    'trigger-rule': {
      match: { type: 'payload-hmac-sha256', secret: ctx.token, parameter: { source: 'header', name: 'X-Hub-Signature-256' } },
    },
  }], null, 2), { mode: 0o600 });
  const port = await freePort();
  const child = startChild('adnanh/webhook', binary, ['-hooks', hooksFile, '-ip', '127.0.0.1', '-port', String(port)], path.join(ctx.logDir, 'webhook.log'));
  await waitForHttp(child, `http://127.0.0.1:${port}/`, 10_000);
  return {
    id: 'webhook',
    label: 'adnanh/webhook',
    hookUrl: `http://127.0.0.1:${port}/hooks/flux`,
    child,
    // A wrong signature is a rule evaluation error for it, not a mismatch (bench/README.md).
    expectedStatus: { accepted: 200, rejected: 500 },
    counts: async () => undefined,
  };
}

/** Sum of the samples of `name` whose labels include `labels` (Prometheus text format). */
export function sumMetric(text: string, name: string, labels: Readonly<Record<string, string>>): number {
  let sum = 0;
  for (const line of text.split('\n')) {
    if (!line.startsWith(name)) continue;
    const match = /^([a-zA-Z_:][a-zA-Z0-9_:]*)(\{[^}]*\})?\s+(\S+)/.exec(line);
    if (!match || match[1] !== name) continue;
    const set = match[2] ?? '';
    if (Object.entries(labels).every(([k, v]) => set.includes(`${k}="${v}"`))) sum += Number(match[3]);
  }
  return sum;
}

export function getText(url: string): Promise<string> {
  return new Promise((resolve, reject) => {
    const req = http.get(url, { timeout: 5000 }, (res) => {
      const chunks: Buffer[] = [];
      res.on('data', (c: Buffer) => chunks.push(c));
      res.on('end', () => {
        const text = Buffer.concat(chunks).toString('utf8');
        if (res.statusCode === 200) resolve(text);
        else reject(new Error(`GET ${url}: HTTP ${res.statusCode}`));
      });
    });
    req.on('timeout', () => req.destroy(new Error(`GET ${url}: timeout`)));
    req.on('error', reject);
  });
}
