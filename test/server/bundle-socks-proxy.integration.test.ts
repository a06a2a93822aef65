// client-node's SOCKS proxy agent sits in the bundle's on-demand chunk (server/build.mjs), loaded
// when a kubeconfig cluster has a socks:// proxy-url: the bundled server in files mode then talks
// to the API server through that proxy (it opens with a SOCKS5 greeting).
import * as fs from 'fs';
import * as net from 'net';
import * as os from 'os';
import * as path from 'path';
import { parse, stringify } from 'yaml';
import { adminKubeconfigPath, eventually } from '../harness/kube';
import { BundleProcess } from '../harness/server-process';

test('a socks:// proxy-url in the kubeconfig: the bundled server connects through the SOCKS proxy', async () => {
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
  let server: BundleProcess | undefined;
  try {
    // Never ready: its API server is behind a proxy that hangs up.
    server = await BundleProcess.start({
      kubeconfig: path.join(dir, 'kubeconfig'),
      tokens: { token: 'socks-token' },
      receivers: [{
        apiVersion: 'notification.toolkit.fluxcd.io/v1',
        kind: 'Receiver',
        metadata: { name: 'socks', namespace: 'default' },
        spec: { type: 'generic', secretRef: { name: 'token' }, resources: [{ kind: 'GitRepository', name: 'app' }] },
      }],
      waitUntilReady: false,
    });
    // The GitRepository target is listed at start-up: that request goes to the proxy.
    const greeting = await eventually('SOCKS greeting', async () => greetings[0], 20_000).catch((e) => {
      throw new Error(`${(e as Error).message}\n${server?.output}`);
    });
    // SOCKS version 5, then the number of authentication methods the client offers.
    expect(greeting[0]).toBe(0x05);
    expect(greeting.length).toBe(2 + greeting[1]);
  } finally {
    await server?.stop();
    proxy.close();
    fs.rmSync(dir, { recursive: true, force: true });
  }
});
