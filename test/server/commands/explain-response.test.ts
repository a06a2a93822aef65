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

describe('explainAnswer on a 200', () => {
  test('the check command names the first target\'s kind, name and namespace', () => {
    const targets = [{ kind: 'ImageRepository', name: 'webapp', namespace: 'apps' }, { kind: 'GitRepository', name: 'other' }];
    expect(explainAnswer({ status: 200, body: '' }, github, 'package', targets, 'flux-system').lines[1])
      .toBe('Check a target with: kubectl -n apps get imagerepository webapp -o jsonpath=\'{.metadata.annotations.reconcile\\.fluxcd\\.io/requestedAt}\'');
    expect(explainAnswer({ status: 200, body: '' }, github, 'push', [{ kind: 'OCIRepository', name: 'manifests' }], 'flux-system').lines[1])
      .toContain('kubectl -n flux-system get ocirepository manifests ');
  });

  test('a target selected by labels has no name to show', () => {
    expect(explainAnswer({ status: 200, body: '' }, github, 'push', [{ kind: 'Kustomization', name: '*' }], 'ns').lines[1]).toContain('kubectl -n ns get kustomization <name> ');
  });
});
