// Google Artifact Registry / GCR notifications through a Pub/Sub push subscription. The Secret
// holds `token`, plus `email` and `audience` of the push subscription's OIDC token.
import { App, Duration } from 'cdk8s';
import * as kplus from 'cdk8s-plus-28';
import { ImageRepository, ReceiverProvider, ReconcileTarget, WebhookReceiver } from '../src';
import { exampleApp } from './_setup';

export function buildGcrApp(outdir?: string): App {
  const { app, chart } = exampleApp(outdir);

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
