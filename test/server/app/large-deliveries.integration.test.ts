// The decode budget the server really uses (not one a test builds): while one large delivery is
// decoded and its patch is in flight, a second one that does not fit beside it waits until the
// first is done. Two receivers with a target each, so nothing but the budget links the two
// deliveries. (How long a delivery waits, and the 503 after: test/server/pipeline/decode-budget.test.ts.)
import { DECODE_BUDGET_BYTES } from '../../../server/pipeline/decode-budget';
import { eventually } from '../../harness/kube';
import { receiver, receiverPath, send, ServerFixture, startServed } from '../receiver-fixture';

const MIB = 1024 * 1024;
/** Two of these do not fit in the budget at once; one does. */
const LARGE = Math.floor(DECODE_BUDGET_BYTES * 0.6);

describe('the server decodes a bounded amount of bodies at once', () => {
  let ns: string;
  let fixture: ServerFixture;

  beforeAll(async () => {
    ({ ns, fixture } = await startServed({
      namespace: 'decode-budget',
      gitRepositories: ['a', 'b'],
      tokens: { tok: 'large-token' },
      receivers: (n) => ['a', 'b'].map((name) => receiver(name, n, { type: 'generic', secretRef: { name: 'tok' }, resources: [{ kind: 'GitRepository', name }] })),
      options: () => ({ jsonAnswers: true }),
    }));
  });

  afterAll(async () => {
    await fixture?.stop();
  });

  const deliver = (name: string) => send(fixture.url(receiverPath('large-token', name, ns)), {
    headers: { 'Content-Type': 'application/json', 'Accept': 'application/json' },
    body: JSON.stringify({ pad: 'x'.repeat(LARGE - 10) }),
  });

  test('a large delivery that does not fit beside one in flight waits until the first is done, then goes through', async () => {
    expect(LARGE).toBeGreaterThan(MIB);
    let release!: () => void;
    fixture.patcher.hold = new Promise((resolve) => (release = resolve));
    const first = deliver('a');
    // The first delivery holds its share of the budget until its patch is done.
    await eventually('the first delivery to reach its patch', async () => (fixture.patcher.calls.length === 1 ? true : undefined));
    fixture.patcher.hold = undefined;
    const second = deliver('b');
    // Read and waiting for room: without the budget it would go on to its own patch instead.
    await eventually('the second delivery waiting to decode', async () => (/^flux_webhook_receiver_deliveries_waiting_to_decode 1$/m.test(await fixture.metrics()) ? true : undefined));
    expect(fixture.patcher.calls).toHaveLength(1);
    release();

    expect((await first).status).toBe(200);
    expect((await second).status).toBe(200);
    const { calls, started, succeeded } = fixture.patcher;
    expect(calls.map((ref) => ref.name)).toEqual(['a', 'b']);
    // The second delivery reached its patch only after the first one's patch was done.
    expect(started[1]).toBeGreaterThanOrEqual(succeeded[0]!);
  });
});
