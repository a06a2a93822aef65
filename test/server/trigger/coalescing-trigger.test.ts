// The coalescing rule on its own, with patches the test settles by hand.
import { CoalescingTrigger } from '../../../server/trigger/coalescing-trigger';

interface Pending { resolve: () => void; reject: (e: Error) => void; startedAfter: number[] }

describe('CoalescingTrigger', () => {
  let log: string[];
  let patches: Pending[];
  let callNo: number;
  const patchFor = () => {
    const seen = callNo;
    return () => new Promise<void>((resolve, reject) => {
      patches.push({ resolve, reject, startedAfter: [seen] });
      log.push(`start after call ${seen}`);
    });
  };
  const call = (trigger: CoalescingTrigger, key = 'k') => {
    callNo++;
    return trigger.request(key, patchFor());
  };
  const tick = () => new Promise((r) => setImmediate(r));

  beforeEach(() => {
    log = [];
    patches = [];
    callNo = 0;
  });

  test('a burst costs one running patch plus one trailing patch, and nobody is answered by a patch that started before it', async () => {
    const trigger = new CoalescingTrigger();
    const settled: string[] = [];
    const first = call(trigger).then(() => settled.push('first'));
    const burst = Array.from({ length: 50 }, (_, i) => call(trigger).then(() => settled.push(`burst${i}`)));
    await tick();
    expect(patches).toHaveLength(1);
    patches[0].resolve();
    await tick();
    await first;
    // The burst arrived while patch 1 was in flight: it waits for patch 2, which starts now.
    expect(settled).toEqual(['first']);
    expect(patches).toHaveLength(2);
    patches[1].resolve();
    await Promise.all(burst);
    expect(settled).toHaveLength(51);
    expect(patches).toHaveLength(2);
    expect(trigger.busyObjects).toBe(0);
  });

  test('a failed patch rejects exactly the callers it answers; the next round starts fresh', async () => {
    const trigger = new CoalescingTrigger();
    const a = call(trigger);
    await tick();
    const b = call(trigger);
    const c = call(trigger);
    patches[0].resolve();
    await a;
    await tick();
    patches[1].reject(new Error('forbidden'));
    await expect(b).rejects.toThrow('forbidden');
    await expect(c).rejects.toThrow('forbidden');
    const d = call(trigger);
    await tick();
    expect(patches).toHaveLength(3);
    patches[2].resolve();
    await expect(d).resolves.toBeUndefined();
  });

  test('different objects do not share patches', async () => {
    const trigger = new CoalescingTrigger();
    const x = call(trigger, 'x');
    const y = call(trigger, 'y');
    await tick();
    expect(patches).toHaveLength(2);
    patches.forEach((p) => p.resolve());
    await Promise.all([x, y]);
  });
});
