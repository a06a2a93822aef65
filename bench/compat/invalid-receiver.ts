// The same hand-written Receivers with a `matches()` pattern RE2 refuses, given to
// notification-controller (the build `bench:server` uses) and then to this server in cluster mode,
// on one harness apiserver: prints, for each, the conditions written, whether status holds a
// webhookPath, and the answer to a signed push, for a Receiver invalid from the start and for one
// edited to invalid after it was ready. docs/compatibility.md ("CEL") records the outcome.
//
//   npx ts-node --transpile-only --project test/tsconfig.json bench/compat/invalid-receiver.ts
import { createHmac } from 'crypto';
import * as fs from 'fs';
import * as os from 'os';
import * as path from 'path';
import { KubeConfig } from '@kubernetes/client-node';
import { hookPath } from '../../src/model';
import { freePort, installCrds, startTestApiServer } from '../../test/harness/apiserver';
import { send } from '../../test/harness/http';
import { apply, eventually, kubeRequest, KUBECONFIG_ENV } from '../../test/harness/kube';
import { buildServerBundle, SERVER_BUNDLE } from '../../test/harness/server-bundle';
import { startChild, waitForHttp } from '../server/child-process';
import { ensureNotificationController } from '../server/notification-controller-target';

const NS = 'flux-system';
const TOKEN = 'nc-check-token';
const BAD = "req.ref.matches('^refs/heads/(main)\\\\1$')";
const GOOD = "req.ref.matches('^refs/heads/main$')";

async function main() {
  const api = await startTestApiServer();
  process.env[KUBECONFIG_ENV] = api.kubeconfigPath;
  const kc = new KubeConfig(); kc.loadFromFile(api.kubeconfigPath);
  const nc = ensureNotificationController();
  await installCrds(api.url, api.adminToken, api.caPem, nc.crdDir);
  await kubeRequest(kc, 'POST', '/api/v1/namespaces', { metadata: { name: NS } });
  await apply([
    { apiVersion: 'v1', kind: 'Secret', metadata: { name: 'tok', namespace: NS }, stringData: { token: TOKEN } },
    { apiVersion: 'source.toolkit.fluxcd.io/v1', kind: 'GitRepository', metadata: { name: 'webapp', namespace: NS }, spec: { url: 'https://example.com/x.git', interval: '60m' } },
  ], undefined, kc);
  const receiverUrl = (n: string) => `/apis/notification.toolkit.fluxcd.io/v1/namespaces/${NS}/receivers/${n}`;
  const receiver = (name: string, filter: string) => ({ apiVersion: 'notification.toolkit.fluxcd.io/v1', kind: 'Receiver', metadata: { name, namespace: NS }, spec: { type: 'github', events: ['push'], secretRef: { name: 'tok' }, resourceFilter: filter, resources: [{ kind: 'GitRepository', name: 'webapp' }] } });
  const push = async (port: number, name: string) => {
    const body = JSON.stringify({ ref: 'refs/heads/main' });
    return (await send(`http://127.0.0.1:${port}${hookPath(TOKEN, name, NS)}`, { headers: { 'Content-Type': 'application/json', 'X-GitHub-Event': 'push', 'X-Hub-Signature-256': `sha256=${createHmac('sha256', TOKEN).update(body).digest('hex')}` }, body })).status;
  };
  const conditions = async (name: string) => {
    const o = (await kubeRequest(kc, 'GET', receiverUrl(name))).body;
    return { webhookPath: o.status?.webhookPath ? 'set' : 'unset', conditions: (o.status?.conditions ?? []).map((c: any) => `${c.type}=${c.status} ${c.reason}: ${c.message}`) };
  };
  const scenario = async (label: string, port: number, stop: () => Promise<void> | void) => {
    // 1. written invalid from the start.  2. valid first, then edited to the invalid pattern.
    await apply([receiver('bad', BAD), receiver('edited', GOOD)], undefined, kc);
    await eventually('edited ready', async () => ((await conditions('edited')).conditions.some((c: string) => c.startsWith('Ready=True')) ? true : undefined), 60_000);
    await eventually('bad settled', async () => ((await conditions('bad')).conditions.some((c: string) => c.startsWith('Stalled=True')) ? true : undefined), 60_000);
    const beforeEdit = await push(port, 'edited');
    await kubeRequest(kc, 'PATCH', receiverUrl('edited'), { spec: { resourceFilter: BAD } }, 'application/merge-patch+json');
    await eventually('edited stalled', async () => ((await conditions('edited')).conditions.some((c: string) => c.startsWith('Stalled=True')) ? true : undefined), 60_000);
    const out = { label, bad: { ...(await conditions('bad')), delivery: await push(port, 'bad') }, edited: { beforeEdit, ...(await conditions('edited')), delivery: await push(port, 'edited') } };
    console.log(JSON.stringify(out, null, 2));
    for (const n of ['bad', 'edited']) await kubeRequest(kc, 'DELETE', receiverUrl(n));
    for (const n of ['bad', 'edited']) await eventually(`${n} gone`, async () => ((await kubeRequest(kc, 'GET', receiverUrl(n))).status === 404 ? true : undefined), 60_000);
    await stop();
  };
  const logDir = fs.mkdtempSync(path.join(os.tmpdir(), 'nccheck-'));
  {
    const [port, e, m, h] = [await freePort(), await freePort(), await freePort(), await freePort()];
    const child = startChild('notification-controller', nc.binary, [`--receiverAddr=127.0.0.1:${port}`, `--events-addr=127.0.0.1:${e}`, `--metrics-addr=127.0.0.1:${m}`, `--health-addr=127.0.0.1:${h}`, '--enable-leader-election=false', '--watch-all-namespaces=true', '--log-encoding=json'], path.join(logDir, 'nc.log'), { ...process.env, KUBECONFIG: api.kubeconfigPath });
    await waitForHttp(child, `http://127.0.0.1:${h}/readyz`, 120_000, 200);
    await scenario(`notification-controller ${nc.version}`, port, () => child.stop());
  }
  {
    buildServerBundle();
    const [port, m, h] = [await freePort(), await freePort(), await freePort()];
    const child = startChild('receiver', process.execPath, [SERVER_BUNDLE, 'serve', '--watch-receivers', '--listen', `127.0.0.1:${port}`, '--metrics-listen', `127.0.0.1:${m}`, '--health-listen', `127.0.0.1:${h}`], path.join(logDir, 'receiver.log'), { ...process.env, KUBECONFIG: api.kubeconfigPath });
    await waitForHttp(child, `http://127.0.0.1:${h}/readyz`, 60_000, 200);
    await scenario('this server (cluster mode)', port, () => child.stop());
  }
  await api.stop();
}
main().then(() => process.exit(0), (e) => { console.error(e); process.exit(1); });
