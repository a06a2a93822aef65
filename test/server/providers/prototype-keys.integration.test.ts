// Attacker JSON whose keys are Object.prototype's names (`constructor`, `__proto__`, `toString`,
// `hasOwnProperty`, `valueOf`) is ordinary data: CEL filters see them as map keys, providers
// decode around them, claims with them still validate. End to end on the real apiserver: a
// `constructor` key in the body of a receiver with a CEL filter is a 200 and a patch, not a 500.
import { validate, webhookRequest } from './provider-request';
import { compileFilter, evaluateFilter, requestBodyForCel } from '../../../server/filters';
import { compileClaimsProcessor, processClaims } from '../../../server/filters/oidc-claims';
import { validateCDEvent } from '../../../server/providers/_cdevents-schema';
import { createTestNamespace } from '../../harness/kube';
import { createGitRepositories, receiver, receiverPath, requestedAt, send, ServerFixture } from '../receiver-fixture';

const PROTO_KEYS = ['constructor', '__proto__', 'toString', 'hasOwnProperty', 'valueOf'];
const res = { apiVersion: 'source.toolkit.fluxcd.io/v1', kind: 'GitRepository', metadata: { name: 'app', labels: { constructor: 'x' } } };
const json = (text: string) => requestBodyForCel(Buffer.from(text), 'application/json');
const filter = (expression: string, body: string) => evaluateFilter(compileFilter(expression, { claims: false }), { res, req: json(body) });

describe('prototype-shaped keys in CEL filters', () => {
  test.each(PROTO_KEYS)('a body key %s with an object value does not break `req.ref == ...`', (key) => {
    const body = `{"${key}":{"x":1},"ref":"refs/heads/main"}`;
    expect(filter("req.ref == 'refs/heads/main'", body)).toBe(true);
    expect(filter("req.ref == 'refs/heads/dev'", body)).toBe(false);
  });

  test.each(PROTO_KEYS)('%s is a key like any other: has(), indexing, size, in', (key) => {
    const body = `{"${key}":{"x":1},"ref":"r"}`;
    expect(filter(`has(req.${key}) && req["${key}"].x == 1`, body)).toBe(true);
    expect(filter('size(req) == 2', body)).toBe(true);
    expect(filter(`"${key}" in req`, body)).toBe(true);
    expect(filter(`"${key}" in req`, '{"ref":"r"}')).toBe(false);
    expect(filter(`has(req.${key})`, '{"ref":"r"}')).toBe(false);
  });

  test('nested prototype keys, string values and keys in lists', () => {
    const body = '{"a":{"constructor":"c","__proto__":"p"},"b":{"__proto__":"p","constructor":"c"},"l":[{"toString":1}],"valueOf":"v"}';
    expect(filter('req.a.constructor == "c" && req.a["__proto__"] == "p" && req.l[0].toString == 1 && req.valueOf == "v"', body)).toBe(true);
    expect(filter('req.l.exists(m, "toString" in m)', body)).toBe(true);
    expect(filter('req.a == req.b', body)).toBe(true);
  });

  test('a label named constructor on the target is readable', () => {
    expect(filter('res.metadata.labels.constructor == "x"', '{}')).toBe(true);
  });

  test('sets and format work over decoded maps', () => {
    const body = '{"l":[{"constructor":"1"},{"b":"2"}],"yes":{"constructor":"1"},"no":{"constructor":"2"}}';
    expect(filter('sets.contains(req.l, [req.yes])', body)).toBe(true);
    expect(filter('sets.contains(req.l, [req.no])', body)).toBe(false);
    expect(filter('"%s".format([req.m]) == "{constructor: 1}"', '{"m":{"constructor":1}}')).toBe(true);
  });
});

describe('prototype-shaped keys elsewhere', () => {
  test.each(PROTO_KEYS.filter((k) => /^[A-Za-z]+$/.test(k)))('cdevents: a context.type subject %s is an unknown type, not a crash', (subject) => {
    const event = { context: { id: '1', source: 's', timestamp: '2026-11-20T10:00:00Z', type: `dev.cdevents.${subject}.created.0.1.0` }, subject: { id: 'x' } };
    expect(validateCDEvent(event)).toEqual({ ok: false, reason: `unknown CDEvent type "dev.cdevents.${subject}.created.0.1.0"` });
  });

  test('providers decode typed payloads around prototype-shaped keys, at any depth', async () => {
    const body = '{"constructor":{"a":1},"__proto__":{"repo_url":"evil"},"toString":1,"push_data":{"__proto__":{"tag":"evil"},"tag":"v1"},"repository":{"constructor":"x","repo_url":"https://hub.docker.com/r/me/app"}}';
    const verdict = await validate('dockerhub', webhookRequest({ body }));
    expect(verdict).toMatchObject({ ok: true, description: 'handling DockerHub event from https://hub.docker.com/r/me/app for tag v1' });
  });

  test('claims with prototype-shaped keys still validate', () => {
    const processor = compileClaimsProcessor({
      variables: [{ name: 'constructor', expression: 'claims.sub' }],
      validations: [{ expression: 'vars.constructor == "me" && claims.toString.x == 1', message: 'bad' }],
    });
    expect(processClaims(processor, JSON.parse('{"sub":"me","toString":{"x":1},"__proto__":{"y":2}}'))).toEqual(new Map([['constructor', 'me']]));
    expect(() => processClaims(processor, JSON.parse('{"sub":"you","toString":{"x":1}}'))).toThrow('token validation failed: bad');
  });
});

describe('a `constructor` body key end to end (real apiserver)', () => {
  let ns: string;
  let fixture: ServerFixture;

  beforeAll(async () => {
    ns = await createTestNamespace('protokeys');
    await createGitRepositories(ns, [{ name: 'app' }]);
    fixture = await ServerFixture.start({ defaultNamespace: ns });
    fixture.writeSecret('s', { token: 'proto-token' });
    fixture.writeReceivers('r.yaml', [receiver('filtered', ns, { type: 'generic', secretRef: { name: 's' }, resourceFilter: "req.ref == 'refs/heads/main'", resources: [{ kind: 'GitRepository', name: 'app' }] })]);
    await fixture.listen();
    await fixture.ready();
  });

  afterAll(async () => {
    await fixture?.stop();
  });

  test.each(PROTO_KEYS)('{"%s":{"x":1},"ref":"refs/heads/main"} → 200 and the GitRepository is patched', async (key) => {
    const before = await requestedAt(ns, 'app');
    const body = `{"${key}":{"x":1},"ref":"refs/heads/main"}`;
    const answer = await send(fixture.url(receiverPath('proto-token', 'filtered', ns)), { headers: { 'Content-Type': 'application/json' }, body });
    expect(answer.status).toBe(200);
    const after = await requestedAt(ns, 'app');
    expect(after).toBeDefined();
    expect(after).not.toBe(before);
  });
});
