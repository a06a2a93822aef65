// One budget for the request-body bytes held in memory across all requests. The 3 MiB cap bounds
// one request; this bounds them all, so many concurrent uploads cannot push the process past its
// memory limit. Past it a request gets 503 + Retry-After.
//
// Counting live bytes is not enough: a body released after its response stays in memory until V8
// collects it, and under a stream of 3 MiB uploads that garbage alone outgrew the pod limit
// (measured: 200 concurrent uploads peaked at 241 MiB with a 64 MiB count). Large bodies are
// therefore read into slabs of MAX_BODY_BYTES that are reused, never left to the collector: the
// budget bounds what exists, not just what is referenced.

/** Default budget: with the idle process (~90 MB) it keeps a 256 MiB pod well below its limit. */
export const DEFAULT_BODY_BUDGET_BYTES = 64 * 1024 * 1024;
/** Bodies declared larger than this go to a reusable slab; smaller ones are plain allocations. */
export const SLAB_THRESHOLD_BYTES = 64 * 1024;

export class BodyBudget {
  private used = 0;
  private readonly free: Buffer[] = [];

  /** `slabBytes`: the size of one slab, the largest body accepted. */
  constructor(readonly limit = DEFAULT_BODY_BUDGET_BYTES, readonly slabBytes = 3 * 1024 * 1024) {}

  /** Takes `bytes` if they fit; false (nothing taken) otherwise. */
  take(bytes: number): boolean {
    if (this.used + bytes > this.limit) return false;
    this.used += bytes;
    return true;
  }

  release(bytes: number): void {
    this.used -= bytes;
  }

  /** A slab (its whole size counted), or undefined when it does not fit the budget. */
  takeSlab(): Buffer | undefined {
    if (!this.take(this.slabBytes)) return undefined;
    return this.free.pop() ?? Buffer.allocUnsafeSlow(this.slabBytes);
  }

  /** Gives a slab back; its bytes may be overwritten by the next request at once. */
  releaseSlab(slab: Buffer): void {
    this.release(this.slabBytes);
    this.free.push(slab);
  }

  /** Bytes counted right now (for the metric). */
  get held(): number {
    return this.used;
  }
}
