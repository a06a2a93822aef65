// How many request-body bytes are decoded at once. Decoding a body costs several times its size
// (the text, the parsed JSON, for a CEL filter its values as well: about 7 times for a 3 MiB GitHub
// payload), and that lives until the delivery's patches are done. The body budget
// (server/http/body-budget.ts) bounds the raw bytes held; this bounds the bytes being decoded, so
// a burst of signed near-cap deliveries cannot outgrow the pod (measured in docs/reliability.md).
// A delivery that fits goes at once, so a usual one (a few KiB) never queues behind large ones;
// the others wait, admitted in arrival order as room frees up, at most a bounded time.

/** Raw bytes decoded at once: one body at the 3 MiB cap. */
export const DECODE_BUDGET_BYTES = 3 * 1024 * 1024;
/** The longest a delivery waits for room before it is answered 503. */
export const DECODE_WAIT_MS = 10_000;

interface Waiter {
  readonly bytes: number;
  readonly admit: () => void;
}

export class DecodeBudget {
  private used = 0;
  private readonly waiting: Waiter[] = [];

  constructor(readonly limit = DECODE_BUDGET_BYTES, readonly maxWaitMs = DECODE_WAIT_MS) {}

  /**
   * Resolves with the function that gives the `bytes` back, or with undefined when they did not
   * fit within `maxWaitMs`. A request larger than the whole budget waits for it to be empty.
   */
  enter(bytes: number): Promise<(() => void) | undefined> {
    const need = Math.min(bytes, this.limit);
    if (this.used + need <= this.limit) {
      this.used += need;
      return Promise.resolve(this.releaser(need));
    }
    return new Promise((resolve) => {
      const waiter: Waiter = {
        bytes: need,
        admit: () => {
          clearTimeout(timer);
          this.used += need;
          resolve(this.releaser(need));
        },
      };
      const timer = setTimeout(() => {
        this.waiting.splice(this.waiting.indexOf(waiter), 1);
        resolve(undefined);
      }, this.maxWaitMs);
      this.waiting.push(waiter);
    });
  }

  /** Bytes being decoded now. */
  get held(): number {
    return this.used;
  }

  /** Deliveries waiting for room now. */
  get queued(): number {
    return this.waiting.length;
  }

  private releaser(bytes: number): () => void {
    let released = false;
    return () => {
      if (released) return;
      released = true;
      this.used -= bytes;
      this.admit();
    };
  }

  /** Admits, in arrival order, every waiter that fits now. */
  private admit(): void {
    for (let i = 0; i < this.waiting.length && this.used < this.limit;) {
      if (this.used + this.waiting[i].bytes <= this.limit) this.waiting.splice(i, 1)[0].admit();
      else i++;
    }
  }
}
