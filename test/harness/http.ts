// Plain HTTP/1.1 requests for tests that talk to a running receiver server: exactly the given
// headers and body, a fresh connection each time (no agent), and the whole answer read.
import { createHmac, randomBytes } from 'crypto';
import * as http from 'http';

export interface Sent {
  readonly status: number;
  readonly body: string;
  readonly headers: http.IncomingHttpHeaders;
}

export interface SendOptions {
  /** @default 'POST' */
  readonly method?: string;
  readonly headers?: Record<string, string>;
  readonly body?: string | Buffer;
  /** Give up (an error) when no complete answer came within this time. @default no limit */
  readonly timeoutMs?: number;
}

/** One HTTP/1.1 request with exactly these headers and body. */
export function send(url: string, options: SendOptions = {}): Promise<Sent> {
  return new Promise((resolve, reject) => {
    const req = http.request(url, { method: options.method ?? 'POST', headers: options.headers, agent: false }, (res) => {
      const chunks: Buffer[] = [];
      res.on('data', (c: Buffer) => chunks.push(c));
      res.on('end', () => resolve({ status: res.statusCode ?? 0, body: Buffer.concat(chunks).toString('utf8'), headers: res.headers }));
      res.on('error', reject);
    });
    req.on('error', reject);
    if (options.timeoutMs !== undefined) req.setTimeout(options.timeoutMs, () => req.destroy(new Error(`no answer within ${options.timeoutMs} ms`)));
    // With the body in end(), Node sends Content-Length (as webhook senders do) unless the
    // headers say otherwise.
    req.end(options.body);
  });
}

/** The status of one request, or 0 when no answer came (not listening yet, connection reset). */
export function statusOf(url: string, options: SendOptions = { method: 'GET' }): Promise<number> {
  return send(url, options).then((sent) => sent.status, () => 0);
}

/** The headers GitHub sends with a push delivery of `body`, signed with `secret` as GitHub signs it. */
export function githubPushHeaders(secret: string, body: string): Record<string, string> {
  return githubHeaders(secret, body, 'push');
}

/** The headers GitHub sends with a delivery of `event`, signed with `secret` as GitHub signs it. */
export function githubHeaders(secret: string, body: string, event: string): Record<string, string> {
  return {
    'Content-Type': 'application/json',
    'X-GitHub-Event': event,
    'X-GitHub-Delivery': randomBytes(16).toString('hex'),
    'X-Hub-Signature-256': `sha256=${createHmac('sha256', secret).update(body).digest('hex')}`,
  };
}
