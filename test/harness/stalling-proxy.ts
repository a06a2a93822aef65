// A loopback TCP proxy in front of the harness's apiserver that can stall, for one server under
// test only (SIGSTOP of the shared apiserver would stall every test file running in parallel).
// While paused it holds every byte in both directions, as the kernel buffers of a stopped
// process would, including the end of a connection the client closed meanwhile. On resume it
// delivers what it held, newest connection first: the order a resumed apiserver reads its
// connections in is arbitrary, and this is the order that exposes a stale request landing last.
import * as net from 'net';
import type { KubeConfig } from '@kubernetes/client-node';
import { adminKubeConfig } from './kube';

interface Link {
  readonly id: number;
  readonly client: net.Socket;
  readonly upstream: net.Socket;
  readonly toUpstream: Buffer[];
  readonly toClient: Buffer[];
  clientEnded: boolean;
  /** Set at a resume that delivered held bytes upstream: called at the apiserver's first answer or close after it. */
  onUpstreamSettled?: () => void;
}

export class StallingProxy {
  static async start(): Promise<StallingProxy> {
    const target = new URL(adminKubeConfig().getCurrentCluster()!.server);
    const proxy = new StallingProxy(target.hostname, Number(target.port));
    await new Promise<void>((resolve) => proxy.server.listen(0, '127.0.0.1', resolve));
    return proxy;
  }

  private paused = false;
  private nextId = 0;
  private unsettled: Promise<void>[] = [];
  private readonly links = new Set<Link>();
  private readonly server: net.Server;

  private constructor(private readonly host: string, private readonly port: number) {
    this.server = net.createServer((client) => this._link(client));
  }

  get url(): string {
    return `https://127.0.0.1:${(this.server.address() as net.AddressInfo).port}`;
  }

  /** The admin kubeconfig, pointed at the proxy. */
  kubeConfig(): KubeConfig {
    const kc = adminKubeConfig();
    const cluster = kc.getCurrentCluster()!;
    (cluster as { server: string }).server = this.url;
    return kc;
  }

  pause(): void {
    this.paused = true;
  }

  resume(): void {
    this.paused = false;
    for (const link of [...this.links].sort((a, b) => b.id - a.id)) {
      if (link.toUpstream.length > 0) this.unsettled.push(new Promise((resolve) => (link.onUpstreamSettled = resolve)));
      for (const chunk of link.toUpstream.splice(0)) link.upstream.write(chunk);
      if (link.clientEnded) link.upstream.end();
      for (const chunk of link.toClient.splice(0)) if (!link.client.destroyed) link.client.write(chunk);
    }
  }

  /**
   * Resolves when every connection that held bytes toward the apiserver at a resume got its
   * answer or was closed by it: what was sent during the stall has been processed (or refused).
   */
  async settled(): Promise<void> {
    await Promise.all(this.unsettled);
  }

  async stop(): Promise<void> {
    for (const link of this.links) {
      link.client.destroy();
      link.upstream.destroy();
    }
    await new Promise<void>((resolve) => this.server.close(() => resolve()));
  }

  private _link(client: net.Socket): void {
    const upstream = net.connect(this.port, this.host);
    const link: Link = { id: this.nextId++, client, upstream, toUpstream: [], toClient: [], clientEnded: false };
    this.links.add(link);
    client.on('data', (chunk: Buffer) => (this.paused ? link.toUpstream.push(chunk) : upstream.write(chunk)));
    const settle = (): void => {
      link.onUpstreamSettled?.();
      link.onUpstreamSettled = undefined;
    };
    upstream.on('data', (chunk: Buffer) => {
      if (this.paused) {
        link.toClient.push(chunk);
        return;
      }
      settle();
      if (!client.destroyed) client.write(chunk);
    });
    const clientGone = (): void => {
      if (link.clientEnded) return;
      link.clientEnded = true;
      if (!this.paused) upstream.end();
    };
    client.on('end', clientGone);
    client.on('close', clientGone);
    client.on('error', clientGone);
    upstream.on('close', () => {
      settle();
      this.links.delete(link);
      client.destroy();
    });
    upstream.on('error', () => client.destroy());
  }
}
