// The metrics and health listeners (Flux: :8080 /metrics, :9440 /healthz and /readyz). When both
// addresses are equal one server answers every route.
import * as http from 'http';

export type OpsRoute = () => Promise<{ status: number; contentType: string; body: string }>;

export function createOpsServer(routes: ReadonlyMap<string, OpsRoute>): http.Server {
  return http.createServer({ headersTimeout: 10_000, requestTimeout: 30_000 }, (req, res) => {
    const path = (req.url ?? '/').split('?')[0];
    const route = routes.get(path);
    req.resume();
    if (!route || (req.method !== 'GET' && req.method !== 'HEAD')) {
      res.writeHead(404, { 'Content-Type': 'text/plain; charset=utf-8' });
      res.end('404 page not found\n');
      return;
    }
    route().then(
      (out) => {
        res.writeHead(out.status, { 'Content-Type': out.contentType, 'Content-Length': Buffer.byteLength(out.body) });
        res.end(req.method === 'HEAD' ? undefined : out.body);
      },
      (err: Error) => {
        res.writeHead(500, { 'Content-Type': 'text/plain; charset=utf-8' });
        res.end(`${err.message}\n`);
      },
    );
  });
}
