// How `send` reads the two answers the receiver's extensions add: 429 from its rate limit and a
// JSON report naming the failed check.
import { deliveryBuilder } from '../../../server/commands/deliveries';
import { explainAnswer } from '../../../server/commands/explain-response';

const github = deliveryBuilder('github')!;

describe('explainAnswer', () => {
  test('429 names the receiver\'s rate limit and the proxy as causes, with Retry-After', () => {
    expect(explainAnswer({ status: 429, body: '', retryAfter: '3' }, github, 'push')).toEqual({
      ok: false,
      lines: [
        'Rate limited (Retry-After: 3 s): by the bundled server\'s per-receiver limit of verified deliveries'
        + ' (default 20/s, 2/s for generic; the Receiver annotation cdk8s-flux-webhooks.io/rate-limit), or by a proxy in front of the receiver.',
      ],
    });
  });

  test('a JSON answer is the receiver\'s, not a proxy\'s: its reason is quoted', () => {
    const body = JSON.stringify({ status: 429, outcome: 'rate_limited', reason: 'over the rate limit of 20/s (burst 200)', retryAfterSeconds: 1 });
    expect(explainAnswer({ status: 429, body, retryAfter: '1' }, github, 'push').lines.slice(1)).toEqual(['The receiver says: "over the rate limit of 20/s (burst 200)"']);
    expect(explainAnswer({ status: 502, body: '{"error":"bad gateway"}' }, github, 'push').lines.slice(1))
      .toEqual(['The answer has a body, so it probably came from a proxy in front of the receiver: "{\\"error\\":\\"bad gateway\\"}"']);
  });
});
