import { ApiObject, JsonPatch, Testing } from 'cdk8s';
import { Node } from 'constructs';
import { parseAllDocuments } from 'yaml';
import { receiverApp } from './scenario';
import { ExposeViaHttpRoute, ExposeViaIngress, ExposeViaLoadBalancer, FluxReceivers, WebhookReceiver } from '../../src';
import { createTestNamespace, dryRunApply, ManifestObject, manifestIds } from '../harness/kube';

type Manifest = ManifestObject & { spec?: any; data?: any };

describe('FluxReceivers', () => {
  test('snapshot: Receiver objects only, nothing deployed', () => {
    const manifests = Testing.synth(receiverApp('flux-system', 'apps', 'flux').chart) as Manifest[];
    expect(manifests.map((m) => `${m.apiVersion} ${m.kind}`)).toEqual([
      'source.toolkit.fluxcd.io/v1 GitRepository',
      'notification.toolkit.fluxcd.io/v1 Receiver',
      'notification.toolkit.fluxcd.io/v1 Receiver',
      'notification.toolkit.fluxcd.io/v1 Receiver',
    ]);
    expect(manifests).toMatchSnapshot();
  });

  test('emits exactly the Receivers the server backend writes into its ConfigMap', () => {
    const flux = (Testing.synth(receiverApp('flux-system', 'apps', 'flux').chart) as Manifest[]).filter((m) => m.kind === 'Receiver');
    const server = (Testing.synth(receiverApp('flux-system', 'apps', 'server').chart) as Manifest[]).find((m) => m.kind === 'ConfigMap')!;
    expect(flux).toEqual(parseAllDocuments(server.data['receivers.yaml']).map((d) => d.toJS()));
  });

  test('is an IWebhookReceiver for Flux\'s webhook-receiver Service', () => {
    const { host } = receiverApp('flux-system', 'apps', 'flux');
    expect({ ns: host.namespace, svc: host.serviceName, port: host.servicePort, target: host.webhookPort, sel: host.podSelectorLabels })
      .toEqual({ ns: 'flux-system', svc: 'webhook-receiver', port: 80, target: 9292, sel: { app: 'notification-controller' } });
    const flux = host as FluxReceivers;
    expect(flux.receiverObjects.map((o) => o.name)).toEqual(['webapp', 'actions', 'registry']);
    expect(Node.of(flux).findChild('webapp')).toBe(flux.receiverObjects[0]);
  });

  test('WebhookReceiver.fromFluxNotificationController references the existing Service', () => {
    const chart = Testing.chart();
    const ref = WebhookReceiver.fromFluxNotificationController(chart, 'flux', { namespace: 'gitops' });
    expect({ ns: ref.namespace, svc: ref.serviceName, port: ref.servicePort, target: ref.webhookPort, sel: ref.podSelectorLabels })
      .toEqual({ ns: 'gitops', svc: 'webhook-receiver', port: 80, target: 9292, sel: { app: 'notification-controller' } });
    expect(WebhookReceiver.fromFluxNotificationController(chart, 'default').namespace).toBe('flux-system');
    expect(Testing.synth(chart)).toEqual([]);
    expect(() => WebhookReceiver.fromFluxNotificationController(chart, 'bad', { namespace: 'Flux System' })).toThrow(/namespace "Flux System" is not a valid namespace name/);
  });

  test('an escape-hatch patch on a Receiver survives the generated sanitizer', () => {
    const { chart, host } = receiverApp('flux-system', 'apps', 'flux');
    ApiObject.of((host as FluxReceivers).receiverObjects[0]).addJsonPatch(JsonPatch.add('/metadata/annotations', { team: 'web' }));
    const receiver = (Testing.synth(chart) as Manifest[]).find((m) => m.kind === 'Receiver')!;
    expect(receiver.metadata.annotations).toEqual({ team: 'web' });
  });

  test('duplicate receiver names', () => {
    const { host } = receiverApp('flux-system', 'apps', 'flux');
    expect(() => host.addReceiver('webapp', { provider: (host.receivers[0].provider), secret: undefined, targets: host.receivers[0].targets }))
      .toThrow(/receiver "webapp" is defined twice in namespace "flux-system"/);
  });

  test('the Receiver objects pass strict validation against the real CRD', async () => {
    const ns = await createTestNamespace('cr-flux', { 'pod-security.kubernetes.io/enforce': 'restricted' });
    const apps = await createTestNamespace('cr-flux-apps');
    const manifests = Testing.synth(receiverApp(ns, apps, 'flux').chart) as Manifest[];
    expect(await dryRunApply(manifests)).toEqual(manifestIds(manifests));
    expect(manifests.filter((m) => m.kind === 'Receiver').every((m) => m.metadata.namespace === ns)).toBe(true);
  });

  test('the real CRD rejects what the constructs refuse (the dry run is not vacuous)', async () => {
    const ns = await createTestNamespace('cr-flux-neg');
    const bad = {
      apiVersion: 'notification.toolkit.fluxcd.io/v1',
      kind: 'Receiver',
      metadata: { name: 'oidc-with-secret', namespace: ns },
      spec: { type: 'generic-oidc', secretRef: { name: 'x' }, resources: [] },
    };
    await expect(dryRunApply([bad])).rejects.toThrow(/secretRef cannot be set when type is generic-oidc/);
  });
});

describe('exposing FluxReceivers outside Flux\'s namespace would route to a Service that is not there', () => {
  const receivers = (namespace: string) => {
    const chart = Testing.chart();
    return { chart, flux: new FluxReceivers(chart, 'team-a', { namespace }) };
  };

  test('Ingress, HTTPRoute and LoadBalancer are refused, pointing at fromFluxNotificationController', () => {
    const { chart, flux } = receivers('team-a');
    expect(() => new ExposeViaIngress(chart, 'ingress', { receiver: flux, host: 'hooks.example.com' })).toThrow(
      'test/ingress: receiver (test/team-a) is a FluxReceivers in namespace "team-a", where no Service "webhook-receiver" runs: '
      + 'Flux\'s notification-controller serves the Receivers of every namespace through the one Service in its own namespace; '
      + 'expose WebhookReceiver.fromFluxNotificationController(scope, \'flux\') instead (with { namespace } when Flux is not in "flux-system")');
    expect(() => new ExposeViaHttpRoute(chart, 'route', { receiver: flux, parentRefs: [{ name: 'gw' }] })).toThrow(/test\/route: receiver \(test\/team-a\) is a FluxReceivers in namespace "team-a"/);
    expect(() => new ExposeViaLoadBalancer(chart, 'lb', { receiver: flux })).toThrow(/test\/lb: receiver \(test\/team-a\) is a FluxReceivers in namespace "team-a"/);
  });

  test('in flux-system, and through fromFluxNotificationController for Receivers elsewhere, exposing works', () => {
    const { chart, flux } = receivers('flux-system');
    expect(new ExposeViaIngress(chart, 'ingress', { receiver: flux }).namespace).toBe('flux-system');
    const other = receivers('team-a');
    const route = new ExposeViaIngress(other.chart, 'ingress', { receiver: WebhookReceiver.fromFluxNotificationController(other.chart, 'flux') });
    expect(Testing.synth(other.chart).find((o) => o.kind === 'Ingress')).toMatchObject({
      metadata: { namespace: 'flux-system' },
      spec: { rules: [{ http: { paths: [{ backend: { service: { name: 'webhook-receiver', port: { number: 80 } } } }] } }] },
    });
    expect(route.namespace).toBe('flux-system');
  });
});
