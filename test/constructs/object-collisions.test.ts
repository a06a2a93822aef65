// Nothing the constructs emit may collide with Flux's own objects, nor with another object of the
// app: both are checked when the app is synthesized, and explicit names are checked at once.
import * as fs from 'fs';
import * as path from 'path';
import { Chart, Testing } from 'cdk8s';
import * as kplus from 'cdk8s-plus-28';
import { parseAllDocuments } from 'yaml';
import { receiverApp } from './scenario';
import {
  CertManagerSolverPolicy, ExposeViaIngress, ExposeViaLoadBalancer, FluxReceivers, ReceiverProvider, ReconcileTarget, SolverTrafficSource,
  WebhookReceiver,
} from '../../src';

const FIXTURE = path.join(__dirname, '..', 'fixtures', 'flux-install', 'flux-v2.9.4-flux-system.yaml');
const fluxObjects = parseAllDocuments(fs.readFileSync(FIXTURE, 'utf8')).map((d) => d.toJS()).filter(Boolean);
const identity = (o: any) => `${o.kind}/${o.metadata.namespace ?? ''}/${o.metadata.name}`;

function addGithub(host: WebhookReceiver | FluxReceivers, name = 'webapp') {
  host.addReceiver(name, {
    provider: ReceiverProvider.github({ events: ['push'] }),
    secret: kplus.Secret.fromSecretName(host, `token-${name}`, 'webhook-token'),
    targets: [ReconcileTarget.gitRepository('webapp')],
  });
}

