// The bundle carries its ajv validators as code generated at build time (server/build.mjs), not
// compiled at start-up: the bundled executable must judge Receiver documents and CDEvents exactly
// as the server's sources do (which compile the same schemas with ajv at run time).
import { ChildProcess, spawn } from 'child_process';
import * as fs from 'fs';
import * as os from 'os';
import * as path from 'path';
import { stringify } from 'yaml';
import { validate, webhookRequest } from './providers/provider-request';
import { send } from './receiver-fixture';
import { checkReceiverDefinition } from '../../server/receivers/files/receiver-document-check';
import { hookPath, SERVER_NODE_FLAGS } from '../../src/model';
import { freePort } from '../harness/apiserver';
import { adminKubeconfigPath, eventually } from '../harness/kube';
import { buildServerBundle, SERVER_BUNDLE } from '../harness/server-bundle';

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
  let proc: ChildProcess;
  let output = '';
  let hookUrl: string;
  const lines = (): Record<string, unknown>[] => output.trim().split('\n').filter((l) => l.startsWith('{')).map((l) => JSON.parse(l) as Record<string, unknown>);

  beforeAll(async () => {
    buildServerBundle();
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'bundle-validators-'));
    fs.writeFileSync(path.join(dir, 'receivers.yaml'), DOCUMENTS.map((d) => stringify(d)).join('---\n'));
    fs.mkdirSync(path.join(dir, 'secrets', 'token'), { recursive: true });
    fs.writeFileSync(path.join(dir, 'secrets', 'token', 'token'), TOKEN);
    const ports = { webhook: await freePort(), metrics: await freePort(), health: await freePort() };
    proc = spawn(process.execPath, [
      ...SERVER_NODE_FLAGS, SERVER_BUNDLE, 'serve', '--receivers', path.join(dir, 'receivers.yaml'), '--secrets-dir', path.join(dir, 'secrets'), '--kubeconfig', adminKubeconfigPath(),
      '--listen', `127.0.0.1:${ports.webhook}`, '--metrics-listen', `127.0.0.1:${ports.metrics}`, '--health-listen', `127.0.0.1:${ports.health}`,
    ], { env: { PATH: process.env.PATH }, stdio: ['ignore', 'pipe', 'pipe'] });
    proc.stdout!.on('data', (c) => (output += c));
    proc.stderr!.on('data', (c) => (output += c));
    await eventually('receivers loaded', async () => lines().find((l) => l.msg === 'receivers loaded'), 20_000).catch((e) => {
      throw new Error(`${(e as Error).message}\n${output}`);
    });
    hookUrl = `http://127.0.0.1:${ports.webhook}${hookPath(TOKEN, 'cd', NS)}`;
  });

  afterAll(() => {
    if (proc && proc.exitCode === null) proc.kill('SIGKILL');
  });

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
