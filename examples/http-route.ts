// Flux guide, "Expose the webhook receiver" with the Gateway API: an HTTPRoute in the
// Gateway's namespace, and the ReferenceGrant that lets it reach the receiver's Service.
import { App } from 'cdk8s';
import * as kplus from 'cdk8s-plus-28';
import { ExposeViaHttpRoute, ReceiverProvider, ReconcileTarget, WebhookReceiver } from '../src';
import { exampleApp, webappRepository } from './_setup';

export function buildHttpRouteApp(outdir?: string): App {
  const { app, chart } = exampleApp(outdir);

  const repo = webappRepository(chart);
  const receiver = new WebhookReceiver(chart, 'Receiver');
  receiver.addReceiver('github-receiver', {
    provider: ReceiverProvider.github({ events: ['ping', 'push'] }),
    secret: kplus.Secret.fromSecretName(chart, 'Token', 'webhook-token'),
    targets: [ReconcileTarget.fromApiObject(repo)],
  });

  new ExposeViaHttpRoute(chart, 'Route', {
    receiver,
    metadata: { name: 'flux-webhook' },
    namespace: 'gateway-system',
    parentRefs: [{ name: 'public', sectionName: 'https' }],
    hostnames: ['flux-webhook.example.com'],
  });
  return app;
}