describe('coexistence with a Flux install', () => {
  test('the fixture holds the Flux objects the defaults must avoid', () => {
    expect(fluxObjects.map(identity)).toEqual(expect.arrayContaining([
      'Service/flux-system/webhook-receiver', 'Service/flux-system/notification-controller',
      'Deployment/flux-system/notification-controller', 'ServiceAccount/flux-system/notification-controller',
      'NetworkPolicy/flux-system/allow-webhooks', 'NetworkPolicy/flux-system/allow-egress', 'NetworkPolicy/flux-system/allow-scraping',
    ]));
  });

  test.each(['server', 'flux'] as const)('the %s backend with its exposures, all defaults, in flux-system: no object shares kind, namespace and name with Flux', (backend) => {
    const { chart, host } = receiverApp('flux-system', 'apps', backend);
    new ExposeViaLoadBalancer(chart, 'lb', { receiver: host });
    new ExposeViaIngress(chart, 'ingress', { receiver: host });
    new CertManagerSolverPolicy(chart, 'solver', { receiver: host, ingressControllers: [SolverTrafficSource.namespace('ingress-nginx')] });
    const ours = Testing.synth(chart).map(identity);
    const flux = new Set(fluxObjects.map(identity));
    expect(ours.filter((id) => flux.has(id))).toEqual([]);
    expect(ours.length).toBeGreaterThan(3);
  });

  test('the default Service of WebhookReceiver is flux-webhook-receiver, not Flux\'s webhook-receiver', () => {
    expect(new WebhookReceiver(Testing.chart(), 'r').serviceName).toBe('flux-webhook-receiver');
  });

  test('explicit names that would take over a Flux object are refused at once', () => {
    expect(() => new WebhookReceiver(Testing.chart(), 'r', { serviceName: 'webhook-receiver' }))
      .toThrow('r: serviceName "webhook-receiver" would take over Flux\'s Service "webhook-receiver" (every Flux install has one in its namespace, flux-system by default): choose another name, or omit serviceName for the default');
    expect(() => new WebhookReceiver(Testing.chart(), 'r', { serviceName: 'notification-controller' }))
      .toThrow(/serviceName "notification-controller" would take over Flux's Service "notification-controller"/);
    const chart = Testing.chart();
    const receiver = new WebhookReceiver(chart, 'r');
    expect(() => new ExposeViaLoadBalancer(chart, 'lb', { receiver, metadata: { name: 'webhook-receiver' } }))
      .toThrow(/lb: metadata.name "webhook-receiver" would take over Flux's Service "webhook-receiver"/);
    expect(() => new ExposeViaLoadBalancer(chart, 'lb2', { receiver, networkPolicyName: 'allow-webhooks' }))
      .toThrow(/lb2: networkPolicyName "allow-webhooks" would take over Flux's NetworkPolicy "allow-webhooks"/);
    expect(() => new CertManagerSolverPolicy(chart, 'solver', { receiver, metadata: { name: 'allow-egress' }, ingressControllers: [SolverTrafficSource.namespace('ingress-nginx')] }))
      .toThrow(/solver: metadata.name "allow-egress" would take over Flux's NetworkPolicy "allow-egress"/);
  });

  test('a Flux name that arrives through shared metadata is refused at synth time, naming the object\'s path', () => {
    const chart = Testing.chart();
    new WebhookReceiver(chart, 'r', { metadata: { name: 'allow-scraping' } });
    expect(() => Testing.synth(chart))
      .toThrow(/r\/AllowWebhooks: metadata.name "allow-scraping" would take over Flux's NetworkPolicy "allow-scraping"/);
  });
});

describe('LoadBalancer NetworkPolicy name', () => {
  test('networkPolicyName names the NetworkPolicy; a generated name otherwise', () => {
    const chart = Testing.chart();
    const receiver = new WebhookReceiver(chart, 'r');
    const named = new ExposeViaLoadBalancer(chart, 'lb', { receiver, networkPolicyName: 'allow-github-hooks' });
    const generated = new ExposeViaLoadBalancer(chart, 'lb2', { receiver });
    expect(named.networkPolicy!.name).toBe('allow-github-hooks');
    expect(generated.networkPolicy!.name).toMatch(/^test-lb2-allowloadbalancer-c8[0-9a-f]{6}$/);
  });

  test('a name without a NetworkPolicy, or an invalid one, is refused', () => {
    const chart = Testing.chart();
    const receiver = new WebhookReceiver(chart, 'r');
    expect(() => new ExposeViaLoadBalancer(chart, 'lb', { receiver, networkPolicy: false, networkPolicyName: 'allow-lb' }))
      .toThrow('lb: networkPolicyName "allow-lb" is set but networkPolicy is false, so there is no NetworkPolicy to name; remove one of the two');
    expect(() => new ExposeViaLoadBalancer(chart, 'lb2', { receiver, networkPolicyName: 'Allow_LB' }))
      .toThrow(/lb2: networkPolicyName "Allow_LB" is not a valid Kubernetes object name/);
  });
});

describe('duplicate objects across the app fail at synth time, naming both construct paths', () => {
  test('two FluxReceivers with the same receiver name in one namespace', () => {
    const chart = Testing.chart();
    const a = new FluxReceivers(chart, 'team-a', { namespace: 'flux-system' });
    const b = new FluxReceivers(chart, 'team-b', { namespace: 'flux-system' });
    addGithub(a, 'webapp');
    addGithub(b, 'webapp2');
    b.addReceiver('webapp', {
      provider: ReceiverProvider.github({ events: ['push'] }),
      secret: kplus.Secret.fromSecretName(b, 'token-b', 'webhook-token'),
      targets: [ReconcileTarget.gitRepository('webapp')],
    });
    expect(() => Testing.synth(chart)).toThrow(
      '[test/team-a] Receiver "webapp" in namespace "flux-system" is emitted 2 times, by test/team-a/webapp and test/team-b/webapp: '
      + 'objects of one kind need distinct names within a namespace, or the last one applied silently replaces the others; rename one (metadata.name, serviceName, or the receiver name)');
  });

  test('the same receiver name in two namespaces is fine', () => {
    const chart = Testing.chart();
    addGithub(new FluxReceivers(chart, 'a', { namespace: 'team-a' }));
    addGithub(new FluxReceivers(chart, 'b', { namespace: 'team-b' }));
    expect(Testing.synth(chart).filter((o) => o.kind === 'Receiver')).toHaveLength(2);
  });

  test('two exposures with one name', () => {
    const chart = Testing.chart();
    const receiver = new WebhookReceiver(chart, 'r');
    new ExposeViaIngress(chart, 'one', { receiver, metadata: { name: 'hooks' } });
    new ExposeViaIngress(chart, 'two', { receiver, metadata: { name: 'hooks' } });
    expect(() => Testing.synth(chart)).toThrow(/Ingress "hooks" in namespace "flux-system" is emitted 2 times, by test\/one\/Resource and test\/two\/Resource/);
  });

  test('an exposure named like the receiver\'s Service', () => {
    const chart = Testing.chart();
    const receiver = new WebhookReceiver(chart, 'r');
    new ExposeViaLoadBalancer(chart, 'lb', { receiver, metadata: { name: 'flux-webhook-receiver' } });
    expect(() => Testing.synth(chart)).toThrow(/Service "flux-webhook-receiver" in namespace "flux-system" is emitted 2 times, by test\/r\/Service and test\/lb\/Resource/);
  });

  test('two WebhookReceivers with the default Service name in one namespace, even in two charts', () => {
    const app = Testing.app();
    new WebhookReceiver(new Chart(app, 'one', { namespace: 'flux-system' }), 'r');
    const two = new Chart(app, 'two', { namespace: 'flux-system' });
    new WebhookReceiver(two, 'r');
    expect(() => Testing.synth(two)).toThrow(/Service "flux-webhook-receiver" in namespace "flux-system" is emitted 2 times, by one\/r\/Service and two\/r\/Service/);
  });

  test('an object of the app outside this library that clashes with one of ours', () => {
    const chart = Testing.chart();
    new WebhookReceiver(chart, 'r');
    new kplus.k8s.KubeService(chart, 'mine', { metadata: { name: 'flux-webhook-receiver', namespace: 'flux-system' }, spec: { ports: [{ port: 80 }] } });
    expect(() => Testing.synth(chart)).toThrow(/Service "flux-webhook-receiver" in namespace "flux-system" is emitted 2 times, by test\/r\/Service and test\/mine/);
  });
});
