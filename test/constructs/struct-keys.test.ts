// Structs given as plain objects (JavaScript, JSON, `as any`) keep keys TypeScript would reject;
// a snake_case key would be ignored without a word. Each is refused at synth time, naming the
// construct, the struct, the key and the camelCase key meant.
import { Testing } from 'cdk8s';
import * as kplus from 'cdk8s-plus-28';
import { ExposeViaHttpRoute, ExposeViaIngress, GitRepository, ReceiverProvider, ReconcileTarget, WebhookReceiver } from '../../src';

function receiver() {
  const chart = Testing.chart();
  return { chart, receiver: new WebhookReceiver(chart, 'receiver'), secret: kplus.Secret.fromSecretName(chart, 'token', 'webhook-token') };
}

describe('unknown keys in user structs', () => {
  test('a snake_case parentRefs key is refused instead of attaching the route to every listener', () => {
    const { chart, receiver: r } = receiver();
    expect(() => new ExposeViaHttpRoute(chart, 'route', { receiver: r, parentRefs: [{ name: 'public', section_name: 'https' } as any] })).toThrow(
      'ExposeViaHttpRoute test/route: parentRefs[0] has an unknown key "section_name": use "sectionName" (keys are camelCase); known keys: name, namespace, sectionName, port');
    const route = new ExposeViaHttpRoute(chart, 'ok', { receiver: r, parentRefs: [{ name: 'public', sectionName: 'https' }] });
    expect(route.node.path).toBe('test/ok');
  });

  test('construct props', () => {
    const { chart, receiver: r } = receiver();
    expect(() => new WebhookReceiver(chart, 'other', { cross_namespace_targets: ['apps'] } as any))
      .toThrow('WebhookReceiver test/other: props has an unknown key "cross_namespace_targets": use "crossNamespaceTargets" (keys are camelCase)');
    expect(() => new GitRepository(chart, 'repo', { url: 'https://github.com/org/webapp', secret_ref: kplus.Secret.fromSecretName(chart, 's', 's') } as any))
      .toThrow('GitRepository test/repo: props has an unknown key "secret_ref": use "secretRef"');
    expect(() => new ExposeViaIngress(chart, 'ingress', { receiver: r, ingress_class_name: 'nginx' } as any))
      .toThrow('ExposeViaIngress test/ingress: props has an unknown key "ingress_class_name": use "ingressClassName"');
  });

  test('addReceiver options, target options and OIDC issuers', () => {
    const { receiver: r, secret } = receiver();
    const targets = [ReconcileTarget.gitRepository('webapp')];
    expect(() => r.addReceiver('webapp', { provider: ReceiverProvider.github(), secret, targets, resource_filter: "req.ref == 'refs/heads/main'" } as any))
      .toThrow('WebhookReceiver test/receiver: receiver "webapp" options has an unknown key "resource_filter": use "resourceFilter"');
    expect(() => ReconcileTarget.gitRepository('webapp', { name_space: 'apps' } as any))
      .toThrow('ReconcileTarget GitRepository "webapp" options has an unknown key "name_space": use "namespace"');
    expect(() => ReceiverProvider.genericOidc({ issuers: [{ issuer_url: 'https://token.actions.githubusercontent.com', validations: [] } as any] }))
      .toThrow('ReceiverProvider.genericOidc(): issuers[0] has an unknown key "issuer_url": use "issuerUrl"');
    expect(() => ReceiverProvider.genericOidc({
      issuers: [{ issuerUrl: 'https://token.actions.githubusercontent.com', validations: [{ expression: 'true', message: 'm', error_message: 'x' } as any] }],
    })).toThrow('ReceiverProvider.genericOidc(): issuers[0].validations[0] has an unknown key "error_message": remove it; known keys: expression, message');
  });
});
