// The bare baseline: the least a GitHub receiver must do, with node:http, node:crypto and
// node:https only. Per request it
//   1. answers 404 unless the request is `POST <BASELINE_HOOK_PATH>`;
//   2. reads the body (413 over 3 MiB, Flux's cap);
//   3. computes HMAC-SHA256(token, body) and compares it with the hex digest of
//      `X-Hub-Signature-256: sha256=<hex>` using timingSafeEqual (400 when absent or different);
//   4. sends ONE JSON merge patch of `reconcile.fluxcd.io/requestedAt` to the GitRepository over a
//      keep-alive https agent, and answers 200 once the API server answered 2xx (500 otherwise).
// No event or content-type check, no receiver lookup, no coalescing, no metrics, no logs: the
// token, API server, CA and bearer token are read once at start-up. `GET /stats` returns its
// counters so the benchmark can compare PATCHes with accepted requests.
// Bundled with esbuild and run as its own process by the benchmark (see run.ts).
import { createHmac, timingSafeEqual } from 'crypto';
import * as fs from 'fs';
import * as http from 'http';
import * as https from 'https';

const MAX_BODY_BYTES = 3 * 1024 * 1024;
const SIGNATURE_PREFIX = 'sha256=';

function _env(name: string): string {
  const value = process.env[name];
  if (!value) throw new Error(`baseline: environment variable ${name} is not set`);
  return value;
}

const port = Number(_env('BASELINE_PORT'));
const hookPath = _env('BASELINE_HOOK_PATH');
const token = fs.readFileSync(_env('BASELINE_TOKEN_FILE'));
const apiServer = new URL(_env('BASELINE_TARGET_URL'));
const ca = fs.readFileSync(_env('BASELINE_CA_FILE'));
const bearer = fs.readFileSync(_env('BASELINE_BEARER_TOKEN_FILE'), 'utf8').trim();
const agent = new https.Agent({ keepAlive: true, ca });
const stats = { accepted: 0, rejected: 0, patches: 0, patchErrors: 0 };

function _signatureValid(header: string | string[] | undefined, body: Buffer): boolean {
  if (typeof header !== 'string' || !header.startsWith(SIGNATURE_PREFIX)) return false;
  const given = Buffer.from(header.slice(SIGNATURE_PREFIX.length), 'hex');
  const expected = createHmac('sha256', token).update(body).digest();
  return given.length === expected.length && timingSafeEqual(given, expected);
}

/** RFC 3339 with nanoseconds, like Flux's `requestedAt`, so every patch changes the object. */
function _requestedAt(): string {
  const iso = new Date().toISOString();
  const subMillis = (process.hrtime.bigint() % 1_000_000n).toString().padStart(6, '0');
  return `${iso.slice(0, -1)}${subMillis}Z`;
}

function _patch(done: (ok: boolean) => void): void {
  const body = JSON.stringify({ metadata: { annotations: { 'reconcile.fluxcd.io/requestedAt': _requestedAt() } } });
  const req = https.request(apiServer, {
    method: 'PATCH',
    agent,
    headers: {
      'Authorization': `Bearer ${bearer}`,
      'Content-Type': 'application/merge-patch+json',
      'Accept': 'application/json',
      'Content-Length': Buffer.byteLength(body),
    },
    timeout: 10_000,
  }, (res) => {
    res.resume();
    res.on('end', () => done((res.statusCode ?? 0) >= 200 && (res.statusCode ?? 0) < 300));
  });
  req.on('timeout', () => req.destroy(new Error('timeout')));
  req.on('error', () => done(false));
  req.end(body);
}

const server = http.createServer((req, res) => {
  if (req.method === 'GET' && req.url === '/stats') {
    res.setHeader('Content-Type', 'application/json');
    res.end(JSON.stringify(stats));
    return;
  }
  if (req.method !== 'POST' || req.url !== hookPath) {
    res.statusCode = 404;
    res.end();
    return;
  }
  const chunks: Buffer[] = [];
  let size = 0;
  req.on('data', (chunk: Buffer) => {
    size += chunk.length;
    if (size > MAX_BODY_BYTES) {
      res.statusCode = 413;
      res.end();
      req.destroy();
      return;
    }
    chunks.push(chunk);
  });
  req.on('error', () => {
    res.statusCode = 400;
    res.end();
  });
  req.on('end', () => {
    if (res.writableEnded) return;
    if (!_signatureValid(req.headers['x-hub-signature-256'], Buffer.concat(chunks, size))) {
      stats.rejected++;
      res.statusCode = 400;
      res.end();
      return;
    }
    stats.accepted++;
    _patch((ok) => {
      if (ok) stats.patches++;
      else stats.patchErrors++;
      res.statusCode = ok ? 200 : 500;
      res.end();
    });
  });
});

server.listen(port, '127.0.0.1');
process.on('SIGTERM', () => {
  server.close(() => process.exit(0));
  server.closeAllConnections();
});
