// GitHub "package" events (a push to GitHub Container Registry) make Flux scan the image
// repository and pull the OCI artifact at once, instead of at the next interval.
import { App, Chart, Duration } from 'cdk8s';
import * as kplus from 'cdk8s-plus-28';
import { ImageRepository, OciRef, OciRepository, ReceiverProvider, ReconcileTarget, WebhookReceiver } from '../src';

export function buildGitHubPackageApp(outdir?: string): App {
  const app = new App({ outdir });
  const chart = new Chart(app, 'webhooks', { namespace: 'flux-system' });

  const images = new ImageRepository(chart, 'WebappImages', {
    metadata: { name: 'webapp' },
    image: 'ghcr.io/org/webapp',
    interval: Duration.hours(1),
  });
  const manifests = new OciRepository(chart, 'WebappManifests', {
    metadata: { name: 'webapp-manifests' },
    url: 'oci://ghcr.io/org/webapp-manifests',
    interval: Duration.hours(1),
    ref: OciRef.tag('latest'),
  });

  const receiver = new WebhookReceiver(chart, 'Receiver');
  receiver.addReceiver('ghcr-receiver', {
    provider: ReceiverProvider.github({ events: ['ping', 'package'] }),
    secret: kplus.Secret.fromSecretName(chart, 'Token', 'ghcr-webhook-token'),
    targets: [ReconcileTarget.fromApiObject(images), ReconcileTarget.fromApiObject(manifests)],
  });
  return app;
}
