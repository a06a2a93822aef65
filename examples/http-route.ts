// Flux guide, "Expose the webhook receiver" with the Gateway API: an HTTPRoute in the
// Gateway's namespace, and the ReferenceGrant that lets it reach the receiver's Service.
import { App, Chart } from 'cdk8s';
import * as kplus from 'cdk8s-plus-28';
import { ExposeViaHttpRoute, GitRef, GitRepository, ReceiverProvider, ReconcileTarget, WebhookReceiver } from '../src';

export function buildHttpRouteApp(outdir?: string): App {
  const app = new App({ outdir });
  const chart = new Chart(app, 'webhooks', { namespace: 'flux-system' });

  const repo = new GitRepository(chart, 'Webapp', {
    metadata: { name: 'webapp' },
    url: 'https://github.com/org/webapp',
    ref: GitRef.branch('main'),
  });
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
