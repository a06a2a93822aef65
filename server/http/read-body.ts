import type { IncomingMessage } from 'http';
import { BodyBudget, SLAB_THRESHOLD_BYTES } from './body-budget';

/** Flux v1.9.3's body cap: exactly 3 MiB is accepted, one byte more is 413. */
export const MAX_BODY_BYTES = 3 * 1024 * 1024;
/** How much of a refused body is still read (and discarded) so the client sees the answer before the connection closes. */
const DISCARD_LIMIT = 1024 * 1024;

export type BodyResult =
  | { readonly ok: true; readonly body: Buffer; readonly kept: boolean }
  | { readonly ok: false; readonly status: 400 | 413 | 503; readonly reason: string };

export interface ReadBodyOptions {
  readonly limit?: number;
  /** Holds the bytes kept in memory; a body that does not fit ends the read with 503. */
  readonly budget?: BodyBudget;
  /**
   * False: count the bytes (for the 413) but keep none, for requests no receiver will read.
   * @default true
   */
  readonly keep?: boolean;
}

/** A read body and what it holds in the budget; `release()` once nothing uses `body` any more. */
export type HeldBody = BodyResult & { release(): void };

const EMPTY = Buffer.alloc(0);

/**
 * Buffers the request body up to `limit` bytes. A body declared larger than 64 KiB is copied into
 * a reusable slab of the budget as it arrives; others are joined at the end. Failures hold nothing.
 */
export function readBody(req: IncomingMessage, options: ReadBodyOptions = {}): Promise<HeldBody> {
  const limit = options.limit ?? MAX_BODY_BYTES;
  const keep = options.keep ?? true;
  const budget = options.budget ?? new BodyBudget(Infinity, limit);
  return new Promise((resolve) => {
    const declared = Number(req.headers['content-length']);
    const useSlab = Number.isSafeInteger(declared) && declared > SLAB_THRESHOLD_BYTES && declared <= budget.slabBytes;
    let slab: Buffer | undefined;
    const chunks: Buffer[] = [];
    let size = 0;
    let taken = 0;
    let settled = false;
    const release = (): void => {
      if (slab) budget.releaseSlab(slab);
      budget.release(taken);
      slab = undefined;
      taken = 0;
    };
    const settle = (result: BodyResult): void => {
      if (settled) return;
      settled = true;
      if (!result.ok) {
        release();
        chunks.length = 0;
      }
      resolve({ ...result, release });
    };
    req.on('data', (chunk: Buffer) => {
      size += chunk.length;
      if (settled) {
        if (size > limit + DISCARD_LIMIT) req.destroy();
        return;
      }
      if (size > limit) {
        settle({ ok: false, status: 413, reason: `request body exceeds ${limit} bytes` });
        return;
      }
      if (!keep) return;
      if (useSlab) {
        slab ??= budget.takeSlab();
        if (!slab) {
          settle({ ok: false, status: 503, reason: `request bodies held in memory would exceed ${budget.limit} bytes` });
          return;
        }
        chunk.copy(slab, size - chunk.length);
        return;
      }
      if (!budget.take(chunk.length)) {
        settle({ ok: false, status: 503, reason: `request bodies held in memory would exceed ${budget.limit} bytes` });
        return;
      }
      taken += chunk.length;
      chunks.push(chunk);
    });
    req.on('end', () => {
      if (!keep) settle({ ok: true, body: EMPTY, kept: false });
      else settle({ ok: true, body: slab ? slab.subarray(0, size) : chunks.length === 1 ? chunks[0] : Buffer.concat(chunks, size), kept: true });
    });
    req.on('error', (err) => settle({ ok: false, status: 400, reason: `cannot read request body: ${err.message}` }));
    req.on('aborted', () => settle({ ok: false, status: 400, reason: 'request body aborted by the client' }));
  });
}
