// How long a reload of a large definitions file holds the bundled server (files mode): N
// receivers in one receivers.yaml of a mounted ConfigMap (each with a resourceFilter and a
// per-resource filter), updated the way the kubelet swaps it (one receiver changed each time), while one
// client asks /healthz back to back and another sends signed deliveries to an unchanged receiver.
// The pause is the longest gap between two answers to the health client from the swap to the
// log line of the reload; deliveries must all get 200. Writes a markdown table.
//
//   npx projen bench:reload [--receivers 3000,10000] [--reloads 5] [--bundle assets/receiver-server/server.cjs]
import { createHmac } from 'crypto';
import * as fs from 'fs';
import * as http from 'http';
import * as os from 'os';
import * as path from 'path';
import { parseArgs } from 'util';
import { stringify } from 'yaml';
import { startChild, waitForHttp } from './child-process';
import { hookPath, SERVER_NODE_FLAGS } from '../../src/model';
import { freePort, REPO_ROOT, startTestApiServer } from '../../test/harness/apiserver';
import { adminKubeConfig, kubeRequest, KUBECONFIG_ENV } from '../../test/harness/kube';
import { SERVER_BUNDLE } from '../../test/harness/server-bundle';

const NAMESPACE = 'many';
const TOKEN = 'reload-pause-token';

function receiverDocs(n: number, changed: number): string {
  const docs: string[] = [];
  for (let i = 0; i < n; i++) {
    // One receiver's filter differs from reload to reload: a real change, the rest unchanged.
    const marker = i === n - 1 ? `-${changed}` : '';
    docs.push(stringify({
      apiVersion: 'notification.toolkit.fluxcd.io/v1',
      kind: 'Receiver',
      metadata: { name: `r${i}`, namespace: NAMESPACE },
      spec: {
        type: 'github',
        events: ['push'],
        secretRef: { name: 'token' },
        resourceFilter: `req.ref == 'refs/heads/main${marker}' && res.metadata.name.startsWith('app-${i % 50}')`,
        resources: [{ kind: 'GitRepository', name: `app-${i % 50}`, filter: `req.repository.name.matches('^app-[0-9]+$') || '${i}' == ''` }],
      },
    }));
  }
  return docs.join('---\n');
}

/**
 * The kubelet's layout of a mounted ConfigMap: `<dir>/receivers.yaml` → `..data/receivers.yaml`,
 * `..data` → a timestamped directory; an update writes a new directory and swaps `..data` in one
 * rename.
 */
function projectConfigMap(dir: string, text: string, generation: number): void {
  const version = `..${generation}_${Date.now()}`;
  fs.mkdirSync(path.join(dir, version));
  fs.writeFileSync(path.join(dir, version, 'receivers.yaml'), text);
  fs.symlinkSync(version, path.join(dir, '..data_tmp'));
  fs.renameSync(path.join(dir, '..data_tmp'), path.join(dir, '..data'));
  if (!fs.existsSync(path.join(dir, 'receivers.yaml'))) fs.symlinkSync(path.join('..data', 'receivers.yaml'), path.join(dir, 'receivers.yaml'));
}

const agent = new http.Agent({ keepAlive: true, maxSockets: 1 });

function request(port: number, method: string, urlPath: string, headers: Record<string, string> = {}, body?: string): Promise<number> {
  return new Promise((resolve) => {
    const req = http.request({ host: '127.0.0.1', port, method, path: urlPath, headers, agent }, (res) => {
      res.resume();
      res.on('end', () => resolve(res.statusCode ?? 0));
    });
    req.on('error', () => resolve(0));
    req.end(body);
  });
}

export interface ReloadFigures {
  /** The longest gap over as long a stretch with no reload: what the machine alone costs. */
  readonly quietPauseMs: number;
  readonly pauseMs: number;
  readonly reloadMs: number;
  readonly deliveries: number;
  readonly deliveriesNot200: number;
}

/** Creates the namespace and the 50 GitRepositories the receivers target (the harness's admin kubeconfig). */
export async function createReloadTargets(): Promise<void> {
  const kc = adminKubeConfig();
  await kubeRequest(kc, 'POST', '/api/v1/namespaces', { metadata: { name: NAMESPACE } });
  for (let i = 0; i < 50; i++) {
    await kubeRequest(kc, 'POST', `/apis/source.toolkit.fluxcd.io/v1/namespaces/${NAMESPACE}/gitrepositories`, {
      apiVersion: 'source.toolkit.fluxcd.io/v1', kind: 'GitRepository', metadata: { name: `app-${i}` }, spec: { url: `https://git.example/app-${i}.git`, interval: '60m' },
    });
  }
}

