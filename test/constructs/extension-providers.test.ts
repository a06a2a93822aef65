// The bundled server's extension types through the constructs: factories and their option
// checks, a WebhookReceiver's ConfigMap documents that the server's files-mode validator accepts,
// and FluxReceivers refusing them at synth time with the construct path, field, value and fix.
import { Chart, Testing } from 'cdk8s';
import * as kplus from 'cdk8s-plus-28';
import { parseAllDocuments } from 'yaml';
import { checkReceiverDefinition } from '../../server/receivers/files/receiver-document-check';
import { FluxReceivers, ReceiverProvider, ReceiverType, ReconcileTarget, WebhookReceiver } from '../../src';

const extensions = () => [ReceiverProvider.gitea({ events: ['push'] }), ReceiverProvider.azureDevOps(), ReceiverProvider.standardWebhooks()];

describe('extension providers', () => {
  test('one factory per extension type; each is marked as an extension', () => {
    expect(extensions().map((p) => [p.type, p.isExtension])).toEqual([['gitea', true], ['azure-devops', true], ['standard-webhooks', true]]);
    expect(ReceiverProvider.github().isExtension).toBe(false);
  });

  test('gitea checks event names against the names Gitea sends in X-Gitea-Event', () => {
    expect(ReceiverProvider.gitea({ events: ['push', 'pull_request_sync'] }).events).toEqual(['push', 'pull_request_sync']);
    expect(() => ReceiverProvider.gitea({ events: ['pull-request'] }))
      .toThrow('ReceiverProvider.gitea(): event "pull-request" is not one gitea senders put in X-Gitea-Event, so no webhook would ever match it: did you mean "pull_request"?');
    expect(ReceiverProvider.gitea({ events: ['brand_new'], allowUnknownEvents: true }).events).toEqual(['brand_new']);
  });

  test('azure-devops and standard-webhooks take no options; ReceiverProvider.of applies the same rules', () => {
    expect(() => (ReceiverProvider.azureDevOps as any)({ events: ['git.push'] })).toThrow(/ReceiverProvider\.azureDevOps\(\).*filter on req\.eventType with a resourceFilter/);
    expect(() => (ReceiverProvider.standardWebhooks as any)({ events: ['x'] })).toThrow(/ReceiverProvider\.standardWebhooks\(\)/);
    expect(ReceiverProvider.of(ReceiverType.GITEA, { events: ['push'] }).events).toEqual(['push']);
    expect(() => ReceiverProvider.of(ReceiverType.AZURE_DEVOPS, { events: ['git.push'] }))
      .toThrow('ReceiverProvider.of("azure-devops"): events ["git.push"] are ignored by azure-devops receivers, which have no event header: remove events (only github, gitlab, bitbucket, cdevents, gitea filter events)');
  });

  test('a WebhookReceiver serves them: its ConfigMap documents pass the server\'s files-mode validation', () => {
    const chart = new Chart(Testing.app(), 'apps', { namespace: 'apps' });
    const server = new WebhookReceiver(chart, 'receiver');
    extensions().forEach((provider, i) => server.addReceiver(`r${i}`, {
      provider,
      secret: kplus.Secret.fromSecretName(chart, `s${i}`, `token-${i}`),
      targets: [ReconcileTarget.gitRepository('webapp')],
    }));
    const configMap = Testing.synth(chart).find((m: any) => m.kind === 'ConfigMap');
    const documents = parseAllDocuments(configMap.data['receivers.yaml']).map((d) => d.toJS());
    expect(documents.map((d) => [d.metadata.name, d.spec.type, d.spec.events])).toEqual([
      ['r0', 'gitea', ['push']], ['r1', 'azure-devops', undefined], ['r2', 'standard-webhooks', undefined],
    ]);
    expect(documents.map((d) => checkReceiverDefinition(d, 'apps').problems)).toEqual([[], [], []]);
  });

  test.each([
    ['gitea', () => ReceiverProvider.gitea(), ', or use ReceiverProvider.github(), which Gitea and Forgejo also speak'],
    ['azure-devops', () => ReceiverProvider.azureDevOps(), ''],
    ['standard-webhooks', () => ReceiverProvider.standardWebhooks(), ''],
  ])('FluxReceivers refuses %s: construct path, receiver, type and the fix', (type, provider, hint) => {
    const chart = new Chart(Testing.app(), 'apps', { namespace: 'flux-system' });
    const flux = new FluxReceivers(chart, 'flux');
    const secret = kplus.Secret.fromSecretName(chart, 'token', 'webhook-token');
    expect(() => flux.addReceiver('webapp', { provider: provider(), secret, targets: [ReconcileTarget.gitRepository('webapp')] })).toThrow(
      `FluxReceivers apps/flux: receiver "webapp" provider type "${type}" is an extension of the bundled receiver server, not a Flux Receiver type, `
      + 'so notification-controller cannot serve it (its Receiver CRD would refuse the object): '
      + `add this receiver to a WebhookReceiver instead${hint}`);
    expect(flux.receivers).toEqual([]);
    expect(Testing.synth(chart)).toEqual([]);
  });
});
