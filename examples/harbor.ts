// Harbor sends its webhook with the shared token as the Authorization header; a push of a
// new tag makes Flux rescan the image repository.
import { App, Chart } from 'cdk8s';
import * as kplus from 'cdk8s-plus-28';
import { ReceiverProvider, ReconcileTarget, WebhookReceiver } from '../src';
import { ImageRepository } from '../src/imports/image.toolkit.fluxcd.io';

export function buildHarborApp(outdir?: string): App {
  const app = new App({ outdir });
  const chart = new Chart(app, 'webhooks', { namespace: 'flux-system' });

  const images = new ImageRepository(chart, 'Images', {
    metadata: { name: 'webapp' },
    spec: { image: 'harbor.example.com/apps/webapp', interval: '1h' },
  });
  const receiver = new WebhookReceiver(chart, 'Receiver');
  receiver.addReceiver('harbor-receiver', {
    provider: ReceiverProvider.harbor(),
    secret: kplus.Secret.fromSecretName(chart, 'Token', 'harbor-webhook-token'),
    targets: [ReconcileTarget.fromApiObject(images)],
  });
  return app;
}
