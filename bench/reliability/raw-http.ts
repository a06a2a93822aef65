// A raw HTTP/1.1 client for hostile requests: the bytes are sent as given (Node's http client
// refuses invalid header names and values, which are exactly what the fuzz sends), answers are
// framed by Content-Length or chunked encoding, and a connection is kept alive while the server
// allows it. Each answer says whether the server closed the connection before any byte of it.
import * as net from 'net';

export interface RawAnswer {
  /** 0 when no answer arrived. */
  readonly status: number;
  readonly headers: Readonly<Record<string, string>>;
  /** The connection closed (or errored) before any byte of an answer. */
  readonly closedBeforeBytes: boolean;
  /** The connection closed in the middle of an answer. */
  readonly truncated: boolean;
  readonly error?: string;
  readonly sentAt: number;
  readonly answeredAt: number;
}

export interface RawRequest {
  readonly method: string;
  /** The request target, as bytes go on the wire. */
  readonly target: string;
  /** Header lines; values may be any bytes. */
  readonly headers: ReadonlyArray<readonly [string | Buffer, string | Buffer]>;
  readonly body: Buffer;
  /** Omit the Content-Length header this client adds otherwise. */
  readonly noContentLength?: boolean;
}

/** The bytes of `req`: request line, headers, Content-Length (unless told), body. */
export function encodeRequest(req: RawRequest): Buffer {
  const parts: Buffer[] = [Buffer.from(`${req.method} ${req.target} HTTP/1.1\r\nHost: 127.0.0.1\r\n`, 'latin1')];
  for (const [name, value] of req.headers) {
    parts.push(Buffer.isBuffer(name) ? name : Buffer.from(name, 'utf8'), Buffer.from(': '), Buffer.isBuffer(value) ? value : Buffer.from(value, 'utf8'), Buffer.from('\r\n'));
  }
  if (!req.noContentLength) parts.push(Buffer.from(`Content-Length: ${req.body.length}\r\n`));
  parts.push(Buffer.from('\r\n'), req.body);
  return Buffer.concat(parts);
}

export class RawConnection {
  static open(port: number): Promise<RawConnection> {
    return new Promise((resolve, reject) => {
      const socket = net.connect(port, '127.0.0.1');
      socket.once('connect', () => {
        socket.removeListener('error', reject);
        resolve(new RawConnection(socket));
      });
      socket.once('error', reject);
    });
  }

  private buffer: Buffer = Buffer.alloc(0);
  private waiting?: { head: boolean; resolve: (a: RawAnswer) => void; sentAt: number; timer: NodeJS.Timeout };
  private _closed = false;
  private reason?: string;

  private constructor(readonly socket: net.Socket) {
    socket.setNoDelay(true);
    socket.on('data', (chunk: Buffer) => {
      this.buffer = this.buffer.length ? Buffer.concat([this.buffer, chunk]) : chunk;
      this._parse();
    });
    socket.on('error', (e) => (this.reason = (e as NodeJS.ErrnoException).code ?? e.message));
    socket.on('close', () => {
      this._closed = true;
      this._parse(true);
    });
  }

  get closed(): boolean {
    return this._closed || this.socket.destroyed;
  }

  /**
   * Writes `bytes` (all at once, or chunk by chunk `gapMs` apart) and resolves with the answer.
   * `head`: the answer has no body whatever its Content-Length (a HEAD request).
   */
  send(bytes: Buffer | readonly Buffer[], options: { head?: boolean; timeoutMs?: number; gapMs?: number } = {}): Promise<RawAnswer> {
    if (this.waiting) throw new Error('one request at a time');
    const sentAt = Date.now();
    return new Promise((resolve) => {
      const timer = setTimeout(() => this._finish({ status: 0, headers: {}, closedBeforeBytes: false, truncated: false, error: 'timeout' }), options.timeoutMs ?? 40_000);
      this.waiting = { head: options.head ?? false, resolve, sentAt, timer };
      if (this.closed) {
        this._parse(true);
        return;
      }
      const chunks = Buffer.isBuffer(bytes) ? [bytes] : bytes;
      const write = (i: number): void => {
        if (i >= chunks.length || this.closed) return;
        this.socket.write(chunks[i]);
        if (i + 1 < chunks.length) setTimeout(() => write(i + 1), options.gapMs ?? 0);
      };
      write(0);
    });
  }

  destroy(): void {
    this.socket.destroy();
  }

  private _finish(answer: Omit<RawAnswer, 'sentAt' | 'answeredAt'>): void {
    const waiting = this.waiting;
    if (!waiting) return;
    this.waiting = undefined;
    clearTimeout(waiting.timer);
    if (answer.error === 'timeout') this.socket.destroy();
    waiting.resolve({ ...answer, sentAt: waiting.sentAt, answeredAt: Date.now() });
  }

  private _parse(ended = false): void {
    if (!this.waiting) return;
    for (;;) {
      const end = this.buffer.indexOf('\r\n\r\n');
      if (end < 0) break;
      const head = this.buffer.subarray(0, end).toString('latin1').split('\r\n');
      const status = Number(/^HTTP\/1\.[01] (\d{3})/.exec(head[0])?.[1] ?? 0);
      const headers: Record<string, string> = {};
      for (const line of head.slice(1)) {
        const colon = line.indexOf(':');
        if (colon > 0) headers[line.slice(0, colon).trim().toLowerCase()] = line.slice(colon + 1).trim();
      }
      if (status >= 100 && status < 200) {
        this.buffer = this.buffer.subarray(end + 4);
        continue;
      }
      const bodyStart = end + 4;
      let bodyEnd: number | undefined;
      if (this.waiting.head || status === 204 || status === 304) {bodyEnd = bodyStart;} else if (headers['transfer-encoding']?.toLowerCase().includes('chunked')) {bodyEnd = _chunkedEnd(this.buffer, bodyStart);} else if (headers['content-length'] !== undefined) {
        const n = bodyStart + Number(headers['content-length']);
        if (this.buffer.length >= n) bodyEnd = n;
      } else if (ended) {bodyEnd = this.buffer.length;}
      if (bodyEnd === undefined) {
        if (ended) this._finish({ status, headers, closedBeforeBytes: false, truncated: true, error: this.reason ?? 'closed' });
        return;
      }
      this.buffer = this.buffer.subarray(bodyEnd);
      if (headers.connection?.toLowerCase() === 'close') this.socket.end();
      this._finish({ status, headers, closedBeforeBytes: false, truncated: false });
      return;
    }
    if (ended) {
      const nothing = this.buffer.length === 0;
      this._finish({ status: 0, headers: {}, closedBeforeBytes: nothing, truncated: !nothing, error: this.reason ?? 'closed' });
    }
  }
}

/** The end of a complete chunked body starting at `start`, or undefined while incomplete. */
function _chunkedEnd(buffer: Buffer, start: number): number | undefined {
  let at = start;
  for (;;) {
    const lineEnd = buffer.indexOf('\r\n', at);
    if (lineEnd < 0) return undefined;
    const size = parseInt(buffer.subarray(at, lineEnd).toString('latin1'), 16);
    if (Number.isNaN(size)) return buffer.length;
    if (size === 0) {
      const trailerEnd = buffer.indexOf('\r\n\r\n', lineEnd);
      return trailerEnd < 0 ? undefined : trailerEnd + 4;
    }
    at = lineEnd + 2 + size + 2;
    if (at > buffer.length) return undefined;
  }
}
