// The bundle carries its ajv validators as code generated at build time (server/build.mjs), not
// compiled at start-up: the bundled executable must judge Receiver documents and CDEvents exactly
// as the server's sources do (which compile the same schemas with ajv at run time).
import { validate, webhookRequest } from './providers/provider-request';
import { send } from './receiver-fixture';
import { checkReceiverDefinition } from '../../server/receivers/files/receiver-document-check';
import { hookPath } from '../../src/model';
import { eventually } from '../harness/kube';
import { BundleProcess } from '../harness/server-process';

const NS = 'validators';
const TOKEN = 'validators-token';

const DOCUMENTS = [
  { name: 'cd', spec: { type: 'cdevents', secretRef: { name: 'token' }, resources: [] } },
  // enum (lists the allowed values), required (nested in a list), minLength, pattern
  { name: 'enum', spec: { type: 'forgejo', secretRef: { name: 'token' }, resources: [] } },
  { name: 'required', spec: { type: 'generic', secretRef: { name: 'token' }, resources: [{ name: 'app' }] } },
  { name: 'short', spec: { type: 'generic', secretRef: { name: 'token' }, resources: [{ kind: 'GitRepository', name: '' }] } },
  { name: 'interval', spec: { type: 'generic', interval: 'soon', secretRef: { name: 'token' }, resources: [] } },
].map(({ name, spec }) => ({ apiVersion: 'notification.toolkit.fluxcd.io/v1', kind: 'Receiver', metadata: { name, namespace: NS }, spec }));

const cdevent = (timestamp: string): string => JSON.stringify({
  context: { id: '1', source: 'ci', type: 'dev.cdevents.change.merged.0.2.0', timestamp },
  subject: { id: 'x', type: 'change' },
});

describe('precompiled validators in the bundle', () => {
  let server: BundleProcess;
  let hookUrl: string;
  const lines = (): Record<string, unknown>[] => server.lines();

  beforeAll(async () => {
    server = await BundleProcess.start({ receivers: DOCUMENTS, tokens: { token: TOKEN } });
    // The problems are logged before this line; the log is flushed every 50 ms.
    await eventually('receivers loaded', async () => lines().find((l) => l.msg === 'receivers loaded'), 20_000).catch((e) => {
      throw new Error(`${(e as Error).message}\n${server.output}`);
    });
    hookUrl = server.url(hookPath(TOKEN, 'cd', NS));
  });

  afterAll(() => server?.stop());

  test('invalid Receiver documents get the problems the sources find, field by field', () => {
    const logged = lines().filter((l) => l.msg === 'invalid receiver definition').map((l) => ({ object: l.object, field: l.field, error: l.error }));
    const expected = DOCUMENTS.slice(1).flatMap((doc) => checkReceiverDefinition(doc, NS).problems.map((p) => ({ object: `${NS}/${doc.metadata.name}`, field: p.path, error: p.message })));
    expect(logged).toEqual(expected);
    expect(logged).toEqual([
      { object: `${NS}/enum`, field: 'spec.type', error: expect.stringMatching(/^"forgejo" must be equal to one of the allowed values: "generic", .*"gitea", "azure-devops", "standard-webhooks"$/) },
      { object: `${NS}/required`, field: 'spec.resources[0].kind', error: 'Required value' },
      { object: `${NS}/short`, field: 'spec.resources[0].name', error: '"" must NOT have fewer than 1 characters' },
      { object: `${NS}/interval`, field: 'spec.interval', error: '"soon" must match pattern "^([0-9]+(\\.[0-9]+)?(ms|s|m|h))+$"' },
    ]);
  });

  test.each([
    ['a valid CDEvent', cdevent('2026-11-20T10:00:00Z'), 200],
    ['a timestamp that is not a date-time', cdevent('yesterday'), 400],
    ['no subject', JSON.stringify({ context: { id: '1', source: 'ci', type: 'dev.cdevents.change.merged.0.2.0', timestamp: '2026-11-20T10:00:00Z' } }), 400],
  ])('%s: the bundle answers as the sources judge it', async (_label, body, status) => {
    const refusals = lines().filter((l) => l.msg === 'webhook refused').length;
    const res = await send(hookUrl, { headers: { 'Content-Type': 'application/json', 'Ce-Type': 'dev.cdevents.change.merged.0.2.0' }, body });
    expect(res.status).toBe(status);
    const verdict = await validate('cdevents', webhookRequest({ body }));
    expect(verdict.ok).toBe(status === 200);
    if (!verdict.ok) {
      const refused = await eventually('refusal logged', async () => lines().filter((l) => l.msg === 'webhook refused')[refusals]);
      expect(refused.error).toBe(`unable to validate payload: ${verdict.reason}`);
    }
  });

  test("the sources' verdict on the bad timestamp (what the bundle's answer was compared with)", async () => {
    expect(await validate('cdevents', webhookRequest({ body: cdevent('yesterday') }))).toMatchObject({
      ok: false,
      reason: 'unable to validate CDEvent event: /context/timestamp must match format "date-time"',
    });
  });
});
