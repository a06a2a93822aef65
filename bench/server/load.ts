// Bounded autocannon runs of one signed GitHub push delivery, and single probe requests.
import { createHmac } from 'crypto';
import * as http from 'http';
import autocannon from 'autocannon';

/** Requests per connection before the load generator reconnects. */
export const RECONNECT_EVERY = 1000;

export type CaseId = 'rejected' | 'accepted';

export interface Delivery {
  readonly body: Buffer;
  readonly headers: Readonly<Record<string, string>>;
}

/** The same push delivery, signed with `token` (accepted) or with a signature one hex digit off (rejected). */
export function githubPushDelivery(body: Buffer, token: string, kind: CaseId): Delivery {
  const digest = createHmac('sha256', token).update(body).digest('hex');
  // Same length as the right one, so every server does the full constant-time comparison.
  const signature = kind === 'accepted' ? digest : (digest[0] === '0' ? '1' : '0') + digest.slice(1);
  return {
    body,
    headers: {
      'Content-Type': 'application/json',
      'X-GitHub-Event': 'push',
      'X-GitHub-Delivery': '72d3162e-cc78-11e3-81ab-4c9367dc0958',
      'X-Hub-Signature-256': `sha256=${signature}`,
      'User-Agent': 'GitHub-Hookshot/bench',
    },
  };
}

export interface LoadResult {
  readonly requestsPerSecond: number;
  readonly p50Ms: number;
  readonly p99Ms: number;
  readonly total: number;
  /** Responses by status code. */
  readonly statusCodes: Readonly<Record<string, number>>;
  readonly errors: number;
  readonly timeouts: number;
}

export interface LoadOptions {
  readonly connections: number;
  readonly durationSeconds: number;
}

/** One autocannon run, bounded by `durationSeconds` (and a 10 s per-request timeout). */
export async function runLoad(url: string, delivery: Delivery, options: LoadOptions): Promise<LoadResult> {
  const result = await autocannon({
    url,
    method: 'POST',
    headers: { ...delivery.headers },
    body: delivery.body,
    connections: options.connections,
    duration: options.durationSeconds,
    timeout: 10,
    // Node servers with maxRequestsPerSocket (this one: 1000) send `Connection: close` on the last
    // allowed request and 503 to anything after it on that socket; autocannon ignores that header,
    // so every client reconnects after RECONNECT_EVERY requests, like a client honouring it. Same for
    // all targets. (autocannon drops the response that triggers the reconnect from its stats: 0.1 %.)
    reconnectRate: RECONNECT_EVERY,
  });
  const statusCodes: Record<string, number> = {};
  for (const [code, stats] of Object.entries(result.statusCodeStats ?? {})) statusCodes[code] = (stats as { count: number }).count;
  return {
    requestsPerSecond: result.requests.average,
    p50Ms: result.latency.p50,
    p99Ms: result.latency.p99,
    total: result.requests.total,
    statusCodes,
    errors: result.errors,
    timeouts: result.timeouts,
  };
}

/** One request; returns the status code. */
export function probe(url: string, delivery: Delivery): Promise<number> {
  return new Promise((resolve, reject) => {
    const target = new URL(url);
    const req = http.request(target, {
      method: 'POST',
      headers: { ...delivery.headers, 'Content-Length': delivery.body.length },
      timeout: 10_000,
    }, (res) => {
      res.resume();
      res.on('end', () => resolve(res.statusCode ?? 0));
    });
    req.on('timeout', () => req.destroy(new Error(`POST ${target.host}: timeout`)));
    req.on('error', reject);
    req.end(delivery.body);
  });
}
