// Google Artifact Registry / GCR notifications through a Pub/Sub push subscription. The Secret
// holds `token`, plus `email` and `audience` of the push subscription's OIDC token.
import { App, Chart, Duration } from 'cdk8s';
import * as kplus from 'cdk8s-plus-28';
import { ImageRepository, ReceiverProvider, ReconcileTarget, WebhookReceiver } from '../src';

export function buildGcrApp(outdir?: string): App {
  const app = new App({ outdir });
  const chart = new Chart(app, 'webhooks', { namespace: 'flux-system' });

  const images = new ImageRepository(chart, 'Images', {
    metadata: { name: 'webapp' },
    image: 'europe-docker.pkg.dev/my-project/apps/webapp',
    interval: Duration.hours(1),
  });
  const receiver = new WebhookReceiver(chart, 'Receiver');
  receiver.addReceiver('gcr-receiver', {
    provider: ReceiverProvider.gcr(),
    secret: kplus.Secret.fromSecretName(chart, 'Token', 'gcr-webhook-token'),
    targets: [ReconcileTarget.fromApiObject(images)],
  });
  return app;
}
