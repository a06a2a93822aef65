// The extension types (gitea, azure-devops, standard-webhooks) end to end in files mode against
// the real apiserver: the delivery `send` builds reaches the GitRepository through the whole
// pipeline; a wrong credential never does. Flux's own CRD refuses them (cluster mode cannot have
// such a Receiver), and the cluster source would refuse one if it appeared.
import { deliveryBuilder } from '../../../server/commands/deliveries';
import { clusterModeRefusal } from '../../../server/receivers/extension-types';
import { adminKubeConfig, createTestNamespace, dryRunApply, eventually } from '../../harness/kube';
import { createGitRepositories, receiver, receiverPath, requestedAt, send, ServerFixture } from '../receiver-fixture';

const SECRETS: Record<string, string> = {
  'gitea': 'gitea-token',
  'azure-devops': 'azure-devops-token',
  'standard-webhooks': 'whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw',
};

describe('extension types (files mode, real apiserver)', () => {
  let ns: string;
  let fixture: ServerFixture;

  beforeAll(async () => {
    ns = await createTestNamespace('extensions');
    await createGitRepositories(ns, Object.keys(SECRETS).map((type) => ({ name: `repo-${type}` })));
    fixture = await ServerFixture.start({ defaultNamespace: ns });
    for (const [type, token] of Object.entries(SECRETS)) fixture.writeSecret(type, { token });
    fixture.writeReceivers('receivers.yaml', Object.keys(SECRETS).map((type) =>
      receiver(type, ns, { type, secretRef: { name: type }, resources: [{ kind: 'GitRepository', name: `repo-${type}` }] })));
    await fixture.listen();
    await fixture.ready();
  });

  afterAll(async () => {
    await fixture?.stop();
  });

  test.each(Object.keys(SECRETS))('%s: the delivery send builds is accepted and annotates the GitRepository', async (type) => {
    const builder = deliveryBuilder(type)!;
    const delivery = builder.build({ token: Buffer.from(SECRETS[type]), event: builder.events[0] ?? '', branch: 'main', deliveryId: '5f0c7a38-1e54-4c8f-a6a3-2b0d8f1e9c41', now: new Date() });
    expect(await requestedAt(ns, `repo-${type}`)).toBeUndefined();
    const res = await send(fixture.url(receiverPath(SECRETS[type], type, ns)), { headers: delivery.headers, body: delivery.body });
    expect(res.status).toBe(200);
    expect(await requestedAt(ns, `repo-${type}`)).toMatch(/^\d{4}-\d\d-\d\dT/);
    const line = fixture.logs.filter((l) => l.receiver === `${ns}/${type}` && l.status === 200).pop();
    expect(line).toMatchObject({ type, outcome: 'triggered', targets: [{ kind: 'GitRepository', name: `repo-${type}`, patched: 1 }] });
    expect(JSON.stringify(fixture.logs)).not.toContain(SECRETS[type]);
  });

  test.each(Object.keys(SECRETS))('%s: a delivery signed with another secret is 400 and patches nothing', async (type) => {
    const builder = deliveryBuilder(type)!;
    const other = type === 'standard-webhooks' ? 'whsec_bm90IHRoZSBzZWNyZXQ=' : 'another-token';
    const delivery = builder.build({ token: Buffer.from(other), event: builder.events[0] ?? '', branch: 'main', deliveryId: '5f0c7a38-1e54-4c8f-a6a3-2b0d8f1e9c42', now: new Date() });
    const patches = fixture.patcher.calls.length;
    const res = await send(fixture.url(receiverPath(SECRETS[type], type, ns)), { headers: delivery.headers, body: delivery.body });
    expect(res.status).toBe(400);
    expect(fixture.patcher.calls.length).toBe(patches);
  });

  test('a type that is neither Flux nor an extension is still an invalid document; the enum message lists the extensions', async () => {
    fixture.writeSecret('forgejo', { token: 'forgejo-token' });
    fixture.writeReceivers('unknown.yaml', [receiver('forgejo', ns, { type: 'forgejo', secretRef: { name: 'forgejo' }, resources: [{ kind: 'GitRepository', name: 'repo-gitea' }] })]);
    const problem = await eventually('problem reported', async () => fixture.fileSource.problems.find((p) => p.object === `${ns}/forgejo`));
    expect(problem).toMatchObject({ field: 'spec.type', message: expect.stringContaining('"gitea", "azure-devops", "standard-webhooks"') });
    expect(problem.message).toMatch(/^"forgejo" must be equal to one of the allowed values: "generic"/);
  });
});

describe('cluster mode: Flux has no such type', () => {
  test.each(Object.keys(SECRETS))("the apiserver with Flux's Receiver CRD refuses a %s Receiver", async (type) => {
    const ns = await createTestNamespace('ext-cluster');
    await expect(dryRunApply([receiver('r', ns, { type, secretRef: { name: 's' }, resources: [{ kind: 'GitRepository', name: 'x' }] })], ns, adminKubeConfig()))
      .rejects.toThrow(/spec\.type: Unsupported value: "[a-z-]+"/);
  });

  test('the cluster source refuses an extension type with a terminal ValidationFailed, and leaves Flux types alone', () => {
    expect(clusterModeRefusal({ type: 'standard-webhooks', resources: [] })).toEqual({
      reason: 'ValidationFailed',
      detail: 'type "standard-webhooks" is an extension of flux-webhook-receiver served in files mode only (--receivers), not a Flux Receiver type: '
        + 'define this receiver in a receivers file (WebhookReceiver does) instead of as a Receiver object',
    });
    expect(clusterModeRefusal({ type: 'github', resources: [] })).toBeUndefined();
    expect(clusterModeRefusal(undefined)).toBeUndefined();
  });
});
