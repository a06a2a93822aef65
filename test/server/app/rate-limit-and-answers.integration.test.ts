// Two extensions beyond Flux, end to end in files mode against the real apiserver: the
// per-receiver rate limit (429 + Retry-After after the provider check, no API call for limited or
// forged requests) and the JSON answer a sender gets with `Accept: application/json` or --json-answers.
import { githubPushHeaders } from '../../harness/http';
import { receiver, receiverPath, requestedAt, send, ServerFixture, startServed } from '../receiver-fixture';

const RATE_ANNOTATION = 'cdk8s-flux-webhooks.io/rate-limit';
const TOKEN = 'limit-token';
const gitRepo = (name: string) => ({ kind: 'GitRepository', name });
const PUSH = JSON.stringify({ ref: 'refs/heads/main' });

function signedPush(body = PUSH, token = TOKEN, extra: Record<string, string> = {}) {
  return { body, headers: { ...githubPushHeaders(token, body), ...extra } };
}

function forgedPush(extra: Record<string, string> = {}) {
  return signedPush(PUSH, 'not-the-token', extra);
}

describe('rate limit and JSON answers (files mode, real apiserver)', () => {
  let ns: string;
  let fixture: ServerFixture;
  const hook = (name: string) => fixture.url(receiverPath(TOKEN, name, ns));
  const patchesOf = (name: string) => fixture.patcher.calls.filter((c) => c.name === name).length;

  beforeAll(async () => {
    ({ ns, fixture } = await startServed({
      namespace: 'rate-limit',
      gitRepositories: ['gh', 'gh-forged', 'generic', 'generic-off', 'json'],
      tokens: { token: TOKEN },
      receivers: (namespace) => {
        const spec = (type: string, target: string) => ({ type, secretRef: { name: 'token' }, resources: [gitRepo(target)] });
        return [
          receiver('gh', namespace, spec('github', 'gh')),
          receiver('gh-forged', namespace, spec('github', 'gh-forged'), { annotations: { [RATE_ANNOTATION]: '1/h,burst=1' } }),
          receiver('generic', namespace, spec('generic', 'generic')),
          receiver('generic-off', namespace, spec('generic', 'generic-off'), { annotations: { [RATE_ANNOTATION]: 'off' } }),
          receiver('generic-bad', namespace, spec('generic', 'generic'), { annotations: { [RATE_ANNOTATION]: 'fast' } }),
          receiver('json', namespace, spec('github', 'json'), { annotations: { [RATE_ANNOTATION]: 'off' } }),
          receiver('json-missing', namespace, spec('github', 'missing'), { annotations: { [RATE_ANNOTATION]: 'off' } }),
        ];
      },
      // Defaults as small as a test can count: 3 per hour for signed types, 1 per hour for generic.
      options: () => ({ rateLimits: { signed: { perSecond: 3 / 3600, burst: 3 }, generic: { perSecond: 1 / 3600, burst: 1 } } }),
    }));
  });

  afterAll(async () => {
    await fixture?.stop();
  });

  test('a signed receiver gets its burst, then 429 with Retry-After; the limited request makes no patch', async () => {
    for (let i = 0; i < 3; i++) expect((await send(hook('gh'), signedPush())).status).toBe(200);
    const limited = await send(hook('gh'), signedPush());
    expect(limited.status).toBe(429);
    // 3 per hour: one token refills in 1200 s.
    expect(Number(limited.headers['retry-after'])).toBeGreaterThan(1190);
    expect(Number(limited.headers['retry-after'])).toBeLessThanOrEqual(1200);
    expect(limited.body).toBe('');
    expect(patchesOf('gh')).toBe(3);
    const line = fixture.logs.filter((l) => l.receiver === `${ns}/gh` && l.status === 429).pop();
    expect(line).toMatchObject({ level: 'warn', outcome: 'rate_limited' });
    const logs = JSON.stringify(fixture.logs);
    expect(logs).not.toContain(receiverPath(TOKEN, 'gh', ns).slice(6));
    expect(logs).not.toContain(TOKEN);
    const metrics = await fixture.metrics();
    expect(metrics).toContain(`flux_webhook_receiver_deliveries_total{namespace="${ns}",name="gh",type="github",outcome="rate_limited"} 1`);
    expect(metrics).toContain('gotk_receiver_http_request_duration_seconds_count{service="",handler="/hook/",method="POST",code="429"}');
  });

  test('the limit counts verified deliveries only: a forged flood gets 400 and leaves the real sender its token', async () => {
    for (let i = 0; i < 20; i++) expect((await send(hook('gh-forged'), forgedPush())).status).toBe(400);
    expect(patchesOf('gh-forged')).toBe(0);
    expect((await send(hook('gh-forged'), signedPush())).status).toBe(200);
    const limited = await send(hook('gh-forged'), signedPush());
    expect([limited.status, limited.headers['retry-after']]).toEqual([429, '3600']);
    expect(patchesOf('gh-forged')).toBe(1);
    expect(await requestedAt(ns, 'gh-forged')).toBeDefined();
  });

  test('generic gets the lower default; the annotation overrides it ("off"), a bad annotation falls back to the default with a warning', async () => {
    expect((await send(hook('generic'))).status).toBe(200);
    expect((await send(hook('generic'))).status).toBe(429);
    for (let i = 0; i < 5; i++) expect((await send(hook('generic-off'))).status).toBe(200);
    expect(patchesOf('generic-off')).toBe(5);
    expect((await send(hook('generic-bad'))).status).toBe(200);
    expect((await send(hook('generic-bad'))).status).toBe(429);
    expect(fixture.logs.find((l) => l.receiver === `${ns}/generic-bad` && l.annotation === RATE_ANNOTATION)).toMatchObject({
      level: 'warn',
      error: '"fast" is not a rate limit: use "<requests>/<s|m|h>[,burst=<n>]" (e.g. "20/s,burst=200") or "off"',
    });
  });

  test('JSON answer for 200: receiver, outcome, event, each target and its result', async () => {
    const res = await send(hook('json'), signedPush(PUSH, TOKEN, { Accept: 'application/json' }));
    expect(res.status).toBe(200);
    expect(res.headers['content-type']).toBe('application/json');
    expect(JSON.parse(res.body)).toEqual({
      receiver: { namespace: ns, name: 'json', type: 'github' },
      status: 200,
      outcome: 'triggered',
      event: 'push',
      targets: [{ kind: 'GitRepository', namespace: ns, name: 'json', selected: 1, patched: 1, filteredOut: 0, result: 'ok' }],
    });
    expect(await requestedAt(ns, 'json')).toBeDefined();
  });

  test('JSON answer for 400 names the failed check; for 500 the failed target; no token or hook path in either', async () => {
    const bad = await send(hook('json'), forgedPush({ Accept: 'text/html, application/json;q=0.9' }));
    expect(bad.status).toBe(400);
    expect(JSON.parse(bad.body)).toEqual({
      receiver: { namespace: ns, name: 'json', type: 'github' },
      status: 400,
      outcome: 'rejected',
      reason: 'unable to validate payload: the GitHub signature header is invalid, err: payload signature check failed',
    });
    const failed = await send(hook('json-missing'), signedPush(PUSH, TOKEN, { Accept: 'application/json' }));
    expect(failed.status).toBe(500);
    expect(JSON.parse(failed.body)).toEqual({
      receiver: { namespace: ns, name: 'json-missing', type: 'github' },
      status: 500,
      outcome: 'target_error',
      event: 'push',
      reason: `unable to request reconciliation: resources[0]: unable to read GitRepository "${ns}/missing" error: not found`,
      targets: [{
        kind: 'GitRepository',
        namespace: ns,
        name: 'missing',
        selected: 0,
        patched: 0,
        filteredOut: 0,
        result: 'failed',
        error: `unable to read GitRepository "${ns}/missing" error: not found`,
      }],
    });
    for (const body of [bad.body, failed.body]) {
      expect(body).not.toContain(TOKEN);
      expect(body).not.toContain(receiverPath(TOKEN, 'json', ns).slice(6));
      expect(body).not.toContain(receiverPath(TOKEN, 'json-missing', ns).slice(6));
      expect(body).not.toContain('sha256=');
    }
  });

  test('without Accept: application/json (or with only */*) the answer stays Flux\'s empty body; 429 answers in JSON carry retryAfterSeconds', async () => {
    for (const accept of [undefined, '*/*', 'application/json;q=0']) {
      const res = await send(hook('json'), signedPush(PUSH, TOKEN, accept ? { Accept: accept } : {}));
      expect([res.status, res.headers['content-length'], res.body]).toEqual([200, '0', '']);
    }
    const limited = await send(hook('generic'), { headers: { Accept: 'application/json' } });
    expect(JSON.parse(limited.body)).toMatchObject({ status: 429, outcome: 'rate_limited', retryAfterSeconds: 3600 });
  });
});

describe('--json-answers (files mode, real apiserver)', () => {
  let ns: string;
  let fixture: ServerFixture;

  beforeAll(async () => {
    ({ ns, fixture } = await startServed({
      namespace: 'json-answers',
      gitRepositories: ['webapp'],
      tokens: { token: TOKEN },
      receivers: (namespace) => [receiver('webapp', namespace, { type: 'generic', secretRef: { name: 'token' }, resources: [gitRepo('webapp')] })],
      options: () => ({ jsonAnswers: true }),
    }));
  });

  afterAll(async () => {
    await fixture?.stop();
  });

  test('every delivery gets the JSON answer, also without an Accept header; an unknown path names no receiver', async () => {
    const res = await send(fixture.url(receiverPath(TOKEN, 'webapp', ns)));
    expect(JSON.parse(res.body)).toMatchObject({ receiver: { namespace: ns, name: 'webapp', type: 'generic' }, status: 200, outcome: 'triggered' });
    const unknown = await send(fixture.url('/hook/0123'));
    expect(JSON.parse(unknown.body)).toEqual({ status: 404, outcome: 'not_found' });
  });
});
