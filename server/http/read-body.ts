import type { IncomingMessage } from 'http';

/** Flux v1.9.3's body cap: exactly 3 MiB is accepted, one byte more is 413. */
export const MAX_BODY_BYTES = 3 * 1024 * 1024;
/** How much of an oversized body is still read (and discarded) so the client sees the 413 before the connection closes. */
const DISCARD_LIMIT = 1024 * 1024;

export type BodyResult = { readonly ok: true; readonly body: Buffer } | { readonly ok: false; readonly status: 400 | 413; readonly reason: string };

/** Buffers the request body up to `limit` bytes; never holds more than `limit + 1` chunk bytes. */
export function readBody(req: IncomingMessage, limit = MAX_BODY_BYTES): Promise<BodyResult> {
  return new Promise((resolve) => {
    const chunks: Buffer[] = [];
    let size = 0;
    let settled = false;
    const settle = (result: BodyResult): void => {
      if (!settled) {
        settled = true;
        resolve(result);
      }
    };
    req.on('data', (chunk: Buffer) => {
      size += chunk.length;
      if (size <= limit) {
        chunks.push(chunk);
        return;
      }
      if (!settled) {
        chunks.length = 0;
        settle({ ok: false, status: 413, reason: `request body exceeds ${limit} bytes` });
      }
      if (size > limit + DISCARD_LIMIT) req.destroy();
    });
    req.on('end', () => settle({ ok: true, body: Buffer.concat(chunks, size) }));
    req.on('error', (err) => settle({ ok: false, status: 400, reason: `cannot read request body: ${err.message}` }));
    req.on('aborted', () => settle({ ok: false, status: 400, reason: 'request body aborted by the client' }));
  });
}
