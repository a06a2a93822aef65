// What the fake Git host APIs share: a loopback HTTP server, a log of the calls made (to check
// that a dry run or a second run writes nothing), JSON in and out, and the delivery a host makes
// to a hook's URL after an event.
import * as http from 'http';
import type { AddressInfo } from 'net';

export interface LoggedCall {
  readonly method: string;
  readonly path: string;
  /** Every header as received, to check what the client sent (and that no other host gets the token). */
  readonly headers: http.IncomingHttpHeaders;
}

export interface FakeRequest {
  readonly method: string;
  readonly url: URL;
  readonly headers: http.IncomingHttpHeaders;
  readonly body: unknown;
}

export interface FakeAnswer {
  readonly status: number;
  readonly body?: unknown;
  readonly headers?: Record<string, string>;
}

export interface Delivered {
  readonly status: number;
  readonly body: string;
}

export abstract class FakeApi {
  readonly calls: LoggedCall[] = [];
  private server?: http.Server;
  protected port = 0;

  async start(): Promise<void> {
    this.server = http.createServer((req, res) => {
      const chunks: Buffer[] = [];
      req.on('data', (c: Buffer) => chunks.push(c));
      req.on('end', async () => {
        this.calls.push({ method: req.method ?? '', path: req.url ?? '', headers: req.headers });
        const text = Buffer.concat(chunks).toString('utf8');
        let body: unknown;
        try {
          body = text === '' ? undefined : JSON.parse(text);
        } catch {
          res.writeHead(400, { 'Content-Type': 'application/json' }).end(JSON.stringify({ message: 'Problems parsing JSON' }));
          return;
        }
        const answer = await this.handle({ method: req.method ?? 'GET', url: new URL(req.url ?? '/', this.origin), headers: req.headers, body });
        res.writeHead(answer.status, { ...(answer.body === undefined ? {} : { 'Content-Type': 'application/json; charset=utf-8' }), ...answer.headers });
        res.end(answer.body === undefined ? undefined : JSON.stringify(answer.body));
      });
    });
    await new Promise<void>((resolve) => this.server!.listen(0, '127.0.0.1', resolve));
    this.port = (this.server.address() as AddressInfo).port;
  }

  async close(): Promise<void> {
    await new Promise<void>((resolve) => this.server?.close(() => resolve()) ?? resolve());
  }

  /** `http://127.0.0.1:<port>`: the host's web and API origin. */
  get origin(): string {
    return `http://127.0.0.1:${this.port}`;
  }

  /** Calls that change something (anything but GET). */
  writes(): LoggedCall[] {
    return this.calls.filter((c) => c.method !== 'GET');
  }

  protected abstract handle(request: FakeRequest): FakeAnswer | Promise<FakeAnswer>;
}

/** POSTs a delivery the way a Git host does: JSON body, the host's headers, a fresh connection; status 0 when nothing answered. */
export function deliver(url: string, headers: Record<string, string>, body: string): Promise<Delivered> {
  // Only loopback receivers answer here; an https URL stands for a host the test does not run.
  if (!url.startsWith('http://127.0.0.1:')) return Promise.resolve({ status: 0, body: '' });
  return new Promise((resolve) => {
    const req = http.request(url, { method: 'POST', headers: { 'Content-Type': 'application/json', ...headers }, agent: false }, (res) => {
      let text = '';
      res.on('data', (c) => (text += c));
      res.on('end', () => resolve({ status: res.statusCode ?? 0, body: text }));
    });
    req.on('error', () => resolve({ status: 0, body: '' }));
    req.end(body);
  });
}
