import type { Server } from 'http';
import type { AddressInfo } from 'net';

/** Splits Go-style `[host]:port` (`:9292`, `127.0.0.1:0`, `[::1]:8080`); an empty host means all interfaces. */
export function parseListenAddress(address: string): { host?: string; port: number } {
  const colon = address.lastIndexOf(':');
  const host = address.slice(0, colon).replace(/^\[(.*)\]$/, '$1');
  return { host: host === '' ? undefined : host, port: Number(address.slice(colon + 1)) };
}

/** Listens on `address` and resolves to the bound port (useful with port 0). */
export function listen(server: Server, address: string): Promise<number> {
  const { host, port } = parseListenAddress(address);
  return new Promise((resolve, reject) => {
    const onError = (err: Error): void => reject(new Error(`cannot listen on ${address}: ${err.message}`));
    server.once('error', onError);
    server.listen(port, host, () => {
      server.off('error', onError);
      resolve((server.address() as AddressInfo).port);
    });
  });
}
