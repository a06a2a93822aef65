// `senderRepository`: the repository `flux-webhook-receiver register` puts the receiver's hook on
// when no target names it, rendered as a Receiver annotation by both backends.
import { Testing } from 'cdk8s';
import * as kplus from 'cdk8s-plus-28';
import { parse } from 'yaml';
import { FluxReceivers, ReceiverProvider, ReconcileTarget, WebhookReceiver } from '../../src';

const targets = [ReconcileTarget.imageRepository('webapp')];

test('WebhookReceiver and FluxReceivers render the annotation; without it nothing is added', () => {
  const chart = Testing.chart();
  const secret = kplus.Secret.fromSecretName(chart, 'token', 'webhook-token');
  const server = new WebhookReceiver(chart, 'server', { namespace: 'flux-system' });
  server.addReceiver('images', { provider: ReceiverProvider.github({ events: ['package'] }), secret, targets, senderRepository: 'org/webapp' });
  server.addReceiver('plain', { provider: ReceiverProvider.github(), secret, targets });
  const flux = new FluxReceivers(chart, 'flux', { namespace: 'apps' });
  const def = flux.addReceiver('nested', { provider: ReceiverProvider.gitlab(), secret: kplus.Secret.fromSecretName(chart, 'token2', 'webhook-token'), targets, senderRepository: 'platform/apps/webapp' });
  expect(def.senderRepository).toBe('platform/apps/webapp');
  const objects = Testing.synth(chart);
  const docs = objects.find((o) => o.kind === 'ConfigMap').data['receivers.yaml'].split(/^---$/m).map((d: string) => parse(d));
  expect(docs.map((d: any) => d.metadata.annotations)).toEqual([{ 'cdk8s-flux-webhooks.io/sender-repository': 'org/webapp' }, undefined]);
  expect(objects.find((o) => o.kind === 'Receiver').metadata.annotations).toEqual({ 'cdk8s-flux-webhooks.io/sender-repository': 'platform/apps/webapp' });
});

test.each([
  ['webapp', 'has no owner: write owner/name (GitLab: group/project)'],
  ['org/web app', 'has the segment "web app": segments are letters, digits, \'-\', \'_\' and \'.\''],
  ['org/..', 'has the segment "..": segments are letters, digits, \'-\', \'_\' and \'.\''],
  ['https://github.com/org/webapp', 'has the segment "https:": segments are letters, digits, \'-\', \'_\' and \'.\''],
])('refuses %j naming the construct, the field and an example', (value, problem) => {
  const chart = Testing.chart();
  const server = new WebhookReceiver(chart, 'server');
  expect(() => server.addReceiver('webapp', { provider: ReceiverProvider.github(), secret: kplus.Secret.fromSecretName(chart, 'token', 'webhook-token'), targets, senderRepository: value }))
    .toThrow(`WebhookReceiver test/server: receiver "webapp": senderRepository ${JSON.stringify(value)} ${problem}, e.g. senderRepository: 'org/webapp'`);
});

test('refuses types whose sender register does not manage', () => {
  const chart = Testing.chart();
  const server = new WebhookReceiver(chart, 'server');
  expect(() => server.addReceiver('harbor', { provider: ReceiverProvider.harbor(), secret: kplus.Secret.fromSecretName(chart, 'token', 'webhook-token'), targets, senderRepository: 'org/webapp' }))
    .toThrow('receiver "harbor": senderRepository "org/webapp" cannot be used with a harbor receiver: register manages the hooks of github, gitlab, gitea, bitbucket; remove senderRepository');
});
