// Entry point of the bundled receiver server (`flux-webhook-receiver`).
// Placeholder until the receiver server lands: serves /healthz and /readyz and exits on SIGTERM.
import * as http from 'http';
import { HEALTH_PORT } from '../src/model';

const server = http.createServer((req, res) => {
  res.statusCode = req.url === '/healthz' || req.url === '/readyz' ? 200 : 404;
  res.end();
});
server.listen(HEALTH_PORT);
process.on('SIGTERM', () => server.close(() => process.exit(0)));
