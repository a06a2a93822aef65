// The receivers being served, indexed by webhook path. A reload builds a new index and swaps it
// in one assignment; requests in flight keep the receiver object they already looked up.
import type { ServedReceiver } from '../receivers/receiver-source';

export class ReceiversByPath {
  private byPath: ReadonlyMap<string, ServedReceiver> = new Map();
  private all: readonly ServedReceiver[] = [];
  private loadedOnce = false;

  /** Replaces the whole set. With colliding paths the first definition wins, like Flux's `Limit(1)`. */
  replace(receivers: readonly ServedReceiver[]): void {
    const next = new Map<string, ServedReceiver>();
    for (const r of receivers) {
      if (r.webhookPath !== undefined && !next.has(r.webhookPath)) next.set(r.webhookPath, r);
    }
    this.byPath = next;
    this.all = receivers;
    this.loadedOnce = true;
  }

  /** Exact match on the raw request-target, query string included. */
  lookup(requestTarget: string): ServedReceiver | undefined {
    return this.byPath.get(requestTarget);
  }

  get receivers(): readonly ServedReceiver[] {
    return this.all;
  }

  /** True after the source delivered its first set. */
  get loaded(): boolean {
    return this.loadedOnce;
  }
}
