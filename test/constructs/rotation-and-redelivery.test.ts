// The construct side of two server extensions: `verificationKeys` (token rotation without a URL
// change) and `WebhookReceiver.duplicateWindow` (redelivery), validated at synth time.
import { Chart, Duration, Testing } from 'cdk8s';
import * as kplus from 'cdk8s-plus-28';
import { parse } from 'yaml';
import { FluxReceivers, ReceiverProvider, ReconcileTarget, WebhookReceiver } from '../../src';

const targets = [ReconcileTarget.gitRepository('webapp')];
const secretRef = (c: Chart) => kplus.Secret.fromSecretName(c, 'token', 'webhook-token');

function args(chart: Chart): string[] {
  const deployment = Testing.synth(chart).find((o) => o.kind === 'Deployment');
  return deployment.spec.template.spec.containers[0].args;
}

function receiverDocs(chart: Chart): any[] {
  const configMap = Testing.synth(chart).find((o) => o.kind === 'ConfigMap');
  return configMap.data['receivers.yaml'].split(/^---$/m).map((d: string) => parse(d));
}

describe('verificationKeys', () => {
  test('renders the Receiver annotation the server reads, in the given order', () => {
    const chart = Testing.chart();
    const server = new WebhookReceiver(chart, 'server', { namespace: 'flux-system' });
    const secret = secretRef(chart);
    server.addReceiver('webapp', { provider: ReceiverProvider.github(), secret, targets, verificationKeys: ['token.next', 'token'] });
    server.addReceiver('plain', { provider: ReceiverProvider.gitlab(), secret, targets });
    const [webapp, plain] = receiverDocs(chart);
    expect(webapp.metadata).toEqual({ name: 'webapp', namespace: 'flux-system', annotations: { 'cdk8s-flux-webhooks.io/verification-keys': 'token.next,token' } });
    expect(plain.metadata).toEqual({ name: 'plain', namespace: 'flux-system' });
  });

  test.each([
    [[], 'lists no key'],
    [['a', 'b', 'c', 'd', 'e'], 'lists 5 keys, at most 4 are allowed'],
    [['token', 'token/next'], '"token/next" is not a Secret key'],
    [['..'], '".." is not a Secret key'],
    [['token', 'token'], '"token" is listed twice'],
  ])('refuses %j: %s', (keys, problem) => {
    const chart = Testing.chart();
    const server = new WebhookReceiver(chart, 'server');
    expect(() => server.addReceiver('webapp', { provider: ReceiverProvider.genericHmac(), secret: secretRef(chart), targets, verificationKeys: keys }))
      .toThrow(`receiver "webapp": verificationKeys ${JSON.stringify(keys)} ${problem}`);
  });

  test('refuses types whose token only derives the URL', () => {
    const chart = Testing.chart();
    const server = new WebhookReceiver(chart, 'server');
    expect(() => server.addReceiver('hub', { provider: ReceiverProvider.dockerhub(), secret: secretRef(chart), targets, verificationKeys: ['token.next'] }))
      .toThrow('receiver "hub": verificationKeys ["token.next"] cannot be used with a dockerhub receiver, whose token only derives the URL (the URL is the secret): remove verificationKeys; they apply to github, gitlab, bitbucket, generic-hmac, harbor, nexus');
  });

  test('FluxReceivers refuses them: notification-controller would ignore them', () => {
    const chart = Testing.chart();
    const flux = new FluxReceivers(chart, 'flux', { namespace: 'flux-system' });
    expect(() => flux.addReceiver('webapp', { provider: ReceiverProvider.github(), secret: secretRef(chart), targets, verificationKeys: ['token', 'token.next'] }))
      .toThrow(/^FluxReceivers test\/flux: receiver "webapp": verificationKeys \["token","token.next"\] are an extension of the bundled server: Flux's notification-controller verifies with 'token' only/);
    expect(flux.receivers).toEqual([]);
  });

  test('a Secret defined in the app must hold every listed key', () => {
    const chart = Testing.chart();
    const secret = new kplus.Secret(chart, 'hmac', { metadata: { namespace: 'flux-system' } });
    secret.addStringData('token', 'path-seed');
    secret.addStringData('token.old', 'x');
    const server = new WebhookReceiver(chart, 'server', { namespace: 'flux-system' });
    server.addReceiver('webapp', { provider: ReceiverProvider.genericHmac(), secret, targets, verificationKeys: ['token.old', 'token.new'] });
    expect(() => Testing.synth(chart)).toThrow(/Secret "[^"]+" of generic-hmac receiver "webapp" lacks the verification key "token.new" named by verificationKeys \(it has "token", "token.old"\), so deliveries signed with it would be refused: add addStringData\("token.new", …\), or remove it from verificationKeys/);
    secret.addStringData('token.new', 'y');
    expect(receiverDocs(chart)[0].metadata.annotations).toEqual({ 'cdk8s-flux-webhooks.io/verification-keys': 'token.old,token.new' });
  });
});

describe('WebhookReceiver duplicateWindow', () => {
  test('unset: no flag, the server default (5m) applies', () => {
    const chart = Testing.chart();
    new WebhookReceiver(chart, 'server');
    expect(args(chart)).not.toContain('--duplicate-window');
  });

  test.each([
    [Duration.minutes(10), '10m'],
    [Duration.seconds(90), '90s'],
    [Duration.hours(24), '24h'],
    [Duration.seconds(0), '0'],
  ])('%s renders --duplicate-window %s', (window, flag) => {
    const chart = Testing.chart();
    new WebhookReceiver(chart, 'server', { duplicateWindow: window });
    const a = args(chart);
    expect(a.slice(a.indexOf('--duplicate-window'), a.indexOf('--duplicate-window') + 2)).toEqual(['--duplicate-window', flag]);
  });

  test.each([
    [Duration.hours(25), '90000000ms'],
    [Duration.millis(0.5), '0.5ms'],
  ])('refuses %s', (window, shown) => {
    expect(() => new WebhookReceiver(Testing.chart(), 'server', { duplicateWindow: window }))
      .toThrow(`WebhookReceiver test/server: duplicateWindow ${shown} is not a whole number of milliseconds from 0 to 24 hours: use e.g. Duration.minutes(10), or Duration.seconds(0) to turn it off`);
  });
});
