import { DecodeBudget } from '../../../server/pipeline/decode-budget';

const MIB = 1024 * 1024;

describe('DecodeBudget', () => {
  test('admits while the bytes fit; past the limit a delivery waits until enough is given back', async () => {
    const budget = new DecodeBudget(12 * MIB, 5_000);
    const first = (await budget.enter(3 * MIB))!;
    const second = (await budget.enter(3 * MIB))!;
    const third = (await budget.enter(3 * MIB))!;
    const fourth = (await budget.enter(3 * MIB))!;
    expect(budget.held).toBe(12 * MIB);
    let fifth: (() => void) | undefined;
    const waiting = budget.enter(3 * MIB).then((release) => (fifth = release));
    await new Promise((r) => setImmediate(r));
    expect(fifth).toBeUndefined();
    expect(budget.queued).toBe(1);
    first();
    await waiting;
    expect(fifth).toBeInstanceOf(Function);
    expect(budget.held).toBe(12 * MIB);
    for (const release of [second, third, fourth, fifth!]) release();
    expect(budget.held).toBe(0);
  });

  test('a small delivery that fits goes at once, even while a large one waits', async () => {
    const budget = new DecodeBudget(4 * MIB, 5_000);
    const large = (await budget.enter(3 * MIB))!;
    const queued = budget.enter(3 * MIB);
    const small = await budget.enter(5_000);
    expect(small).toBeInstanceOf(Function);
    small!();
    large();
    expect(await queued).toBeInstanceOf(Function);
  });

  test('waiters are admitted in arrival order as room frees up', async () => {
    const budget = new DecodeBudget(2 * MIB, 5_000);
    const held = (await budget.enter(2 * MIB))!;
    const order: string[] = [];
    const a = budget.enter(MIB).then((r) => (order.push('a'), r));
    const b = budget.enter(MIB).then((r) => (order.push('b'), r));
    const c = budget.enter(MIB).then((r) => (order.push('c'), r));
    held();
    const [ra, rb] = await Promise.all([a, b]);
    expect(order).toEqual(['a', 'b']);
    ra!();
    await c;
    expect(order).toEqual(['a', 'b', 'c']);
    rb!();
  });

  test('no room within the wait: undefined, and the waiter is gone', async () => {
    const budget = new DecodeBudget(MIB, 50);
    const held = (await budget.enter(MIB))!;
    const sentAt = Date.now();
    expect(await budget.enter(MIB)).toBeUndefined();
    expect(Date.now() - sentAt).toBeGreaterThanOrEqual(45);
    expect(budget.queued).toBe(0);
    held();
    expect(budget.held).toBe(0);
  });

  test('giving back twice gives back once', async () => {
    const budget = new DecodeBudget(MIB, 50);
    const release = (await budget.enter(MIB / 2))!;
    const other = (await budget.enter(MIB / 2))!;
    release();
    release();
    expect(budget.held).toBe(MIB / 2);
    other();
  });
});
