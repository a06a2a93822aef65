// Coalesces reconcile requests per object. A delivery may only be acknowledged by a patch that
// STARTED after it arrived, so: with no patch in flight one starts at once; while one is in flight
// every newcomer joins a single trailing patch that starts when the current one settles. A burst
// of N concurrent deliveries therefore costs at most two patches per patch round-trip, and each
// caller's promise settles with the outcome of a patch that started after its call.

/** Performs one patch; rejects on failure. */
export type PatchFn = () => Promise<void>;

interface ObjectState {
  running?: Promise<void>;
  trailing?: Promise<void>;
}

export interface TriggerStats {
  /** Calls answered by a patch shared with an earlier caller. */
  coalesced(): void;
}

export class CoalescingTrigger {
  private readonly objects = new Map<string, ObjectState>();

  constructor(private readonly stats?: TriggerStats) {}

  /**
   * Resolves when a patch of `key` that started at or after this call succeeded; rejects with
   * that patch's error. `patch` of whichever caller starts the round is used: all callers for one
   * key must patch the same thing.
   */
  request(key: string, patch: PatchFn): Promise<void> {
    let state = this.objects.get(key);
    if (!state) {
      state = {};
      this.objects.set(key, state);
    }
    if (!state.running && !state.trailing) return this.start(key, state, patch);
    if (state.trailing) {
      this.stats?.coalesced();
      return state.trailing;
    }
    const current = state.running!;
    const s = state;
    s.trailing = current.then(ignore, ignore).then(() => {
      s.trailing = undefined;
      return this.start(key, s, patch);
    });
    return s.trailing;
  }

  /** Objects with a patch in flight or queued (for tests and metrics). */
  get busyObjects(): number {
    return this.objects.size;
  }

  private start(key: string, state: ObjectState, patch: PatchFn): Promise<void> {
    const run = (async () => patch())();
    state.running = run;
    const settle = (): void => {
      if (state.running === run) state.running = undefined;
      if (!state.running && !state.trailing) this.objects.delete(key);
    };
    run.then(settle, settle);
    return run;
  }
}

function ignore(): void {}
