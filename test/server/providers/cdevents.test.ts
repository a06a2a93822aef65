// cdevents: CDEvent validation (envelope schema + known type) then Ce-Type allow-list (docs/flux-behaviour.md, "Per-type checks").
import { fixture, providerContext, validate, webhookRequest } from './provider-request';

const event = (context: Record<string, unknown>, subject: Record<string, unknown> = { id: 'x', type: 'change' }) =>
  JSON.stringify({ context: { id: '1', source: 'github', timestamp: '2026-11-20T10:00:00Z', type: 'dev.cdevents.change.merged.0.2.0', ...context }, subject });

describe('cdevents', () => {
  test.each(['cdevents-change-merged.json', 'cdevents-v04-service-deployed.json'])('fixture %s is a valid CDEvent', async (name) => {
    const verdict = await validate('cdevents', webhookRequest({ headers: { 'Ce-Type': 'dev.cdevents.x', 'Ce-Id': 'abc' }, body: fixture(name) }));
    expect(verdict).toMatchObject({ ok: true, event: 'dev.cdevents.x', description: 'handling CDEvent: dev.cdevents.x', deliveryId: 'abc' });
  });

  test('the Ce-Type header, not context.type, goes through the allow-list', async () => {
    const request = webhookRequest({ headers: { 'Ce-Type': 'cd.change.merged.v1' }, body: event({}) });
    expect((await validate('cdevents', request, providerContext('cdevents', { spec: { events: ['CD.CHANGE.MERGED.V1'] } }))).ok).toBe(true);
    expect((await validate('cdevents', request, providerContext('cdevents', { spec: { events: ['dev.cdevents.change.merged.0.2.0'] } }))).ok).toBe(false);
  });

  test('custom dev.cdeventsx types are accepted', async () => {
    expect((await validate('cdevents', webhookRequest({ body: event({ type: 'dev.cdeventsx.mytool-resource.created.0.1.0' }) }))).ok).toBe(true);
  });

  test.each([
    ['unknown subject', { type: 'dev.cdevents.spaceship.launched.0.1.0' }],
    ['unknown predicate', { type: 'dev.cdevents.change.exploded.0.1.0' }],
    ['incompatible major version', { type: 'dev.cdevents.change.merged.1.0.0' }],
    ['unparsable type', { type: 'change.merged' }],
    ['missing id', { id: undefined }],
    ['empty id', { id: '' }],
    ['missing source', { source: undefined }],
    ['bad timestamp', { timestamp: 'yesterday' }],
    ['missing type', { type: undefined }],
  ])('%s is refused', async (_label, context) => {
    const verdict = await validate('cdevents', webhookRequest({ body: event(context) }));
    expect(verdict).toMatchObject({ ok: false, reason: expect.stringMatching(/^unable to validate CDEvent event/) });
  });

  test.each(['', 'null', '[]', '{}', '{"context":{}}', 'not json', `${event({})} trailing`])('body %j is refused', async (body) => {
    expect((await validate('cdevents', webhookRequest({ body }))).ok).toBe(false);
  });

  test('a subject without id is refused', async () => {
    expect((await validate('cdevents', webhookRequest({ body: event({}, { type: 'change' }) }))).ok).toBe(false);
  });
});
