// Harbor sends its webhook with the shared token as the Authorization header; a push of a
// new tag makes Flux rescan the image repository.
import { App, Duration } from 'cdk8s';
import * as kplus from 'cdk8s-plus-28';
import { ImageRepository, ReceiverProvider, ReconcileTarget, WebhookReceiver } from '../src';
import { exampleApp } from './_setup';

export function buildHarborApp(outdir?: string): App {
  const { app, chart } = exampleApp(outdir);

  const images = new ImageRepository(chart, 'Images', {
    metadata: { name: 'webapp' },
    image: 'harbor.example.com/apps/webapp',
    interval: Duration.hours(1),
  });
  const receiver = new WebhookReceiver(chart, 'Receiver');
  receiver.addReceiver('harbor-receiver', {
    provider: ReceiverProvider.harbor(),
    secret: kplus.Secret.fromSecretName(chart, 'Token', 'harbor-webhook-token'),
    targets: [ReconcileTarget.fromApiObject(images)],
  });
  return app;
}