/** Starts the bundle over `n` receivers and swaps the ConfigMap `reloads` times; one figure a reload. */
export async function measureReloads(
  n: number, reloads: number, bundle: string, kubeconfig: string, logDir: string, log: (line: string) => void,
): Promise<ReloadFigures[]> {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'reload-pause-'));
  fs.mkdirSync(path.join(dir, 'secrets', 'token'), { recursive: true });
  fs.writeFileSync(path.join(dir, 'secrets', 'token', 'token'), TOKEN);
  const configMap = path.join(dir, 'receivers');
  fs.mkdirSync(configMap);
  projectConfigMap(configMap, receiverDocs(n, 0), 0);
  const [port, metrics, health] = [await freePort(), await freePort(), await freePort()];
  const logFile = path.join(logDir, `receiver-${n}.log`);
  const child = startChild(`receiver (${n} receivers)`, process.execPath, [
    ...SERVER_NODE_FLAGS, bundle, 'serve',
    '--listen', `127.0.0.1:${port}`, '--metrics-listen', `127.0.0.1:${metrics}`, '--health-listen', `127.0.0.1:${health}`,
    '--receivers', configMap, '--secrets-dir', path.join(dir, 'secrets'), '--rate-limit', 'off', '--log-level', 'info',
  ], logFile, { PATH: process.env.PATH, KUBECONFIG: kubeconfig });
  const loads = () => fs.readFileSync(logFile, 'utf8').split('\n').filter((l) => l.includes('"receivers loaded"')).length;
  try {
    await waitForHttp(child, `http://127.0.0.1:${health}/readyz`, 300_000, 200);
    const body = JSON.stringify({ ref: 'refs/heads/main', repository: { name: 'app-0' } });
    const headers = {
      'Content-Type': 'application/json',
      'X-GitHub-Event': 'push',
      'X-Hub-Signature-256': `sha256=${createHmac('sha256', TOKEN).update(body).digest('hex')}`,
    };
    const figures: ReloadFigures[] = [];
    for (let round = 1; round <= reloads; round++) {
      await new Promise((r) => setTimeout(r, 1000));
      const before = loads();
      let running = true;
      let lastAnswer = Date.now();
      let pause = 0;
      let deliveries = 0;
      let not200 = 0;
      const healthClient = (async () => {
        while (running) {
          await request(health, 'GET', '/healthz');
          const now = Date.now();
          pause = Math.max(pause, now - lastAnswer);
          lastAnswer = now;
        }
      })();
      const deliveryClient = (async () => {
        while (running) {
          const status = await request(port, 'POST', hookPath(TOKEN, 'r0', NAMESPACE), headers, body);
          deliveries++;
          if (status !== 200) not200++;
        }
      })();
      // Made before the clock starts: writing 10,000 YAML documents takes this process a while.
      const next = receiverDocs(n, round);
      await new Promise((r) => setTimeout(r, 200));
      // The same clients over a stretch as long as the previous reload, with nothing reloading.
      pause = 0;
      await new Promise((r) => setTimeout(r, figures.at(-1)?.reloadMs ?? 2000));
      const quietPause = pause;
      pause = 0;
      const replaced = Date.now();
      projectConfigMap(configMap, next, round);
      while (loads() === before) {
        if (Date.now() - replaced > 300_000) throw new Error(`no reload within 300 s (log: ${logFile})`);
        await new Promise((r) => setTimeout(r, 20));
      }
      const reloadMs = Date.now() - replaced;
      running = false;
      await Promise.all([healthClient, deliveryClient]);
      figures.push({ quietPauseMs: quietPause, pauseMs: pause, reloadMs, deliveries, deliveriesNot200: not200 });
      log(`${n} receivers, reload ${round}: pause ${pause} ms (${quietPause} ms with no reload), reload ${reloadMs} ms, ${deliveries} deliveries (${not200} not 200)`);
    }
    return figures;
  } finally {
    await child.stop();
    fs.rmSync(dir, { recursive: true, force: true });
  }
}

export const median = (xs: readonly number[]): number => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)];

async function main(): Promise<void> {
  const { values } = parseArgs({
    options: {
      receivers: { type: 'string', default: '3000,10000' },
      reloads: { type: 'string', default: '5' },
      bundle: { type: 'string', default: SERVER_BUNDLE },
    },
  });
  const sizes = values.receivers!.split(',').map(Number);
  const reloads = Number(values.reloads);
  const bundle = path.resolve(values.bundle!);
  const logDir = fs.mkdtempSync(path.join(os.tmpdir(), 'reload-pause-logs-'));
  const api = await startTestApiServer({ logDir });
  try {
    process.env[KUBECONFIG_ENV] = api.kubeconfigPath;
    await createReloadTargets();
    const rows: string[] = [];
    for (const n of sizes) {
      const figures = await measureReloads(n, reloads, bundle, api.kubeconfigPath, logDir, (line) => process.stdout.write(`  ${line}\n`));
      const pauses = figures.map((f) => f.pauseMs);
      rows.push(`| ${n.toLocaleString('en-US')} | ${Math.max(...pauses)} | ${median(pauses)} | ${median(figures.map((f) => f.quietPauseMs))} | ${median(figures.map((f) => f.reloadMs))} | ${figures.reduce((s, f) => s + f.deliveries, 0)} | ${figures.reduce((s, f) => s + f.deliveriesNot200, 0)} |`);
    }
    const command = ['npx projen bench:reload', ...process.argv.slice(2)].join(' ');
    process.stdout.write([
      '',
      `\`${command}\` (${new Date().toISOString().slice(0, 16)}Z, Node ${process.version}, ${os.cpus().length} × ${os.cpus()[0]?.model.trim()}, bundle ${path.relative(REPO_ROOT, bundle)}):`,
      '',
      '| receivers | worst pause (ms) | median pause (ms) | median longest gap with no reload (ms) | median reload (ms) | deliveries during reloads | not 200 |',
      '|---|---|---|---|---|---|---|',
      ...rows,
      '',
    ].join('\n'));
  } finally {
    await api.stop();
  }
}

if (require.main === module) {
  main().catch((e: unknown) => {
    process.stderr.write(`bench:reload failed: ${e instanceof Error ? e.stack ?? e.message : String(e)}\n`);
    process.exitCode = 1;
  });
}
