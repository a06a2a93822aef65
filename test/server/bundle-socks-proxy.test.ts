// client-node's SOCKS proxy agent sits in the bundle's on-demand chunk (server/build.mjs), loaded
// when a kubeconfig cluster has a socks:// proxy-url: the bundled server in files mode then talks
// to the API server through that proxy (it opens with a SOCKS5 greeting).
import { ChildProcess, spawn } from 'child_process';
import * as fs from 'fs';
import * as net from 'net';
import * as os from 'os';
import * as path from 'path';
import { parse, stringify } from 'yaml';
import { SERVER_NODE_FLAGS } from '../../src/model';
import { freePort } from '../harness/apiserver';
import { adminKubeconfigPath, eventually } from '../harness/kube';
import { buildServerBundle, SERVER_BUNDLE } from '../harness/server-bundle';


test('a socks:// proxy-url in the kubeconfig: the bundled server connects through the SOCKS proxy', async () => {
  buildServerBundle();
  const greetings: Buffer[] = [];
  // A stand-in proxy that records what a client says first, then hangs up.
  const proxy = net.createServer((socket) => {
    socket.once('data', (chunk: Buffer) => {
      greetings.push(chunk);
      socket.destroy();
    });
    socket.on('error', () => undefined);
  });
  await new Promise<void>((resolve) => proxy.listen(0, '127.0.0.1', resolve));
  const proxyPort = (proxy.address() as net.AddressInfo).port;
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'bundle-socks-'));
  const kubeconfig = parse(fs.readFileSync(adminKubeconfigPath(), 'utf8')) as { clusters: { cluster: Record<string, string> }[] };
  kubeconfig.clusters[0].cluster['proxy-url'] = `socks5://127.0.0.1:${proxyPort}`;
  fs.writeFileSync(path.join(dir, 'kubeconfig'), stringify(kubeconfig));
  fs.mkdirSync(path.join(dir, 'secrets', 'token'), { recursive: true });
  fs.writeFileSync(path.join(dir, 'secrets', 'token', 'token'), 'socks-token');
  fs.writeFileSync(path.join(dir, 'receivers.yaml'), stringify({
    apiVersion: 'notification.toolkit.fluxcd.io/v1',
    kind: 'Receiver',
    metadata: { name: 'socks', namespace: 'default' },
    spec: { type: 'generic', secretRef: { name: 'token' }, resources: [{ kind: 'GitRepository', name: 'app' }] },
  }));
  let proc: ChildProcess | undefined;
  let output = '';
  try {
    proc = spawn(process.execPath, [
      ...SERVER_NODE_FLAGS, SERVER_BUNDLE, 'serve', '--receivers', path.join(dir, 'receivers.yaml'), '--secrets-dir', path.join(dir, 'secrets'), '--kubeconfig', path.join(dir, 'kubeconfig'),
      '--listen', `127.0.0.1:${await freePort()}`, '--metrics-listen', `127.0.0.1:${await freePort()}`, '--health-listen', `127.0.0.1:${await freePort()}`,
    ], { env: { PATH: process.env.PATH }, stdio: ['ignore', 'pipe', 'pipe'] });
    proc.stdout!.on('data', (c) => (output += c));
    proc.stderr!.on('data', (c) => (output += c));
    // The GitRepository target is listed at start-up: that request goes to the proxy.
    const greeting = await eventually('SOCKS greeting', async () => greetings[0], 20_000).catch((e) => {
      throw new Error(`${(e as Error).message}\n${output}`);
    });
    // SOCKS version 5, then the number of authentication methods the client offers.
    expect(greeting[0]).toBe(0x05);
    expect(greeting.length).toBe(2 + greeting[1]);
  } finally {
    if (proc && proc.exitCode === null) proc.kill('SIGKILL');
    proxy.close();
  }
});
